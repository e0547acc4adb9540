/* The example image's program: prints its arguments and the build facts the
 * image carries in its environment. Static, so it runs in a FROM scratch image. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static const char *const vars[] = {"VERSION", "COMMITHASH", "BUILDTIME"};
  char cwd[4096];
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
    const char *v = getenv(vars[i]);
    printf("%s=%s\n", vars[i], v ? v : "(unset)");
  }
  printf("uid=%u gid=%u cwd=%s\n", (unsigned)getuid(), (unsigned)getgid(),
         getcwd(cwd, sizeof cwd) ? cwd : "?");
  return 0;
}

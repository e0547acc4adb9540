/* A stand-in for the programs of the real images (node, python3, lana-cli):
 * prints how it was called and the environment a release sets, so a test can
 * run it from an unpacked image and check what the image carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

int main(int argc, char **argv) {
  printf("program=%s\n", argv[0]);
  for (int i = 1; i < argc; i++) printf("arg%d=%s\n", i, argv[i]);
  const char *names[] = {"VERSION", "COMMITHASH", "BUILDTIME", "LANA_HOME", "PORT",
                         "HOSTNAME", "NODE_ENV", "PYTHONPATH", NULL};
  for (int i = 0; names[i]; i++) printf("%s=%s\n", names[i], env(names[i]));
  return 0;
}

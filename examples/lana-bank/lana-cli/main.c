/* A small static stand-in for lana-cli: `lana-cli --version` prints the build
 * metadata the image's ENV carries (VERSION, COMMITHASH, BUILDTIME). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "unknown";
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("lana-cli %s\nCOMMITHASH=%s\nBUILDTIME=%s\nLANA_HOME=%s\n", env("VERSION"),
           env("COMMITHASH"), env("BUILDTIME"), env("LANA_HOME"));
    return 0;
  }
  printf("lana-cli (stand-in): no server here; try --version\n");
  return 0;
}

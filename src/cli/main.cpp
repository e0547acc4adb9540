// release-tool: a thin wrapper; every command lives in the core library.
#include "util/error.hpp"

#include <cstdio>

int main(int argc, char** argv) {
  std::fprintf(stderr, "release-tool: not yet\n");
  return 1;
}

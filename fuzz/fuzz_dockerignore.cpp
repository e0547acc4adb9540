// .dockerignore and COPY source globs. Input: the .dockerignore text, then after a NUL the paths
// to ask about, one a line. Each path is checked against the parsed rules (excluded,
// may_reinclude_below), and against every line of the file taken as a COPY glob (path.Match).
#include "fuzz_support.hpp"

#include "build/patterns.hpp"

using namespace rt::build;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = rt::fuzz::split_parts(data, size, 2);
  auto paths = rt::fuzz::split_lines(parts[1]);
  rt::fuzz::typed_errors_only([&] {
    DockerIgnore ignore = DockerIgnore::parse(parts[0], ".dockerignore");
    for (const auto& path : paths) {
      std::string clean = clean_path(path);
      ignore.excluded(clean == "." ? "" : clean);
      ignore.may_reinclude_below(clean);
    }
  });
  for (const auto& pattern : rt::fuzz::split_lines(parts[0])) {
    has_glob_meta(pattern);
    for (const auto& path : paths)
      rt::fuzz::typed_errors_only([&] { glob_match(pattern, path); });
  }
  return 0;
}

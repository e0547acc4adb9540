// The builder: a Dockerfile built in a small context, every registry reference resolving to a
// small base image (build_fixture.hpp). This reaches what the parser target cannot: stages and
// their order, ARG/ENV scoping, WORKDIR, COPY/ADD destinations and --chown/--chmod, the config
// instructions (EXPOSE, HEALTHCHECK, USER, ...). Input: the Dockerfile, then after a NUL
// "NAME=VALUE" build args one a line, then after a NUL the target stage.
#include "build_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rt::fuzz::BuildFixture fixture;
  rt::fuzz::quiet_logs();
  auto parts = rt::fuzz::split_parts(data, size, 3);
  std::vector<std::pair<std::string, std::string>> args;
  for (const auto& line : rt::fuzz::split_lines(parts[1])) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) args.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  std::string target = rt::fuzz::split_lines(parts[2]).empty()
                           ? std::string()
                           : rt::fuzz::split_lines(parts[2]).front();
  rt::fuzz::typed_errors_only([&] { fixture.build(parts[0], args, target); });
  return 0;
}

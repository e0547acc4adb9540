#include "commands/assemble.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace rt;

TEST_CASE("commands::assemble") {
  TempDir dir("test-assemble");
  std::ofstream(dir.path() + "/Dockerfile") << "FROM scratch\n";
  commands::AssembleOptions o;
  o.build.context_dir = dir.path();
  o.build.dockerfile = dir.path() + "/Dockerfile";
  o.build.store_root = dir.path() + "/cache";
  o.outputs = {"oci:" + dir.path() + "/out:t"};
  auto expect_input_error = [&](const std::string& what) {
    try {
      commands::assemble(o);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(what));
    }
    CHECK_FALSE(path_exists(dir.path() + "/out"));
  };
  SECTION("a missing Dockerfile is bad input") {
    o.build.dockerfile = dir.path() + "/nope";
    expect_input_error("nope: no such file");
  }
  SECTION("a missing context is bad input") {
    o.build.context_dir = dir.path() + "/nope";
    expect_input_error("nope: no such file");
  }
  SECTION("a missing --build-arg-file is bad input") {
    o.build_arg_file = dir.path() + "/nope.env";
    expect_input_error("nope.env: no such file");
  }
}

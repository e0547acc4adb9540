#include "build/stage_fs.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace rt;
using namespace rt::build;

namespace {
// A stage holding etc/passwd and etc/group with the given text.
void put_file(StageFs& fs, const std::string& dir, const std::string& path,
              const std::string& text) {
  std::string host = dir + "/" + std::to_string(std::hash<std::string>{}(path));
  std::ofstream(host) << text;
  fs.apply({{"etc", EntryType::directory, 0755},
            {path, EntryType::file, 0644, 0, 0, 0, static_cast<int64_t>(text.size()), "", host}});
}
} // namespace

TEST_CASE("StageFs::lookup_group") {
  TempDir dir("test-stage-fs");
  StageFs fs(dir.path());
  // The usual form: no members, so the line ends with an empty field.
  put_file(fs, dir.path(), "etc/group", "root:x:0:\nhello:x:1000:\nstaff:x:50:alice,bob\n");
  CHECK(fs.lookup_group("root") == 0u);
  CHECK(fs.lookup_group("hello") == 1000u);
  CHECK(fs.lookup_group("staff") == 50u);
  CHECK_FALSE(fs.lookup_group("nobody"));
}

TEST_CASE("StageFs::lookup_user and primary_group") {
  TempDir dir("test-stage-fs");
  StageFs fs(dir.path());
  put_file(fs, dir.path(), "etc/passwd",
           "root:x:0:0:root:/root:/bin/sh\nhello:x:1000:1001::/home/hello:\n");
  CHECK(fs.lookup_user("hello") == 1000u);
  CHECK(fs.primary_group(1000) == 1001u);
  CHECK_FALSE(fs.lookup_user("nobody"));
  CHECK_FALSE(fs.lookup_group("hello")); // no /etc/group in this stage
}

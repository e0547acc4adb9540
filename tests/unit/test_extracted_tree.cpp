#include "layer/extracted_tree.hpp"
#include "layer/tar_reader.hpp"

#include <catch2/catch.hpp>

using namespace rt;
using namespace rt::layer;

namespace {
TarEntry dir(const std::string& p, uint32_t mode = 0755) {
  return {p, EntryType::directory, mode};
}
TarEntry file(const std::string& p, const std::string& source, uint32_t mode = 0644) {
  return {p, EntryType::file, mode, 0, 0, 0, 1, "", source};
}
TarEntry a_symlink(const std::string& p, const std::string& target) {
  return {p, EntryType::symlink, 0777, 0, 0, 0, 0, target};
}
TarEntry hardlink(const std::string& p, const std::string& target) {
  return {p, EntryType::hardlink, 0644, 0, 0, 0, 0, target};
}
std::string refused(ExtractedTree& t, const TarEntry& e) {
  try {
    t.add(e, "t.tar");
  } catch (const BadEntry& b) {
    return b.detail();
  }
  return "accepted";
}
} // namespace

TEST_CASE("ExtractedTree::add: the last entry wins, a non-directory replaces a subtree") {
  // file a, file a, dir a, a/b, then symlink a -> /etc: Docker keeps only the symlink.
  ExtractedTree t;
  t.add(file("a", "src1"), "t.tar");
  t.add(file("a", "src2"), "t.tar");
  t.add(dir("a"), "t.tar");
  t.add(file("a/b", "src3"), "t.tar");
  t.add(a_symlink("a", "/etc"), "t.tar");
  auto e = t.entries();
  REQUIRE(e.size() == 1);
  CHECK(e[0].path == "a");
  CHECK(e[0].type == EntryType::symlink);
  CHECK(e[0].link == "/etc");
  // Below the symlink now: Docker would write into /etc; refused.
  CHECK(refused(t, file("a/c", "src4")) == "entry 'a/c' is below 'a', which is not a directory");
}

TEST_CASE("ExtractedTree::add: a directory over a directory merges") {
  ExtractedTree t;
  t.add(dir("d", 0700), "t.tar");
  t.add(file("d/x", "sx"), "t.tar");
  t.add(dir("d", 0750), "t.tar");
  t.add(file("f", "s1"), "t.tar");
  t.add(dir("f"), "t.tar"); // a directory replaces a file
  auto e = t.entries();
  REQUIRE(e.size() == 3);
  CHECK(e[0].path == "d");
  CHECK(e[0].mode == 0750);
  CHECK(e[1].path == "d/x");
  CHECK(e[2].path == "f");
  CHECK(e[2].type == EntryType::directory);
}

TEST_CASE("ExtractedTree::add: hardlinks") {
  SECTION("a link that sorts before its target holds the content") {
    ExtractedTree t;
    t.add(file("z", "sz", 0600), "t.tar");
    t.add(hardlink("a", "z"), "t.tar");
    auto e = t.entries();
    REQUIRE(e.size() == 2);
    CHECK(e[0].path == "a");
    CHECK(e[0].type == EntryType::file);
    CHECK(e[0].source == "sz");
    CHECK(e[0].mode == 0600);
    CHECK(e[1].path == "z");
    CHECK(e[1].type == EntryType::hardlink);
    CHECK(e[1].link == "a");
  }
  SECTION("a target replaced later keeps the link's content") {
    ExtractedTree t;
    t.add(file("z", "old"), "t.tar");
    t.add(hardlink("a", "z"), "t.tar");
    t.add(file("z", "new"), "t.tar");
    auto e = t.entries();
    REQUIRE(e.size() == 2);
    CHECK(e[0].path == "a");
    CHECK(e[0].source == "old");
    CHECK(e[1].path == "z");
    CHECK(e[1].type == EntryType::file);
    CHECK(e[1].source == "new");
  }
  SECTION("a target not in the archive, or a directory, is refused") {
    ExtractedTree t;
    t.add(dir("etc"), "t.tar");
    CHECK(refused(t, hardlink("x", "etc/passwd")) ==
          "entry 'x' is a hardlink to 'etc/passwd', which is not in the archive before it");
    CHECK(refused(t, hardlink("x", "etc")) == "entry 'x' is a hardlink to the directory 'etc'");
    t.add(file("self", "s"), "t.tar");
    // The old entry is gone before the link is made, as with link(2).
    CHECK(refused(t, hardlink("self", "self")).find("not in the archive") != std::string::npos);
  }
  SECTION("a hardlink to a symlink is the same symlink") {
    ExtractedTree t;
    t.add(a_symlink("s", "target"), "t.tar");
    t.add(hardlink("h", "s"), "t.tar");
    auto e = t.entries();
    REQUIRE(e.size() == 2);
    CHECK(e[0].path == "h");
    CHECK(e[0].type == EntryType::symlink);
    CHECK(e[0].link == "target");
  }
}

// Names are bytes from the host to the layer and back; symlinks are 0777;
// hardlinks come after what they name; entries that escape are refused.
#include "layer/layer_writer.hpp"
#include "layer/tar_reader.hpp"
#include "string_sink.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace rt;
using rt::test::StringSink;
using namespace rt::layer;

namespace {
std::vector<TarEntry> read_back(const std::string& tar) {
  StringSource src(tar);
  std::vector<TarEntry> out;
  read_tar(
      src, [&](const TarEntry& e, EntryData&) { out.push_back(e); }, "test.tar");
  return out;
}

std::string tar_of(std::vector<TarEntry> entries) {
  StringSink sink;
  write_tar(entries, sink);
  return sink.data;
}
} // namespace

TEST_CASE("write_tar: names are bytes", "[layer]") {
  TempDir tmp;
  std::ofstream(tmp.path() + "/c") << "content";
  const std::string not_utf8 = "d/f\xffx";
  const std::string utf8 = "d/caf\xc3\xa9";
  const std::string long_odd = "d/" + std::string(150, 'n') + "\x80\x1b";
  std::vector<TarEntry> in = {
      {"d", EntryType::directory, 0755},
      {not_utf8, EntryType::file, 0644, 0, 0, 0, 7, "", tmp.path() + "/c"},
      {utf8, EntryType::symlink, 0777, 0, 0, 0, 0, "t\xfe"},
      {long_odd, EntryType::file, 0644, 0, 0, 0, 7, "", tmp.path() + "/c"},
  };
  sort_entries(in);
  std::string tar = tar_of(in); // crashed (a NULL name in libarchive) before
  auto back = read_back(tar);
  REQUIRE(back.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(back[i].path == in[i].path);
    CHECK(back[i].link == in[i].link);
  }
  // UTF-8 goes into pax `path` as itself, as Go's archive/tar writes it; other
  // bytes go raw, marked hdrcharset=BINARY.
  CHECK(tar.find("path=" + utf8 + "\n") != std::string::npos);
  CHECK(tar.find("path=" + not_utf8 + "\n") != std::string::npos);
  CHECK(tar.find("hdrcharset=BINARY") != std::string::npos);
  // Same bytes every time.
  CHECK(tar_of(in) == tar);
}

TEST_CASE("write_tar: symlinks are 0777 whatever their source said", "[layer]") {
  std::vector<TarEntry> in = {{"l", EntryType::symlink, 0755, 0, 0, 0, 0, "target"}};
  std::string tar = tar_of(in);
  // The ustar mode field at offset 100: six octal digits.
  CHECK(tar.substr(100, 6) == "000777");
  in[0].mode = 0777;
  CHECK(tar_of(in) == tar);
}

TEST_CASE("sort_entries: a hardlink comes after the file it names", "[layer]") {
  TempDir tmp;
  std::ofstream(tmp.path() + "/z") << "zz";
  std::vector<TarEntry> in = {
      {"z", EntryType::file, 0600, 5, 6, 0, 2, "", tmp.path() + "/z"},
      {"a", EntryType::hardlink, 0644, 0, 0, 0, 0, "z"},
      {"m", EntryType::hardlink, 0644, 0, 0, 0, 0, "a"}, // a link to a link
  };
  sort_entries(in);
  REQUIRE(in.size() == 3);
  CHECK(in[0].path == "a");
  CHECK(in[0].type == EntryType::file);
  CHECK(in[0].source == tmp.path() + "/z");
  CHECK(in[0].mode == 0600);
  CHECK(in[0].uid == 5);
  CHECK(in[1].path == "m");
  CHECK(in[1].type == EntryType::hardlink);
  CHECK(in[1].link == "a");
  CHECK(in[2].path == "z");
  CHECK(in[2].type == EntryType::hardlink);
  CHECK(in[2].link == "a");

  std::vector<TarEntry> dangling = {{"a", EntryType::hardlink, 0644, 0, 0, 0, 0, "gone"}};
  CHECK_THROWS_WITH(sort_entries(dangling), Catch::Contains("not in the layer"));
}

TEST_CASE("read_tar: entries that escape are BadEntry", "[layer]") {
  auto refused = [](std::vector<TarEntry> entries) -> std::string {
    try {
      read_back(tar_of(std::move(entries)));
    } catch (const BadEntry& e) {
      return e.detail();
    }
    return "accepted";
  };
  // A directory's name is written with a trailing '/', as tar does: the message quotes it as
  // stored.
  CHECK(refused({{"../x", EntryType::directory, 0755}}) == "entry '../x/' escapes the destination");
  CHECK(refused({{"a/../../x", EntryType::directory, 0755}}) ==
        "entry 'a/../../x/' escapes the destination");
  // Longer than 100 bytes: in a pax `path` record.
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "../";
  CHECK(refused({{deep + "..", EntryType::directory, 0755}}).ends_with("escapes the destination"));
  CHECK(refused({{"x", EntryType::hardlink, 0644, 0, 0, 0, 0, "../etc/passwd"}}) ==
        "entry 'x' links to '../etc/passwd', outside the destination");
  // Control bytes are not echoed raw.
  CHECK(refused({{"../\x1b[2J", EntryType::directory, 0755}}) ==
        "entry '../\\x1b[2J/' escapes the destination");
  // An absolute hardlink target is relative to the archive's root, as in Docker.
  auto back = read_back(tar_of({{"x", EntryType::hardlink, 0644, 0, 0, 0, 0, "/etc/passwd"}}));
  REQUIRE(back.size() == 1);
  CHECK(back[0].link == "etc/passwd");
  // ".." that stays inside is fine.
  back = read_back(tar_of({{"a/../b", EntryType::directory, 0755}}));
  REQUIRE(back.size() == 1);
  CHECK(back[0].path == "b");
}

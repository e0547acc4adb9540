#include "layer/layer_writer.hpp"
#include "string_sink.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <zlib.h>

using namespace rt;
using rt::test::StringSink;
using namespace rt::layer;

namespace {
std::vector<TarEntry> sample_entries(const std::string& dir) {
  std::ofstream(dir + "/big") << std::string(3 << 20, 'x') + "tail";
  std::ofstream(dir + "/small") << "hello\n";
  std::vector<TarEntry> e;
  e.push_back({"app", EntryType::directory, 0755});
  e.push_back({"app/big", EntryType::file, 0644, 0, 0, 0, (3 << 20) + 4, "", dir + "/big"});
  e.push_back({"app/small", EntryType::file, 0755, 1000, 1000, 0, 6, "", dir + "/small"});
  e.push_back({"app/link", EntryType::symlink, 0777, 0, 0, 0, 0, "small"});
  sort_entries(e);
  return e;
}

// The uncompressed bytes of a multi-member gzip file, read with zlib.
std::string gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0)
    out.append(buf, n);
  gzclose(f);
  return out;
}

} // namespace

TEST_CASE("write_layer", "[layer]") {
  TempDir tmp;
  auto entries = sample_entries(tmp.path());
  BlobStore store(tmp.path() + "/store");

  SECTION("same bytes for any thread count") {
    auto one = write_layer(entries, store, {Codec::gzip, 6, 1 << 20, 1});
    auto two = write_layer(entries, store, {Codec::gzip, 6, 1 << 20, 2});
    auto four = write_layer(entries, store, {Codec::gzip, 6, 1 << 20, 4});
    CHECK(one.digest == two.digest);
    CHECK(one.digest == four.digest);
    CHECK(one.diff_id == two.diff_id);
  }
  SECTION("digest and diff_id describe the stored bytes") {
    auto r = write_layer(entries, store, {Codec::gzip, 6, 1 << 20, 2});
    CHECK(sha256_of_file(store.path(r.digest)) == r.digest);
    CHECK(fs::file_size(store.path(r.digest)) == static_cast<uintmax_t>(r.size));
    std::string tar = gunzip(store.path(r.digest));
    CHECK(sha256_of(tar) == r.diff_id);
    StringSink raw;
    write_tar(entries, raw);
    CHECK(raw.data == tar);
  }
  SECTION("a source that changed size fails and leaves no blob") {
    entries[1].size += 1;
    CHECK_THROWS_WITH(write_layer(entries, store, {Codec::gzip, 6, 1 << 20, 2}),
                      Catch::Contains("changed while it was being read"));
    CHECK(fs::is_empty(store.root() + "/blobs/sha256"));
  }
}

TEST_CASE("write_layer_cached", "[layer]") {
  TempDir tmp;
  auto entries = sample_entries(tmp.path());
  BlobStore store(tmp.path() + "/store");
  auto first = write_layer_cached(entries, store, {});
  auto again = write_layer_cached(entries, store, {});
  CHECK(first.digest == again.digest);
  std::ofstream(tmp.path() + "/small") << "HELLO\n";
  auto changed = write_layer_cached(entries, store, {});
  CHECK(changed.diff_id != first.diff_id);
}

TEST_CASE("clean_entry_path", "[layer]") {
  CHECK(clean_entry_path("/a//b/./c/") == "a/b/c");
  CHECK(clean_entry_path("./x") == "x");
  CHECK(clean_entry_path("a/b/../c") == "a/c");
  CHECK_THROWS(clean_entry_path("a/../../b"));
}

namespace {
ino_t inode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

// Overwrites one byte in place, as an editor writing through a hard link does
// (same inode, same size, a new mtime).
void edit_in_place(const std::string& path) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a coarse clock ticks
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(100);
  f.put('!');
}
} // namespace

TEST_CASE("write_layer_cached: a blob changed since it was written is a miss", "[layer]") {
  TempDir tmp;
  auto entries = sample_entries(tmp.path());
  BlobStore store(tmp.path() + "/store");
  auto first = write_layer_cached(entries, store, {});
  std::string blob = store.path(first.digest);
  std::string output = tmp.path() + "/output-blob"; // an output's hard link
  REQUIRE(::link(blob.c_str(), output.c_str()) == 0);
  ino_t ino = inode_of(blob);
  CHECK(store.intact(first.digest));

  SECTION("linking it into an output and removing that output change nothing") {
    REQUIRE(::unlink(output.c_str()) == 0); // both change the ctime
    CHECK(store.intact(first.digest));
    CHECK(write_layer_cached(entries, store, {}).digest == first.digest);
    CHECK(inode_of(blob) == ino); // a hit: not written again
  }
  SECTION("edited in place through the output: rebuilt, the store's blob replaced") {
    edit_in_place(output);
    CHECK(!store.intact(first.digest));
    CHECK(sha256_of_file(blob) != first.digest); // poisoned
    auto again = write_layer_cached(entries, store, {});
    CHECK(again.digest == first.digest);
    CHECK(sha256_of_file(blob) == first.digest);
    CHECK(inode_of(blob) != ino);      // the output keeps its edited file
    CHECK(store.intact(first.digest)); // and the next run is a hit again
    ino_t fixed = inode_of(blob);
    CHECK(write_layer_cached(entries, store, {}).digest == first.digest);
    CHECK(inode_of(blob) == fixed);
  }
  SECTION("truncated: rebuilt") {
    fs::resize_file(output, 10);
    CHECK(write_layer_cached(entries, store, {}).digest == first.digest);
    CHECK(sha256_of_file(blob) == first.digest);
  }
  SECTION("a blob with no stamp (a cache from before stamps): rebuilt once, then a hit") {
    fs::remove_all(store.root() + "/blob-stamps");
    CHECK(!store.intact(first.digest));
    CHECK(write_layer_cached(entries, store, {}).digest == first.digest);
    CHECK(store.intact(first.digest));
  }
  SECTION("an intact blob is not replaced when the same layer is written again") {
    CHECK(write_layer(entries, store, {}).digest == first.digest);
    CHECK(inode_of(blob) == ino);
  }
}

TEST_CASE("BlobStore::intact_at", "[layer]") {
  TempDir tmp;
  BlobStore store(tmp.path() + "/store");
  auto d = sha256_of("x");
  auto file = store.begin();
  file->write("x");
  store.commit(*file, d); // not stamped: as registry blobs cached when read
  CHECK(!store.intact(d));
  CHECK(!BlobStore::intact_at(store.path(d), d));
  auto again = store.begin();
  again->write("x");
  store.commit_stamped(*again, d);
  CHECK(store.intact(d));
  CHECK(BlobStore::intact_at(store.path(d), d));
  CHECK(!BlobStore::intact_at(store.path(d), sha256_of("y"))); // not its name
  fs::copy_file(store.path(d), tmp.path() + "/copy");
  CHECK(!BlobStore::intact_at(tmp.path() + "/copy", d)); // not in a store
}

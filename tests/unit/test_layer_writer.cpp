#include "layer/layer_writer.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <zlib.h>

using namespace rt;
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
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  gzclose(f);
  return out;
}

class StringSink : public ByteSink {
public:
  std::string data;
  void write(const char* b, size_t n) override { data.append(b, n); }
};
} // namespace

TEST_CASE("write_layer", "[layer]") {
  TempDir tmp;
  auto entries = sample_entries(tmp.path());
  BlobStore store(tmp.path() + "/store");

  SECTION("same bytes for any thread count") {
    auto one = write_layer(entries, store, {6, 1 << 20, 1});
    auto two = write_layer(entries, store, {6, 1 << 20, 2});
    auto four = write_layer(entries, store, {6, 1 << 20, 4});
    CHECK(one.digest == two.digest);
    CHECK(one.digest == four.digest);
    CHECK(one.diff_id == two.diff_id);
  }
  SECTION("digest and diff_id describe the stored bytes") {
    auto r = write_layer(entries, store, {6, 1 << 20, 2});
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
    CHECK_THROWS_WITH(write_layer(entries, store, {6, 1 << 20, 2}),
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

// Outputs and the layer cache share blobs by hard links. A cache blob whose
// stat stamp still holds is linked without being read again; any other local
// blob is hashed before it is linked; a blob edited through an output never
// reaches another output, and the edited output is mended by the next write.
#include "image_fixtures.hpp"
#include "layer/layer_writer.hpp"
#include "layout/oci_layout.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <thread>

using namespace rt;
using namespace rt::layout;
using nlohmann::json;

namespace {

struct Built {
  oci::Image image;
  std::vector<layer::TarEntry> entries;
  Digest layer;
};

Built build(const std::string& dir, const layer::BlobStore& store) {
  std::ofstream(dir + "/data") << std::string(4096, 'd');
  std::vector<layer::TarEntry> entries = {
      {"data", layer::EntryType::file, 0644, 0, 0, 0, 4096, "", dir + "/data"}};
  auto img = rt::test::image_of_layers({entries}, store, {}, true);
  return {img, entries, img.layers.at(0)->descriptor().digest};
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

void edit_in_place(const std::string& path) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  f.put('!');
}

bool all_blobs_match(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir + "/blobs/sha256"))
    if (sha256_of_file(e.path().string()).hex != e.path().filename().string()) return false;
  return true;
}

} // namespace

TEST_CASE("cache blobs in outputs", "[layout][layer]") {
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  auto b = build(tmp.path(), store);
  std::string cached = store.path(b.layer);
  std::string out1 = tmp.path() + "/out1";
  write_oci_layout(b.image, out1, "v1");
  std::string linked = out1 + "/blobs/sha256/" + b.layer.hex;
  REQUIRE(stat_of(linked).st_ino == stat_of(cached).st_ino);

  SECTION("edited through an output: not linked into another, whose write fails") {
    // The image was built before the edit (the build vouched for the blob);
    // at output time the stamp no longer holds, so the blob is hashed.
    edit_in_place(linked);
    std::string out2 = tmp.path() + "/out2";
    CHECK_THROWS_AS(write_oci_layout(b.image, out2, "v1"), RuntimeError);
    CHECK(!path_exists(out2));
  }
  SECTION("edited through an output: the next build rebuilds it, both outputs are right") {
    edit_in_place(linked);
    auto again = build(tmp.path(), store);
    REQUIRE(again.image.digest() == b.image.digest());
    std::string out2 = tmp.path() + "/out2";
    write_oci_layout(again.image, out2, "v1");
    CHECK(all_blobs_match(out2));
    write_oci_layout(again.image, out1, "v1"); // its edited blob is replaced
    CHECK(all_blobs_match(out1));
    CHECK(stat_of(linked).st_ino == stat_of(store.path(b.layer)).st_ino);
  }
  SECTION("a store blob without a stamp (a registry blob cached when read) is hashed") {
    fs::remove_all(store.root() + "/blob-stamps");
    edit_in_place(linked);
    CHECK_THROWS_AS(write_oci_layout(b.image, tmp.path() + "/out2", "v1"), RuntimeError);
  }
  SECTION("an intact cache blob is linked without being read") {
    // What the stamp cannot see: an edit that puts the mtime back (as
    // `touch -r` or `rsync -t --inplace` do). The link proves no hash was taken.
    struct stat before = stat_of(cached);
    edit_in_place(linked);
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    REQUIRE(::utimensat(AT_FDCWD, cached.c_str(), times, 0) == 0);
    REQUIRE(store.intact(b.layer));
    std::string out2 = tmp.path() + "/out2";
    write_oci_layout(b.image, out2, "v1");
    CHECK(stat_of(out2 + "/blobs/sha256/" + b.layer.hex).st_ino == before.st_ino);
  }
}

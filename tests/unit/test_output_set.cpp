// OutputSet: oci: and docker-archive: outputs written all or nothing, and a
// failure that leaves every destination as it was (new ones not there at all).
#include "image_fixtures.hpp"
#include "layer/layer_writer.hpp"
#include "layout/docker_archive.hpp"
#include "layout/oci_layout.hpp"
#include "layout/output_set.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

using namespace rt;
using namespace rt::layout;
using nlohmann::json;
using rt::test::BrokenLayer;

namespace {

// A one-layer image over a file holding `text`, its layer from the layer cache.
oci::Image image_of(const std::string& dir, const layer::BlobStore& store,
                    const std::string& text) {
  std::string file = dir + "/" + sha256_of(text).hex.substr(0, 8);
  std::ofstream(file) << text;
  std::vector<layer::TarEntry> entries = {
      {"f", layer::EntryType::file, 0644, 0, 0, 0, static_cast<int64_t>(text.size()), "", file}};
  return rt::test::image_of_layers({entries}, store, {}, true);
}

// `good`'s layer, then one that fails: the first blob is in before the failure.
oci::Image with_broken_layer(const oci::Image& good) {
  auto cfg = json::parse(good.config);
  cfg["rootfs"]["diff_ids"].push_back(sha256_of("missing").str());
  auto layers = good.layers;
  layers.push_back(std::make_shared<BrokenLayer>());
  return oci::make_image(cfg.dump(), layers);
}

// Every path under `dir` with the content of its regular files.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[e.path().string()] = e.is_regular_file() ? read_file(e.path().string()) : "<dir>";
  return out;
}

} // namespace

TEST_CASE("a failed oci: write leaves the destination as it was", "[layout]") {
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  auto one = image_of(tmp.path(), store, "one");
  auto two = image_of(tmp.path(), store, "two");
  auto broken = with_broken_layer(two);

  SECTION("a new layout is not there at all, nor the directories made for it") {
    std::string dir = tmp.path() + "/new/parent/layout";
    CHECK_THROWS_WITH(write_oci_layout(broken, dir, "v1"), Catch::Contains("broken layer"));
    CHECK(!path_exists(tmp.path() + "/new"));
  }
  SECTION("an existing directory gets no oci-layout or blobs/") {
    std::string dir = tmp.path() + "/empty";
    fs::create_directories(dir);
    CHECK_THROWS(write_oci_layout(broken, dir, "v1"));
    CHECK(fs::is_empty(dir));
  }
  SECTION("an existing layout keeps its index.json and loses the blobs the run added") {
    std::string dir = tmp.path() + "/layout";
    write_oci_layout(one, dir, "v1");
    auto before = snapshot(dir);
    CHECK_THROWS_WITH(write_oci_layout(broken, dir, "v2"), Catch::Contains("broken layer"));
    CHECK(snapshot(dir) == before); // two's layer blob went in, and is gone again
    CHECK(read_oci_layout(dir, "v1", {}).digest() == one.digest());
  }
  SECTION("a failed docker-archive: write keeps the previous archive") {
    std::string file = tmp.path() + "/a.tar";
    write_docker_archive(one, file, "app:1");
    std::string before = read_file(file);
    CHECK_THROWS(write_docker_archive(broken, file, "app:2"));
    CHECK(read_file(file) == before);
  }
}

TEST_CASE("OutputSet: several outputs, all or nothing", "[layout]") {
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  auto one = image_of(tmp.path(), store, "one");
  auto two = image_of(tmp.path(), store, "two");
  std::string existing = tmp.path() + "/existing";
  std::string archive = tmp.path() + "/old.tar";
  write_oci_layout(one, existing, "v1");
  write_docker_archive(one, archive, "app:1");
  auto layout_before = snapshot(existing);
  std::string archive_before = read_file(archive);
  std::string fresh = tmp.path() + "/fresh";
  auto unchanged = [&] {
    CHECK(snapshot(existing) == layout_before);
    CHECK(read_file(archive) == archive_before);
    CHECK(!path_exists(fresh));
    // No temporary or kept files anywhere.
    for (const auto& e : fs::recursive_directory_iterator(tmp.path()))
      CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
    for (const auto& e : fs::directory_iterator(tmp.path()))
      CHECK(e.path().filename().string().find(".previous-") == std::string::npos);
  };
  using K = Destination::Kind;

  SECTION("an output that cannot be staged: the others are not written") {
    std::ofstream(tmp.path() + "/a-file") << "x";
    {
      OutputSet out;
      out.stage(two, {K::oci, existing, "v2", {}});
      out.stage(two, {K::oci, fresh, "", {}});
      out.stage(two, {K::docker_archive, archive, "app:2", {}});
      CHECK_THROWS(out.stage(two, {K::oci, tmp.path() + "/a-file/sub", "", {}}));
    }
    unchanged();
    CHECK(read_file(tmp.path() + "/a-file") == "x");
  }
  SECTION("a rename that fails: the ones done are put back") {
    fs::create_directories(tmp.path() + "/gone");
    OutputSet out;
    out.stage(two, {K::oci, existing, "v2", {}});
    out.stage(two, {K::oci, fresh, "", {}});
    out.stage(two, {K::docker_archive, archive, "app:2", {}});
    out.stage(two, {K::docker_archive, tmp.path() + "/gone/new.tar", "app:2", {}});
    // The last output's directory disappears after staging: its rename fails
    // after both layouts and the first archive were renamed into place.
    fs::remove_all(tmp.path() + "/gone");
    CHECK_THROWS_WITH(out.commit(), Catch::Contains("new.tar"));
    unchanged();
  }
  SECTION("destroyed after commit() but before finish(): undone") {
    {
      OutputSet out;
      out.stage(two, {K::oci, existing, "v2", {}});
      out.stage(two, {K::oci, fresh, "", {}});
      out.stage(two, {K::docker_archive, archive, "app:2", {}});
      out.commit();
      CHECK(read_oci_layout(existing, "v2", {}).digest() == two.digest());
      CHECK(read_oci_layout(fresh, "", {}).digest() == two.digest());
    }
    unchanged();
  }
  SECTION("committed and finished: all there, nothing kept") {
    {
      OutputSet out;
      out.stage(two, {K::oci, existing, "v2", {}});
      // The same layout spelt differently: one index.json with both tags.
      out.stage(one, {K::oci, tmp.path() + "/./existing/", "v3", {}});
      out.stage(two, {K::docker_archive, archive, "app:2", {}});
      out.commit();
      out.finish();
    }
    CHECK(oci_layout_tags(existing) == std::vector<std::string>{"v1", "v2", "v3"});
    CHECK(read_oci_layout(existing, "v2", {}).digest() == two.digest());
    CHECK(read_file(archive) != archive_before);
    for (const auto& e : fs::recursive_directory_iterator(tmp.path()))
      CHECK(e.path().filename().string().find(".previous-") == std::string::npos);
  }
  SECTION("docker:// is not a local destination") {
    OutputSet out;
    CHECK_THROWS_AS(out.stage(two, {K::docker, "", "", "localhost:5000/x:1"}), InputError);
  }
}

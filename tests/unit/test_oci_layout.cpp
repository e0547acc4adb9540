// write_oci_layout / read_oci_layout, checked by tools we did not write
// (oci-image-tool, umoci, skopeo). A missing tool fails the test.
#include "image_fixtures.hpp"
#include "layer/layer_writer.hpp"
#include "layout/oci_layout.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace rt;
using namespace rt::layout;
using nlohmann::json;
using rt::test::BrokenLayer;
using rt::test::require_tool;
using rt::test::run;

namespace {

// A two-layer image over files in `dir`; `marker` makes images differ.
oci::Image build_image(const std::string& dir, const layer::BlobStore& store,
                       const std::string& marker) {
  std::ofstream(dir + "/hello.txt") << "hello " << marker << "\n";
  std::ofstream(dir + "/run.sh") << "#!/bin/sh\necho " << marker << "\n";
  using layer::EntryType;
  std::vector<std::vector<layer::TarEntry>> layers = {
      {{"app", EntryType::directory, 0755},
       {"app/hello.txt", EntryType::file, 0640, 0, 0, 0,
        static_cast<int64_t>(fs::file_size(dir + "/hello.txt")), "", dir + "/hello.txt"}},
      {{"app", EntryType::directory, 0755},
       {"app/run.sh", EntryType::file, 0755, 0, 0, 0,
        static_cast<int64_t>(fs::file_size(dir + "/run.sh")), "", dir + "/run.sh"},
       {"app/link", EntryType::symlink, 0777, 0, 0, 0, 0, "run.sh"}}};
  return test::image_of_layers(std::move(layers), store);
}

std::string read_all(const oci::Layer& l) {
  auto src = l.open();
  std::string out;
  char buf[4096];
  while (size_t n = src->read(buf, sizeof buf))
    out.append(buf, n);
  return out;
}

} // namespace

TEST_CASE("write_oci_layout", "[layout]") {
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  fs::create_directories(tmp.path() + "/src");
  auto one = build_image(tmp.path() + "/src", store, "one");
  auto two = build_image(tmp.path() + "/src", store, "two");
  std::string dir = tmp.path() + "/layout";
  write_oci_layout(one, dir, "v1");

  SECTION("reads back the same image") {
    auto back = read_oci_layout(dir, "v1", {});
    CHECK(back.digest() == one.digest());
    CHECK(back.manifest == one.manifest);
    CHECK(back.config == one.config);
    REQUIRE(back.layers.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(back.layers[i]->descriptor().digest == one.layers[i]->descriptor().digest);
      CHECK(back.layers[i]->diff_id() == one.layers[i]->diff_id());
      CHECK(read_all(*back.layers[i]).size() ==
            static_cast<size_t>(one.layers[i]->descriptor().size));
    }
    CHECK(read_file(dir + "/oci-layout") == R"({"imageLayoutVersion":"1.0.0"})");
    auto entry = json::parse(read_file(dir + "/index.json"))["manifests"][0];
    CHECK(entry["platform"] == json{{"architecture", "amd64"}, {"os", "linux"}});
    CHECK(entry["annotations"][std::string(kRefNameAnnotation)] == "v1");
  }
  SECTION("a layer from the same filesystem is hard linked") {
    struct stat a {
    }, b{};
    auto d = one.layers[0]->descriptor().digest;
    REQUIRE(::stat(store.path(d).c_str(), &a) == 0);
    REQUIRE(::stat((dir + "/blobs/sha256/" + d.hex).c_str(), &b) == 0);
    CHECK(a.st_ino == b.st_ino);
  }
  SECTION("a second tag keeps the first") {
    write_oci_layout(two, dir, "v2");
    CHECK(oci_layout_tags(dir) == std::vector<std::string>{"v1", "v2"});
    CHECK(read_oci_layout(dir, "v1", {}).digest() == one.digest());
    CHECK(read_oci_layout(dir, "v2", {}).digest() == two.digest());
  }
  SECTION("writing a tag again replaces its entry in place") {
    write_oci_layout(two, dir, "v2");
    write_oci_layout(two, dir, "v1");
    CHECK(oci_layout_tags(dir) == std::vector<std::string>{"v1", "v2"});
    CHECK(read_oci_layout(dir, "v1", {}).digest() == two.digest());
  }
  SECTION("an untagged write adds one entry per digest") {
    write_oci_layout(two, dir, "");
    write_oci_layout(two, dir, "");
    auto ms = json::parse(read_file(dir + "/index.json"))["manifests"];
    REQUIRE(ms.size() == 2);
    CHECK(!ms[1].contains("annotations"));
    CHECK(ms[1]["digest"] == two.digest().str());
    CHECK_THROWS_WITH(read_oci_layout(dir, "", {}), Catch::Contains("holds 2 images"));
  }
  SECTION("a failure leaves index.json as it was") {
    std::string before = read_file(dir + "/index.json");
    auto broken = two;
    broken.layers.push_back(std::make_shared<BrokenLayer>());
    broken = oci::make_image(two.config, broken.layers); // 3 layers, 2 diff_ids
    CHECK_THROWS_AS(write_oci_layout(broken, dir, "v1"), RuntimeError);
    // Consistent counts, but the layer cannot be read.
    auto cfg = json::parse(two.config);
    cfg["rootfs"]["diff_ids"].push_back(sha256_of("x").str());
    broken = oci::make_image(cfg.dump(), broken.layers);
    CHECK_THROWS_WITH(write_oci_layout(broken, dir, "v1"), Catch::Contains("broken layer"));
    CHECK(read_file(dir + "/index.json") == before);
    CHECK(read_oci_layout(dir, "v1", {}).digest() == one.digest());
  }
  SECTION("a bad tag is an input error") {
    CHECK_THROWS_AS(write_oci_layout(one, dir, "bad tag"), InputError);
    CHECK_THROWS_AS(write_oci_layout(one, dir, "-x"), InputError);
  }
}

TEST_CASE("read_oci_layout", "[layout]") {
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  fs::create_directories(tmp.path() + "/src");
  auto one = build_image(tmp.path() + "/src", store, "one");
  std::string dir = tmp.path() + "/layout";

  SECTION("no layout") {
    CHECK_THROWS_WITH(read_oci_layout(dir, "v1", {}), Catch::Contains("not an OCI image layout"));
  }
  write_oci_layout(one, dir, "v1");
  write_oci_layout(one, dir, "v1.1");
  SECTION("an unknown tag lists the tags there") {
    CHECK_THROWS_WITH(read_oci_layout(dir, "v2", {}),
                      Catch::Contains("no image tagged 'v2'") && Catch::Contains("v1, v1.1"));
  }
  SECTION("malformed index.json is named") {
    write_file_atomic(dir + "/index.json", "{\"manifests\": [");
    CHECK_THROWS_WITH(read_oci_layout(dir, "v1", {}),
                      Catch::Contains("index.json") && Catch::Contains("malformed JSON"));
  }
  SECTION("a corrupt config is refused") {
    std::string path = dir + "/blobs/sha256/" + one.config_descriptor().digest.hex;
    fs::remove(path);
    write_file_atomic(path, std::string(one.config.size(), ' '));
    CHECK_THROWS_WITH(read_oci_layout(dir, "v1", {}), Catch::Contains("does not match"));
  }
  SECTION("layers are read only on open(), and verified then") {
    std::string path = dir + "/blobs/sha256/" + one.layers[1]->descriptor().digest.hex;
    fs::remove(path); // it is a hard link to the store's blob
    write_file_atomic(path, std::string(one.layers[1]->descriptor().size, 'x'));
    auto img = read_oci_layout(dir, "v1", {});
    CHECK_THROWS_WITH(read_all(*img.layers[1]), Catch::Contains("digest mismatch"));
  }
  SECTION("an index entry is resolved by platform") {
    json idx = {{"schemaVersion", 2},
                {"mediaType", std::string(oci::kOciIndex)},
                {"manifests",
                 {{{"mediaType", std::string(oci::kOciManifest)},
                   {"digest", one.digest().str()},
                   {"size", one.manifest.size()},
                   {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}}}}};
    std::string idx_bytes = idx.dump();
    write_file_atomic(dir + "/blobs/sha256/" + sha256_of(idx_bytes).hex, idx_bytes);
    auto index = json::parse(read_file(dir + "/index.json"));
    index["manifests"].push_back({{"mediaType", std::string(oci::kOciIndex)},
                                  {"digest", sha256_of(idx_bytes).str()},
                                  {"size", idx_bytes.size()},
                                  {"annotations", {{std::string(kRefNameAnnotation), "multi"}}}});
    write_file_atomic(dir + "/index.json", index.dump());
    CHECK(read_oci_layout(dir, "multi", oci::Platform::parse("linux/arm64")).digest() ==
          one.digest());
    CHECK_THROWS_WITH(read_oci_layout(dir, "multi", oci::Platform::parse("linux/amd64")),
                      Catch::Contains("no image for platform linux/amd64") &&
                          Catch::Contains("linux/arm64"));
  }
}

TEST_CASE("write_oci_layout output passes oci-image-tool, umoci and skopeo", "[layout]") {
  for (auto tool : {"oci-image-tool", "umoci", "skopeo"})
    require_tool(tool);
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  fs::create_directories(tmp.path() + "/src");
  auto one = build_image(tmp.path() + "/src", store, "one");
  auto two = build_image(tmp.path() + "/src", store, "two");
  std::string dir = tmp.path() + "/layout";
  write_oci_layout(one, dir, "v1");
  write_oci_layout(two, dir, "v2");

  // This oci-image-tool (1.0.0-rc1) calls an image layout "image"; without --ref
  // it checks every entry: index, manifests, configs, layer sizes and digests.
  auto validate = run("oci-image-tool validate --type image " + dir);
  INFO(validate.out);
  CHECK(validate.status == 0);
  CHECK(validate.out.find("Validation succeeded") != std::string::npos);
  CHECK(run("oci-image-tool validate --type image --ref name=v2 " + dir).status == 0);
  // It does look: a truncated layer in a copy fails.
  std::string bad = tmp.path() + "/bad";
  fs::copy(dir, bad, fs::copy_options::recursive);
  auto layer_blob = bad + "/blobs/sha256/" + one.layers[0]->descriptor().digest.hex;
  fs::resize_file(layer_blob, fs::file_size(layer_blob) - 1);
  CHECK(run("oci-image-tool validate --type image " + bad).status != 0);

  std::string bundle = tmp.path() + "/bundle";
  auto unpack = run("umoci unpack " + std::string(::geteuid() == 0 ? "" : "--rootless ") +
                    "--image " + dir + ":v1 " + bundle);
  INFO(unpack.out);
  REQUIRE(unpack.status == 0);
  CHECK(read_file(bundle + "/rootfs/app/hello.txt") == "hello one\n");
  struct stat st {};
  REQUIRE(::stat((bundle + "/rootfs/app/hello.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  REQUIRE(::stat((bundle + "/rootfs/app/run.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(fs::read_symlink(bundle + "/rootfs/app/link") == "run.sh");

  auto inspect = run("skopeo inspect oci:" + dir + ":v2");
  INFO(inspect.out);
  REQUIRE(inspect.status == 0);
  auto j = json::parse(inspect.out);
  CHECK(j["Digest"] == two.digest().str());
  CHECK(j["Architecture"] == "amd64");
  CHECK(j["Layers"].size() == 2);
  auto raw = run("skopeo inspect --raw oci:" + dir + ":v1");
  CHECK(raw.out == one.manifest);

  // And the other way: a layout skopeo wrote reads back with the same content.
  std::string copy = tmp.path() + "/copy";
  auto cp = run("skopeo copy oci:" + dir + ":v1 oci:" + copy + ":copied");
  INFO(cp.out);
  REQUIRE(cp.status == 0);
  auto back = read_oci_layout(copy, "copied", {});
  CHECK(back.config_json()["rootfs"] == one.config_json()["rootfs"]);
  REQUIRE(back.layers.size() == 2);
  CHECK(read_all(*back.layers[0]).size() == static_cast<size_t>(back.layers[0]->descriptor().size));
}

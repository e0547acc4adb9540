// write_docker_archive / read_docker_archive, checked with skopeo (a missing
// tool fails the test), and the gzip decoder they use.
#include "image_fixtures.hpp"
#include "layer/layer_writer.hpp"
#include "layer/parallel_compress.hpp"
#include "layout/docker_archive.hpp"
#include "layout/gunzip.hpp"
#include "layout/oci_layout.hpp"
#include "oci/media_types.hpp"
#include "string_sink.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace rt;
using rt::test::StringSink;
using namespace rt::layout;
using nlohmann::json;
using rt::test::require_tool;
using rt::test::run;

namespace {

// A two-layer image over files in `dir`; the second layer is larger than one
// gzip chunk so that it has several members.
oci::Image build_image(const std::string& dir, const layer::BlobStore& store,
                       std::vector<std::string> diff_ids_override = {}) {
  std::ofstream(dir + "/hello.txt") << "hello\n";
  std::string big;
  for (int64_t i = 0; big.size() < (3u << 20); ++i)
    big += std::to_string(i * 7919) + "\n";
  std::ofstream(dir + "/big") << big;
  using layer::EntryType;
  std::vector<std::vector<layer::TarEntry>> layers = {
      {{"etc", EntryType::directory, 0755},
       {"etc/hello.txt", EntryType::file, 0644, 0, 0, 0, 6, "", dir + "/hello.txt"}},
      {{"data", EntryType::directory, 0755},
       {"data/big", EntryType::file, 0600, 1000, 1000, 0, static_cast<int64_t>(big.size()), "",
        dir + "/big"}}};
  return test::image_of_layers(std::move(layers), store, std::move(diff_ids_override));
}

std::vector<std::string> tar_names(const std::string& file) {
  auto r = run("tar -tf " + file);
  REQUIRE(r.status == 0);
  std::vector<std::string> names;
  size_t start = 0;
  for (size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1)
    names.push_back(r.out.substr(start, nl - start));
  return names;
}

} // namespace

TEST_CASE("write_docker_archive", "[layout]") {
  require_tool("skopeo");
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  auto img = build_image(tmp.path(), store);
  std::string file = tmp.path() + "/img.tar";
  write_docker_archive(img, file, "localhost:5000/team/app:1.0");

  SECTION("holds manifest.json, repositories, the config and the compressed layers") {
    auto names = tar_names(file);
    std::vector<std::string> want = {"manifest.json", "repositories",
                                     img.config_descriptor().digest.hex + ".json",
                                     img.layers[0]->descriptor().digest.hex + ".tar.gz",
                                     img.layers[1]->descriptor().digest.hex + ".tar.gz"};
    CHECK(names == want);
  }
  SECTION("skopeo inspects it") {
    auto r = run("skopeo inspect docker-archive:" + file);
    INFO(r.out);
    REQUIRE(r.status == 0);
    auto j = json::parse(r.out);
    CHECK(j["Architecture"] == "amd64");
    CHECK(j["Os"] == "linux");
    CHECK(j["Layers"].size() == 2);
    // skopeo reports layers uncompressed: by their diff_ids.
    CHECK(j["Layers"][0] == img.layers[0]->diff_id().str());
  }
  SECTION("skopeo copies it, by name too, to an OCI layout with the same diff_ids") {
    std::string dir = tmp.path() + "/copied";
    auto r = run("skopeo copy docker-archive:" + file + " oci:" + dir + ":x");
    INFO(r.out);
    REQUIRE(r.status == 0);
    auto r2 = run("skopeo copy docker-archive:" + file + ":localhost:5000/team/app:1.0 oci:" + dir +
                  ":y");
    INFO(r2.out);
    REQUIRE(r2.status == 0);
    auto copied = read_oci_layout(dir, "x", {});
    CHECK(copied.config_json()["rootfs"]["diff_ids"] == img.config_json()["rootfs"]["diff_ids"]);
    CHECK(read_oci_layout(dir, "y", {}).config == copied.config);
  }
  SECTION("a failure leaves the previous file and no temporary") {
    std::string before = read_file(file);
    auto broken = img;
    fs::remove(store.path(broken.layers[1]->descriptor().digest));
    CHECK_THROWS_AS(write_docker_archive(broken, file, "app:2"), RuntimeError);
    CHECK(read_file(file) == before);
    size_t files = 0;
    for (auto& e : fs::directory_iterator(tmp.path()))
      files += e.is_regular_file();
    CHECK(files == 3); // hello.txt, big, img.tar and nothing else
  }
  SECTION("a bad name is an input error") {
    CHECK_THROWS_AS(write_docker_archive(img, file, "App:1"), InputError);
    CHECK_THROWS_AS(write_docker_archive(img, file, "app:bad tag"), InputError);
  }
}

TEST_CASE("read_docker_archive", "[layout]") {
  require_tool("skopeo");
  TempDir tmp;
  layer::BlobStore store(tmp.path() + "/store");
  layer::BlobStore scratch(tmp.path() + "/scratch");
  auto img = build_image(tmp.path(), store);
  std::string file = tmp.path() + "/img.tar";
  write_docker_archive(img, file, "app:1.0");

  SECTION("our archive reads back as the same image") {
    auto back = read_docker_archive(file, "", scratch);
    CHECK(back.config == img.config);
    CHECK(back.digest() == img.digest());
    REQUIRE(back.layers.size() == 2);
    CHECK(back.layers[1]->local_path() == scratch.path(img.layers[1]->descriptor().digest));
    CHECK(read_docker_archive(file, "docker.io/library/app:1.0", scratch).digest() == img.digest());
  }
  SECTION("an unknown name lists the names there") {
    CHECK_THROWS_WITH(read_docker_archive(file, "other:1", scratch),
                      Catch::Contains("no image named other:1") && Catch::Contains("app:1.0"));
  }
  SECTION("docker save's form (uncompressed, as skopeo writes it) gets our layer digests") {
    std::string dir = tmp.path() + "/layout";
    write_oci_layout(img, dir, "v1");
    std::string saved = tmp.path() + "/saved.tar";
    auto r = run("skopeo copy oci:" + dir + ":v1 docker-archive:" + saved + ":app:1.0");
    INFO(r.out);
    REQUIRE(r.status == 0);
    for (int pass = 0; pass < 2; ++pass) { // the second one uses the records
      auto back = read_docker_archive(saved, "app:1.0", scratch);
      REQUIRE(back.layers.size() == 2);
      for (size_t i = 0; i < 2; ++i) {
        CHECK(back.layers[i]->descriptor().digest == img.layers[i]->descriptor().digest);
        CHECK(back.layers[i]->diff_id() == img.layers[i]->diff_id());
      }
    }
    CHECK(fs::exists(scratch.root() + "/docker-archive-gzip"));
    // `docker save | gzip` is read too.
    REQUIRE(run("gzip -k " + saved).status == 0);
    CHECK(read_docker_archive(saved + ".gz", "", scratch).layers.size() == 2);
  }
  SECTION("a layer that does not match its diff_id is refused") {
    auto lying =
        build_image(tmp.path(), store, {img.layers[0]->diff_id().str(), sha256_of("other").str()});
    write_docker_archive(lying, file, "");
    CHECK_THROWS_WITH(read_docker_archive(file, "", scratch),
                      Catch::Contains("does not match the config's diff_id"));
  }
  SECTION("a member that climbs out is refused, naming the archive") {
    std::ofstream(tmp.path() + "/m") << "[]";
    AtomicFile out(file);
    layer::write_tar({{"../\x1b[2Jmanifest.json", layer::EntryType::file, 0644, 0, 0, 0, 2, "",
                       tmp.path() + "/m"}},
                     out);
    out.commit();
    CHECK_THROWS_WITH(read_docker_archive(file, "", scratch),
                      Catch::Contains(file + ": entry '../\\x1b[2Jmanifest.json' escapes the "
                                             "archive"));
  }
  SECTION("not an archive") {
    write_file_atomic(file, "{}");
    CHECK_THROWS_AS(read_docker_archive(file, "", scratch), RuntimeError);
    CHECK_THROWS_AS(read_docker_archive(tmp.path() + "/none.tar", "", scratch), RuntimeError);
  }
}

TEST_CASE("GunzipSink", "[layout]") {
  std::string text(5 << 20, 'a');
  for (size_t i = 0; i < text.size(); i += 97)
    text[i] = static_cast<char>('b' + i % 23);
  std::string gz;
  {
    StringSink out;
    layer::ParallelCompressSink sink(out, {layer::Codec::gzip, 6, 1 << 20, 2}); // six members
    sink.write(text.data(), text.size());
    sink.finish();
    gz = out.data;
  }
  SECTION("every member is decoded, whatever the write sizes") {
    for (size_t step : {size_t{1} << 20, size_t{4097}, gz.size()}) {
      StringSink plain;
      GunzipSink g(plain, "test");
      for (size_t i = 0; i < gz.size(); i += step)
        g.write(gz.data() + i, std::min(step, gz.size() - i));
      g.finish();
      CHECK(plain.data == text);
    }
  }
  SECTION("truncated or foreign input fails") {
    StringSink plain;
    GunzipSink g(plain, "test");
    g.write(gz.data(), gz.size() - 3);
    CHECK_THROWS_WITH(g.finish(), Catch::Contains("truncated"));
    GunzipSink h(plain, "test");
    CHECK_THROWS_WITH(h.write("not gzip", 8), Catch::Contains("not valid gzip"));
  }
}

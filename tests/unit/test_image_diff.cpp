#include "release/image_diff.hpp"

#include "layer/layer_writer.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>

using namespace rt;
using namespace rt::layer;
using rt::release::diff_images;
using rt::release::LayerDiff;
using Kind = rt::release::LayerDiff::Kind;

namespace {

// Builds images from lists of tar entries in one blob store, as the builder would.
class ImageMaker {
public:
  ImageMaker() : store_(tmp_.path() + "/store") {}

  // A file in the scratch dir holding `content`, ready to be a TarEntry source.
  std::string file(const std::string& content) {
    std::string path = fmt::format("{}/f{}", tmp_.path(), files_++);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  TarEntry entry(const std::string& path, const std::string& content, uint32_t mode = 0644,
                 uint32_t owner = 0) {
    return {path, EntryType::file, mode, owner, owner, 0, static_cast<int64_t>(content.size()),
            "",   file(content)};
  }

  oci::LayerPtr layer(std::vector<TarEntry> entries, int level = 6, Codec codec = Codec::gzip) {
    sort_entries(entries);
    auto r = write_layer(entries, store_, {codec, level, 1 << 20, 1});
    oci::Descriptor d{std::string(layer_media_type(codec)), r.digest, r.size, {}, {}};
    return std::make_shared<oci::FileLayer>(d, r.diff_id, store_.path(r.digest));
  }

  oci::Image image(std::vector<oci::LayerPtr> layers,
                   const std::vector<std::string>& env = {"PATH=/bin", "VERSION=0.42.0"},
                   const std::map<std::string, std::string>& annotations = {}) {
    nlohmann::json cfg = {{"architecture", "amd64"},
                          {"os", "linux"},
                          {"created", "1970-01-01T00:00:00Z"},
                          {"config", {{"Env", env}, {"User", "1000"}}},
                          {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
    for (const auto& l : layers)
      cfg["rootfs"]["diff_ids"].push_back(l->diff_id().str());
    return oci::make_image(oci::canonical(cfg), std::move(layers), annotations);
  }

  const std::string& dir() const { return tmp_.path(); }

private:
  TempDir tmp_{"rt-image-diff"};
  BlobStore store_;
  int files_ = 0;
};

std::vector<TarEntry> base_entries(ImageMaker& m) {
  return {{"bin", EntryType::directory, 0755},
          m.entry("bin/lana-cli", "#!/bin/sh\necho lana\n", 0755),
          m.entry("etc/motd", "hello\n"),
          {"etc", EntryType::directory, 0755},
          {"lana", EntryType::directory, 0755, 1000, 1000},
          {"bin/cli", EntryType::symlink, 0777, 0, 0, 0, 0, "lana-cli"}};
}

// The differences reported for `path` in layer `l`.
std::vector<std::string> whats(const LayerDiff& l, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& e : l.entries)
    if (e.path == path) out.push_back(e.what);
  return out;
}

} // namespace

TEST_CASE("diff_images: identical images", "[image_diff]") {
  ImageMaker m;
  auto a = m.image({m.layer(base_entries(m))});
  auto b = m.image({m.layer(base_entries(m))});
  auto d = diff_images(a, b);
  CHECK(d.identical);
  CHECK(d.manifest.empty());
  CHECK(d.config.empty());
  REQUIRE(d.layers.size() == 1);
  CHECK(d.layers[0].kind == Kind::same);
  CHECK_THAT(d.explain(), Catch::Contains("identical") && Catch::Contains(a.digest().str()));
}

TEST_CASE("diff_images: config differences by JSON path", "[image_diff]") {
  ImageMaker m;
  auto l = m.layer(base_entries(m));
  auto a = m.image({l}, {"PATH=/bin", "VERSION=0.42.0"});
  auto b = m.image({l}, {"VERSION=0.42.1", "PATH=/bin", "LANA_HOME=/lana"});
  auto d = diff_images(a, b);
  CHECK_FALSE(d.identical);
  CHECK(d.config == std::vector<std::string>{"config.Env[LANA_HOME]: (absent) → /lana",
                                             "config.Env[VERSION]: 0.42.0 → 0.42.1"});
  // The manifest differs only through the config descriptor.
  REQUIRE(d.manifest.size() == 2);
  CHECK_THAT(d.manifest[0], Catch::StartsWith("config.digest: sha256:"));
  CHECK_THAT(d.manifest[1], Catch::StartsWith("config.size: "));
  REQUIRE(d.layers.size() == 1);
  CHECK(d.layers[0].kind == Kind::same);
  CHECK_THAT(d.explain(), Catch::Contains("config.Env[VERSION]: 0.42.0 → 0.42.1"));
}

TEST_CASE("diff_images: manifest annotations", "[image_diff]") {
  ImageMaker m;
  auto l = m.layer(base_entries(m));
  auto a = m.image({l}, {"A=1"}, {{"org.opencontainers.image.version", "0.42.0"}});
  auto b = m.image({l}, {"A=1"}, {{"org.opencontainers.image.version", "0.42.1"}});
  auto d = diff_images(a, b);
  CHECK(d.manifest ==
        std::vector<std::string>{"annotations[org.opencontainers.image.version]: 0.42.0 → 0.42.1"});
  CHECK(d.config.empty());
}

TEST_CASE("diff_json", "[image_diff]") {
  using nlohmann::json;
  using release::diff_json;
  SECTION("missing, added and changed leaves; arrays by index") {
    json a = {{"history", {{{"created_by", "COPY a /"}}, {{"created_by", "ENV X=1"}}}},
              {"config", {{"Labels", {{"a.b", "1"}}}}}};
    json b = {
        {"history", {{{"created_by", "COPY a /"}}, {{"created_by", "ENV X=2"}}, json::object()}},
        {"config", {{"Cmd", {"lana-cli"}}}}};
    CHECK(diff_json(a, b) == std::vector<std::string>{"config.Cmd: (absent) → [\"lana-cli\"]",
                                                      "config.Labels: {\"a.b\":\"1\"} → (absent)",
                                                      "history (count): 2 → 3",
                                                      "history[1].created_by: ENV X=1 → ENV X=2",
                                                      "history[2]: (absent) → {}"});
  }
  SECTION("Env in another order is reported once, as an order difference") {
    json a = {{"Env", {"A=1", "B=2"}}};
    json b = {{"Env", {"B=2", "A=1"}}};
    CHECK(diff_json(a, b) ==
          std::vector<std::string>{"Env (order): [\"A=1\",\"B=2\"] → [\"B=2\",\"A=1\"]"});
  }
  SECTION("long values are cut around their first difference") {
    std::string prefix(200, 'x');
    auto lines = diff_json(json{{"v", prefix + "-old-tail"}}, json{{"v", prefix + "-new-tail"}});
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::Contains("-old-tail") && Catch::Contains("-new-tail"));
    CHECK(lines[0].size() < 120);
  }
  SECTION("empty strings and types are visible") {
    CHECK(diff_json(json{{"User", ""}}, json{{"User", 0}}) ==
          std::vector<std::string>{"User: \"\" → 0"});
  }
}

TEST_CASE("diff_images: a file whose content differs", "[image_diff]") {
  ImageMaker m;
  auto changed = base_entries(m);
  changed[2] = m.entry("etc/motd", "HELLO\n");
  auto a = m.image({m.layer(base_entries(m))});
  auto b = m.image({m.layer(changed)});
  auto d = diff_images(a, b);
  REQUIRE(d.layers.size() == 1);
  const auto& l = d.layers[0];
  CHECK(l.kind == Kind::content);
  CHECK(l.expected_diff_id != l.actual_diff_id);
  std::string expected_what =
      fmt::format("content {} → {}", sha256_of("hello\n").str(), sha256_of("HELLO\n").str());
  CHECK(whats(l, "etc/motd") == std::vector<std::string>{expected_what});
  CHECK(l.entries.size() == 1);
  CHECK_THAT(d.config.at(0), Catch::StartsWith("rootfs.diff_ids[0]: sha256:"));
  std::string text = d.explain();
  CHECK_THAT(text, Catch::Contains("layer 0: content differs") &&
                       Catch::Contains("etc/motd: " + expected_what));
}

TEST_CASE("diff_images: mode, owner, size, symlink, added and removed entries", "[image_diff]") {
  ImageMaker m;
  auto b_entries = base_entries(m);
  b_entries[1] =
      m.entry("bin/lana-cli", "#!/bin/sh\necho lana!\n", 0700, 1000); // mode, owner, size
  b_entries[2] = m.entry("etc/new.conf", "x=1\n");                    // motd removed
  b_entries[4].mode = 0700;                                           // directory mode
  b_entries[5].link = "/bin/lana-cli";                                // symlink target
  b_entries.push_back({"tmp", EntryType::file, 0644, 0, 0, 0, 0, "", m.file("")});
  b_entries.push_back({"etc/motd.d", EntryType::directory, 0755});
  auto d = diff_images(m.image({m.layer(base_entries(m))}), m.image({m.layer(b_entries)}));
  REQUIRE(d.layers.size() == 1);
  const auto& l = d.layers[0];
  CHECK(l.kind == Kind::content);
  auto cli = whats(l, "bin/lana-cli");
  REQUIRE(cli.size() == 4);
  CHECK(cli[0] == "mode 0755 → 0700");
  CHECK(cli[1] == "owner 0:0 → 1000:1000");
  CHECK(cli[2] == "size 20 → 21");
  CHECK_THAT(cli[3], Catch::StartsWith("content sha256:"));
  CHECK(whats(l, "bin/cli") == std::vector<std::string>{"symlink target lana-cli → /bin/lana-cli"});
  CHECK(whats(l, "lana") == std::vector<std::string>{"mode 0755 → 0700"});
  CHECK(whats(l, "etc/motd") ==
        std::vector<std::string>{"only in registry (file 0644 0:0, 6 bytes)"});
  CHECK(whats(l, "etc/new.conf") ==
        std::vector<std::string>{"only in rebuilt (file 0644 0:0, 4 bytes)"});
  CHECK(whats(l, "etc/motd.d") == std::vector<std::string>{"only in rebuilt (directory 0755 0:0)"});
  CHECK(whats(l, "tmp") == std::vector<std::string>{"only in rebuilt (file 0644 0:0, 0 bytes)"});
  // Sorted by path, so a report reads like a directory listing.
  CHECK(std::is_sorted(l.entries.begin(), l.entries.end(),
                       [](const auto& x, const auto& y) { return x.path < y.path; }));
  CHECK_THAT(d.explain(), Catch::Contains("bin/lana-cli: owner 0:0 → 1000:1000") &&
                              Catch::Contains("etc/motd: only in registry"));
}

TEST_CASE("diff_images: a type change and an mtime change", "[image_diff]") {
  ImageMaker m;
  std::vector<TarEntry> a = {m.entry("x", "1"), m.entry("y", "2")};
  std::vector<TarEntry> b = {{"x", EntryType::directory, 0755}, m.entry("y", "2")};
  b[1].mtime = 1700000000;
  auto d = diff_images(m.image({m.layer(a)}), m.image({m.layer(b)}));
  const auto& l = d.layers.at(0);
  CHECK(whats(l, "x") == std::vector<std::string>{"type file → directory", "mode 0644 → 0755"});
  CHECK(whats(l, "y") == std::vector<std::string>{"mtime 0 → 1700000000"});
}

TEST_CASE("diff_images: same tar, different gzip level", "[image_diff]") {
  ImageMaker m;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += fmt::format("line {} of a compressible file\n", i % 977);
  std::vector<TarEntry> entries = {m.entry("data.txt", text)};
  auto fast = m.layer(entries, 1), best = m.layer(entries, 9);
  REQUIRE(fast->descriptor().digest != best->descriptor().digest);
  auto d = diff_images(m.image({fast}), m.image({best}));
  REQUIRE(d.layers.size() == 1);
  const auto& l = d.layers[0];
  CHECK(l.kind == Kind::compression_only);
  CHECK(l.expected_diff_id == l.actual_diff_id);
  CHECK(l.entries.empty());
  CHECK(d.config.empty()); // the config only knows diff_ids
  CHECK_THAT(d.explain(),
             Catch::Contains("layer 0: same tar") &&
                 Catch::Contains(best->descriptor().digest.str()) &&
                 Catch::Contains("this rebuild compressed with gzip level 1 (libdeflate "));
}

TEST_CASE("diff_images: same tar, gzip against zstd", "[image_diff]") {
  ImageMaker m;
  std::vector<TarEntry> entries = {m.entry("data.txt", std::string(100000, 'z'))};
  auto gz = m.layer(entries, 1), zst = m.layer(entries, 3, Codec::zstd);
  auto d = diff_images(m.image({gz}), m.image({zst}));
  d.rebuilt_compressor = compressor_identity(Compression::zstd(3));
  REQUIRE(d.layers.size() == 1);
  CHECK(d.layers[0].kind == Kind::compression_only);
  CHECK_THAT(d.explain(),
             Catch::Contains("other compression: gzip → zstd (same tar") &&
                 Catch::Contains("media type application/vnd.oci.image.layer.v1.tar+gzip → "
                                 "application/vnd.oci.image.layer.v1.tar+zstd") &&
                 Catch::Contains("this rebuild compressed with zstd level 3 (libzstd "));
}

TEST_CASE("diff_images: different layer counts", "[image_diff]") {
  ImageMaker m;
  auto base = m.layer(base_entries(m));
  auto app = m.layer({m.entry("app/server.js", "listen()\n")});
  auto extra = m.layer({m.entry("app/extra.js", "more()\n")});

  SECTION("a layer added at the end") {
    auto d = diff_images(m.image({base, app}), m.image({base, app, extra}));
    CHECK_THAT(d.manifest, Catch::VectorContains(std::string("layers (count): 2 → 3")));
    REQUIRE(d.layers.size() == 3);
    CHECK(d.layers[0].kind == Kind::same);
    CHECK(d.layers[1].kind == Kind::same);
    CHECK(d.layers[2].kind == Kind::only_in_actual);
    CHECK(d.layers[2].index == LayerDiff::kNone);
    CHECK(d.layers[2].actual_index == 2);
    CHECK(whats(d.layers[2], "app/extra.js") ==
          std::vector<std::string>{"only in rebuilt (file 0644 0:0, 7 bytes)"});
    CHECK_THAT(d.explain(), Catch::Contains("rebuilt layer 2: only in rebuilt") &&
                                Catch::Contains("app/extra.js"));
  }
  SECTION("a layer removed from the middle: the later layer still pairs with itself") {
    auto d = diff_images(m.image({base, extra, app}), m.image({base, app}));
    REQUIRE(d.layers.size() == 3);
    CHECK(d.layers[1].kind == Kind::only_in_expected);
    CHECK(d.layers[1].index == 1);
    CHECK(d.layers[2].kind == Kind::same);
    CHECK(d.layers[2].index == 2);
    CHECK(d.layers[2].actual_index == 1);
    CHECK_THAT(d.explain(), Catch::Contains("registry layer 1: only in registry") &&
                                Catch::Contains("layer 2 (rebuilt layer 1): same"));
  }
}

TEST_CASE("diff_images: same entries in another order", "[image_diff]") {
  // write_layer sorts, so write the two orders as plain tars by hand.
  ImageMaker m;
  std::vector<TarEntry> entries = {m.entry("a", "1"), m.entry("b", "2")};
  auto plain_layer = [&](const std::vector<TarEntry>& es, const std::string& name) {
    std::string path = m.dir() + "/" + name;
    {
      AtomicFile f(path);
      write_tar(es, f);
      f.commit();
    }
    Digest digest = sha256_of_file(path);
    oci::Descriptor d{
        std::string(oci::kOciLayerTar), digest, static_cast<int64_t>(fs::file_size(path)), {}, {}};
    return std::make_shared<oci::FileLayer>(d, digest, path);
  };
  auto d = diff_images(m.image({plain_layer(entries, "ab.tar")}),
                       m.image({plain_layer({entries[1], entries[0]}, "ba.tar")}));
  const auto& l = d.layers.at(0);
  CHECK(l.kind == Kind::content);
  CHECK(l.entries.empty());
  CHECK(l.notes == std::vector<std::string>{"entry order differs at entry 0: a → b"});
}

TEST_CASE("diff_images: an unreadable layer", "[image_diff]") {
  ImageMaker m;
  auto good = m.layer({m.entry("a", "1")});
  auto gone = m.layer({m.entry("a", "2")});
  fs::remove(gone->local_path().value());
  CHECK_THROWS_AS(diff_images(m.image({good}), m.image({gone})), RuntimeError);
  CHECK_THROWS_WITH(
      diff_images(m.image({good}), m.image({gone})),
      Catch::Contains("cannot read rebuilt layer 0 (" + gone->descriptor().digest.str()));
}

// The release assets: their images.json entries, tags per mode, the tarballs
// github-release packs, and the GitHub write side's pure parts.
#include "github/protocol.hpp"
#include "github/release_writer.hpp"
#include "layer/tar_reader.hpp"
#include "release/images_config.hpp"
#include "release/release_assets.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

using namespace rt;
using namespace rt::release;

namespace {

// images.json with `assets` as release_assets and `tags` as the image's tags.
std::string config_text(const std::string& assets, const std::string& tags = R"(["{version}"])") {
  return fmt::format(R"({{
  "github_repository": "o/r",
  "binary": {{"command": ["make"], "artifact": "out/cli", "destination": "bin/cli"}},
  "release_assets": {},
  "dockerfiles": {{"rc": "rc", "release": "release"}},
  "images": [{{"name": "a", "repository": "localhost/a", "target": "a", "tags": {}}}]
}})",
                     assets, tags);
}

std::string load_error(const TempDir& dir, const std::string& text) {
  std::string path = dir.path() + "/images.json";
  write_file_atomic(path, text);
  try {
    load_images_config(path);
  } catch (const InputError& e) {
    return std::string(e.what()).substr(dir.path().size() + 1);
  }
  return "no error";
}

ImagesConfig load(const TempDir& dir, const std::string& text) {
  std::string path = dir.path() + "/images.json";
  write_file_atomic(path, text);
  return load_images_config(path);
}

void write(const std::string& path, const std::string& content, unsigned mode = 0644) {
  make_dirs(fs::path(path).parent_path().string());
  write_file_atomic(path, content, mode);
}

// path → "type mode uid:gid mtime size link" of each entry of a .tar.gz.
std::map<std::string, std::string> listing(const std::string& tarball) {
  std::map<std::string, std::string> out;
  InputFile in(tarball);
  layer::read_tar(
      in,
      [&](const layer::TarEntry& e, layer::EntryData&) {
        out[e.path] = fmt::format("{} {:o} {}:{} {} {} {}", static_cast<int>(e.type), e.mode, e.uid,
                                  e.gid, e.mtime, e.size, e.link);
      },
      tarball);
  return out;
}

} // namespace

TEST_CASE("load_images_config: tags per mode", "[release_assets]") {
  TempDir dir;
  ImagesConfig both = load(dir, config_text("[]", R"(["{version}", "edge"])"));
  CHECK(both.images[0].tags_rc == std::vector<std::string>{"{version}", "edge"});
  CHECK(both.images[0].tags_final == both.images[0].tags_rc);
  ImagesConfig split =
      load(dir, config_text("[]", R"({"rc": ["{version}", "edge"], "final": ["latest"]})"));
  CHECK(split.images[0].tags_for("rc") == std::vector<std::string>{"{version}", "edge"});
  CHECK(split.images[0].tags_for("final") == std::vector<std::string>{"latest"});
  CHECK(load_error(dir, config_text("[]", R"({"rc": ["x"]})")) ==
        "images.json:6:80: 'tags' has no 'final'");
  CHECK(load_error(dir, config_text("[]", R"({"rc": ["x"], "finale": ["y"]})")) ==
        "images.json:6:94: unknown key 'finale' (did you mean 'final'?)");
  CHECK(load_error(dir, config_text("[]", R"({"rc": ["{sha}"], "final": ["y"]})")) ==
        "images.json:6:88: unknown placeholder '{sha}' in tag template '{sha}' (allowed: "
        "{version}, {commit}, {short_commit})");
}

TEST_CASE("load_images_config: release assets", "[release_assets]") {
  TempDir dir;
  ImagesConfig c = load(dir, config_text(R"([{"name": "cli", "destination": "bin/cli",
    "binary": true}, {"name": "app.tar.gz", "destination": "./assets/app.tar.gz", "contents": [
    {"from": "apps/x/", "to": "."}, {"from": "./apps/y", "to": "a//b/"}]}])"));
  REQUIRE(c.release_assets.size() == 2);
  CHECK(c.release_assets[0].binary);
  CHECK(c.release_assets[1].destination == "assets/app.tar.gz");
  REQUIRE(c.release_assets[1].contents.size() == 2);
  CHECK(c.release_assets[1].contents[0].from == "apps/x");
  CHECK(c.release_assets[1].contents[0].to == ".");
  CHECK(c.release_assets[1].contents[1].from == "apps/y");
  CHECK(c.release_assets[1].contents[1].to == "a/b");

  auto error = [&](const std::string& assets) { return load_error(dir, config_text(assets)); };
  CHECK(error(R"([{"name": "cli", "destination": "b"}])") ==
        "images.json:4:22: release asset 1 ('cli') needs exactly one of '\"binary\": true' (the "
        "build command's artifact) and 'contents' (a tarball of the checkout)");
  CHECK(
      error(R"([{"name": "a.zip", "destination": "b", "contents": [{"from": "x", "to": "."}]}])") ==
      "images.json:4:31: release asset 'a.zip' is a tarball of 'contents': its name must end in "
      "'.tar.gz'");
  CHECK(error(R"([{"name": "SHA256SUMS", "destination": "b", "binary": true}])") ==
        "images.json:4:31: release asset name 'SHA256SUMS' is taken: github-release adds it, "
        "listing every asset's digest");
  CHECK(error(R"([{"name": "../x", "destination": "b", "binary": true}])") ==
        "images.json:4:31: release asset name '../x' must be letters, digits, '.', '_', '+' and "
        "'-', starting with a letter or digit");
  CHECK(error(R"([{"name": "a.tar.gz", "destination": "b", "contents": [{"from": "x", "to": "d"},
    {"from": "y", "to": "d/"}]}])") == "images.json:5:25: duplicate 'to' 'd' (first at line 4)");
  CHECK(
      error(
          R"([{"name": "a.tar.gz", "destination": "b", "contents": [{"from": "../x", "to": "."}]}])") ==
      "images.json:4:85: 'from' must stay inside the build context, not '../x'");
  CHECK(error(R"([{"name": "a", "destination": "d", "binary": true},
    {"name": "b", "destination": "d/e", "binary": true}])") ==
        "images.json:5:34: release asset destination 'd/e' overlaps 'd' (line 4)");
}

TEST_CASE("pack_tarball_asset: the same bytes from any checkout", "[release_assets]") {
  TempDir a, b, out;
  for (const TempDir* d : {&a, &b}) {
    write(d->path() + "/app/standalone/server.js", "console.log(1)\n");
    write(d->path() + "/app/standalone/bin/run", "#!/bin/sh\n", 0700);
    write(d->path() + "/app/static/x.css", "a{}\n", 0600);
    REQUIRE(::symlink("../server.js", (d->path() + "/app/standalone/bin/link").c_str()) == 0);
  }
  // Checkout b: other modes, mtimes and a directory that is group-writable.
  ::chmod((b.path() + "/app/standalone/bin").c_str(), 0775);
  ::chmod((b.path() + "/app/static/x.css").c_str(), 0664);
  fs::last_write_time(b.path() + "/app/standalone/server.js",
                      fs::file_time_type::clock::now() - std::chrono::hours(1000));
  ReleaseAsset asset;
  asset.name = "app.tar.gz";
  asset.file = "images.json";
  asset.contents = {{"app/standalone", ".", 7, 9}, {"app/static", "apps/web/.next/static", 8, 9}};
  MadeAsset one = pack_tarball_asset(asset, a.path(), 1714558830, out.path() + "/1.tar.gz", 1);
  MadeAsset two = pack_tarball_asset(asset, b.path(), 1714558830, out.path() + "/2.tar.gz", 4);
  CHECK(one.digest == two.digest);
  CHECK(one.digest == sha256_of_file(out.path() + "/1.tar.gz"));
  CHECK(one.size == static_cast<int64_t>(fs::file_size(out.path() + "/1.tar.gz")));
  auto l = listing(one.path);
  CHECK(l == std::map<std::string, std::string>{
                 {"apps", "1 755 0:0 1714558830 0 "},
                 {"apps/web", "1 755 0:0 1714558830 0 "},
                 {"apps/web/.next", "1 755 0:0 1714558830 0 "},
                 {"apps/web/.next/static", "1 755 0:0 1714558830 0 "},
                 {"apps/web/.next/static/x.css", "0 644 0:0 1714558830 4 "},
                 {"bin", "1 755 0:0 1714558830 0 "},
                 {"bin/link", "2 777 0:0 1714558830 0 ../server.js"},
                 {"bin/run", "0 755 0:0 1714558830 10 "},
                 {"server.js", "0 644 0:0 1714558830 15 "}});

  // Two items putting a file at one path: located at the second.
  asset.contents = {{"app/standalone", ".", 7, 9}, {"app/standalone/server.js", "server.js", 8, 9}};
  try {
    pack_tarball_asset(asset, a.path(), 0, out.path() + "/3.tar.gz", 1);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "images.json:8:9: release asset 'app.tar.gz': 'server.js' is "
                                   "put into the archive twice ('to' paths of 'contents' overlap)");
  }
  CHECK_FALSE(fs::exists(out.path() + "/3.tar.gz"));
  asset.contents = {{"nothing", ".", 3, 5}};
  CHECK_THROWS_WITH(pack_tarball_asset(asset, a.path(), 0, out.path() + "/4.tar.gz", 1),
                    Catch::Contains("images.json:3:5: release asset 'app.tar.gz': nothing does "
                                    "not exist in the build context"));
}

TEST_CASE("upload_host_allowed", "[release_assets]") {
  using github::upload_host_allowed;
  CHECK(upload_host_allowed("https://api.github.com", "https://uploads.github.com/repos/o/r"));
  CHECK(upload_host_allowed("http://127.0.0.1:1", "http://127.0.0.1:2/repos/o/r/releases/1"));
  CHECK(upload_host_allowed("https://ghe.example/api/v3", "https://ghe.example/api/uploads/x"));
  CHECK_FALSE(upload_host_allowed("https://api.github.com", "https://evil.example/x"));
  CHECK_FALSE(upload_host_allowed("https://api.github.com", "https://uploads.github.com.evil/x"));
}

TEST_CASE("parse_releases, upload_base", "[release_assets]") {
  auto rs = github::parse_releases(
      R"([{"id": 7, "tag_name": "v1", "draft": true, "immutable": false,
           "upload_url": "https://uploads.github.com/repos/o/r/releases/7/assets{?name,label}",
           "assets": [{"id": 1, "name": "a", "size": 3, "url": "u", "state": "starter",
                       "digest": null}]}])",
      "releases");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].draft);
  CHECK(rs[0].assets.at(0).state == "starter");
  CHECK_FALSE(rs[0].assets.at(0).digest);
  CHECK(github::upload_base(rs[0].upload_url) ==
        "https://uploads.github.com/repos/o/r/releases/7/assets");
  CHECK_THROWS_AS(github::parse_releases("{}", "releases"), RuntimeError);
}

// Recipes: every mistake located at RECIPE:LINE:COL; the lock reads back what it wrote; mirrors.
#include "debian/archive.hpp"
#include "debian/lock.hpp"
#include "debian/recipe.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace rt;
using namespace rt::debian;

namespace {

std::string recipe_at(const TempDir& dir, const std::string& text) {
  std::string path = dir.path() + "/r.json";
  write_file_atomic(path, text);
  return path;
}

const char* kGood = R"({
  "name": "b",
  "sources": [{"suite": "bookworm"}],
  "architectures": ["amd64"],
  "packages": ["base-files"],
  "users": [{"name": "nonroot", "uid": 65532, "gid": 65532, "home": "/home/nonroot"}],
  "directories": [{"path": "/tmp", "mode": "1777"}],
  "symlinks": [{"path": "/nodejs/bin/node", "target": "/usr/bin/node"}]
})";

} // namespace

TEST_CASE("load_recipe reads a recipe and names its lock") {
  TempDir dir;
  Recipe r = load_recipe(recipe_at(dir, kGood));
  CHECK(r.name == "b");
  CHECK(r.sources.at(0).components == std::vector<std::string>{"main"});
  CHECK(r.lock_path() == dir.path() + "/r.lock.json");
  CHECK(r.users.at(0).shell == "/sbin/nologin");
  REQUIRE(r.paths.size() == 2);
  CHECK(r.paths[0].path == "tmp");
  CHECK(r.paths[0].mode == 01777);
  CHECK(r.paths[1].kind == PathSpec::Kind::symlink);
}

TEST_CASE("load_recipe locates mistakes") {
  TempDir dir;
  auto error = [&](const std::string& text) {
    try {
      load_recipe(recipe_at(dir, text));
    } catch (const InputError& e) {
      return std::string(e.what()).substr(dir.path().size() + 1);
    }
    return std::string("no error");
  };
  std::string base = R"({"name": "b", "sources": [{"suite": "s"}], "architectures": ["amd64"], )";
  CHECK(error(base + R"("packages": []})") == "r.json:1:84: 'packages' must not be empty");
  CHECK(error(base + R"("packages": ["a b"]})") ==
        "r.json:1:85: package 'a b' is not a valid Debian name");
  CHECK(error(base + R"("packages": ["a", "a"]})") == "r.json:1:90: package a is listed twice");
  CHECK(error(base + R"("packages": ["a"], "directories": [{"path": "/../x"}]})") ==
        "r.json:1:116: path '/../x' leaves the root");
  CHECK(error(base +
              R"("packages": ["a"], "files": [{"path": "/x", "content": "", "mode": 644}]})") ==
        "r.json:1:139: mode must be a string, not a number");
  CHECK(error(base +
              R"("packages": ["a"], "users": [{"name": "u", "uid": -1, "gid": 0, "home": "/"}]})")
            .find("uid must be") != std::string::npos);
  CHECK(error(R"({"name": "b"})") == "r.json:1:1: the recipe needs 'sources'");
}

TEST_CASE("Lock round-trips and recipe_inputs follows the recipe") {
  TempDir dir;
  Recipe r = load_recipe(recipe_at(dir, kGood));
  Lock lock;
  lock.inputs = recipe_inputs(r);
  lock.sources.push_back({"bookworm", "Sat, 01 Jan 2000", sha256_of("x")});
  lock.packages["amd64"].push_back({"base-files", "12.4", "amd64", "bookworm",
                                    "pool/main/b/base-files_12.4_amd64.deb", 10, sha256_of("y")});
  std::string text = lock.to_json();
  Lock back = Lock::parse(text, "l.json");
  CHECK(back.to_json() == text);
  CHECK(back.packages.at("amd64").at(0).sha256 == sha256_of("y"));
  r.packages.push_back({"tzdata", {}});
  CHECK(recipe_inputs(r) != lock.inputs);
  std::string evil = text;
  evil.replace(evil.find("pool/main"), 9, "../../etc");
  CHECK_THROWS_WITH(Lock::parse(evil, "l.json"), Catch::Contains("is not a pool path"));
}

TEST_CASE("find_mirror: apt sources, and the suites beside a release-only source") {
  TempDir dir("rt-apt");
  MirrorOptions o;
  o.apt_dir = dir.path();
  make_dirs(dir.path() + "/sources.list.d");
  // What a debootstrap root has: the release alone.
  write_file_atomic(dir.path() + "/sources.list",
                    "deb http://mirror.example/debian bookworm main\n");
  CHECK(find_mirror("bookworm", o).url == "http://mirror.example/debian");
  CHECK(find_mirror("bookworm-updates", o).url == "http://mirror.example/debian");
  CHECK(find_mirror("bookworm-security", o).url == "http://mirror.example/debian-security");
  CHECK_THROWS_AS(find_mirror("trixie", o), InputError);
  CHECK_THROWS_AS(find_mirror("trixie-security", o), InputError);
  CHECK_THROWS_AS(find_mirror("bookworm-other", o), InputError);
  // A source that names the suite wins over the derivation.
  write_file_atomic(
      dir.path() + "/sources.list.d/debian.sources",
      "Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n"
      "Components: main\nSigned-By: /k.gpg\n");
  Mirror sec = find_mirror("bookworm-security", o);
  CHECK(sec.url == "http://sec.example/debian-security");
  CHECK(sec.keyring == "/k.gpg");
  // A release archive not named .../debian gives no security archive by convention.
  write_file_atomic(dir.path() + "/sources.list",
                    "deb http://local.example/archive bookworm main\n");
  std::filesystem::remove(dir.path() + "/sources.list.d/debian.sources");
  CHECK_THROWS_AS(find_mirror("bookworm-security", o), InputError);
  // --mirror wins over everything.
  o.mirrors = {"bookworm-security=http://snap.example/x"};
  CHECK(find_mirror("bookworm-security", o).url == "http://snap.example/x");
}

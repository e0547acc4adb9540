// Recipes: every mistake located at RECIPE:LINE:COL; the lock reads back what it wrote.
#include "debian/lock.hpp"
#include "debian/recipe.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>

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

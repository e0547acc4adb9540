#include "release/images_config.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>

using namespace rt;
using namespace rt::release;

namespace {

// The example of docs/images-json.md: the four images of lana-bank.
const char* const full_example = R"({
  "github_repository": "GaloyMoney/lana-bank",
  "binary": {
    "command": ["nix", "build", "--impure", ".#lana-cli-release"],
    "working_directory": ".",
    "artifact": "result/bin/lana-cli",
    "destination": "binaries/lana-cli"
  },
  "release_assets": [{"name": "lana-cli", "destination": "binaries/lana-cli", "binary": true}],
  "dockerfiles": {"rc": "dockerfiles/Dockerfile.rc", "release": "dockerfiles/Dockerfile.release"},
  "context": ".",
  "images": [
    {"name": "lana-bank", "repository": "gcr.io/galoyorg/lana-bank", "target": "lana-bank"},
    {"name": "lana-bank-admin-panel", "repository": "gcr.io/galoyorg/lana-bank-admin-panel",
     "target": "admin-panel", "context": "apps/admin-panel"},
    {"name": "lana-bank-customer-portal",
     "repository": "gcr.io/galoyorg/lana-bank-customer-portal", "target": "customer-portal",
     "tags": ["{version}", "{version}-{short_commit}"]},
    {"name": "dagster-code-location-lana-dw",
     "repository": "us.gcr.io/galoyorg/dagster-code-location-lana-dw", "target": "dagster"}
  ]
}
)";

// A minimal valid file, one member per line, so that a test can replace one line (1-based).
const std::vector<std::string> minimal = {
    R"({)",
    R"(  "github_repository": "GaloyMoney/lana-bank",)",
    R"(  "binary": {"command": ["make"], "artifact": "out/cli", "destination": "bin/cli"},)",
    R"(  "dockerfiles": {"rc": "Dockerfile.rc", "release": "Dockerfile.release"},)",
    R"(  "images": [)",
    R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "app"},)",
    R"(    {"name": "web", "repository": "gcr.io/org/web", "target": "web"})",
    R"(  ])",
    R"(})",
};

std::string minimal_with(size_t line, const std::string& text) {
  std::string out;
  for (size_t i = 0; i < minimal.size(); ++i)
    out += (i + 1 == line ? text : minimal[i]) + "\n";
  return out;
}

// 1-based column of the first occurrence of needle in line (ASCII lines only).
int column_of(const std::string& line, const std::string& needle) {
  size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  return static_cast<int>(at) + 1;
}

class Files {
public:
  std::string write(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/" + name;
    write_file_atomic(path, content);
    return path;
  }
  const std::string& dir() const { return dir_.path(); }

private:
  TempDir dir_{"images-config-test"};
};

std::string load_error(const std::string& content) {
  Files files;
  std::string path = files.write("images.json", content);
  try {
    load_images_config(path);
  } catch (const InputError& e) {
    std::string what = e.what();
    // Tests compare locations, not the temporary directory's name.
    REQUIRE(what.rfind(path + ":", 0) == 0);
    return "images.json" + what.substr(path.size());
  }
  return "no error";
}

// The error for `minimal` with line `line` replaced by `text`.
std::string error_with(size_t line, const std::string& text) {
  return load_error(minimal_with(line, text));
}

// "images.json:LINE:COL: what", the column being where `needle` starts in `text`.
std::string located(size_t line, const std::string& text, const std::string& needle,
                    const std::string& what) {
  return fmt::format("images.json:{}:{}: {}", line, column_of(text, needle), what);
}

// Checks that replacing line `line` with `text` fails at `needle` with `what`.
void check_error(size_t line, const std::string& text, const std::string& needle,
                 const std::string& what) {
  INFO(text);
  CHECK(error_with(line, text) == located(line, text, needle, what));
}

std::vector<std::string> names_of_images(const ImagesConfig& c) {
  std::vector<std::string> out;
  for (const ImageSpec& i : c.images)
    out.push_back(i.name);
  return out;
}

} // namespace

TEST_CASE("load_images_config: the documented example", "[images_config]") {
  Files files;
  std::string path = files.write("images.json", full_example);
  ImagesConfig c = load_images_config(path);
  CHECK(c.path == path);
  CHECK(c.base_dir == files.dir());
  CHECK(c.github_repository == "GaloyMoney/lana-bank");
  CHECK(c.binary.command ==
        std::vector<std::string>{"nix", "build", "--impure", ".#lana-cli-release"});
  CHECK(c.binary.working_directory == ".");
  CHECK(c.binary.artifact == "result/bin/lana-cli");
  CHECK(c.binary.destination == "binaries/lana-cli");
  REQUIRE(c.release_assets.size() == 1);
  CHECK(c.release_assets[0].name == "lana-cli");
  CHECK(c.release_assets[0].destination == "binaries/lana-cli");
  CHECK(c.dockerfile_rc == "dockerfiles/Dockerfile.rc");
  CHECK(c.dockerfile_release == "dockerfiles/Dockerfile.release");
  CHECK(c.context == ".");
  REQUIRE(c.images.size() == 4);
  CHECK(c.images[0].name == "lana-bank");
  CHECK(c.images[0].repository == "gcr.io/galoyorg/lana-bank");
  CHECK(c.images[0].target == "lana-bank");
  CHECK(c.images[0].context == ".");
  CHECK(c.images[0].context_is_default);
  CHECK(c.images[0].tags_rc == std::vector<std::string>{"{version}"});
  CHECK(c.images[0].line == 13);
  CHECK(c.images[0].column == 5);
  CHECK(c.images[1].context == "apps/admin-panel");
  CHECK_FALSE(c.images[1].context_is_default);
  CHECK(c.images[1].line == 14);
  CHECK(c.images[2].tags_rc == std::vector<std::string>{"{version}", "{version}-{short_commit}"});
  CHECK(c.images[3].repository == "us.gcr.io/galoyorg/dagster-code-location-lana-dw");
  CHECK(c.resolve(c.dockerfile_rc) == files.dir() + "/dockerfiles/Dockerfile.rc");
  CHECK(c.resolve(".") == files.dir());
  CHECK(c.resolve("apps/../ctx/") == files.dir() + "/ctx");
  CHECK(c.resolve("/abs/ctx") == "/abs/ctx");
}

TEST_CASE("load_images_config: defaults", "[images_config]") {
  Files files;
  ImagesConfig c = load_images_config(files.write("images.json", minimal_with(0, "")));
  CHECK(c.binary.working_directory == ".");
  CHECK(c.release_assets.empty());
  CHECK(c.context == ".");
  CHECK(c.images[1].context == ".");
  CHECK(c.images[1].tags_rc == std::vector<std::string>{"{version}"});
  CHECK(c.images[1].line == 7);

  // The top-level context is the default of every image, wherever it appears in the file.
  ImagesConfig later =
      load_images_config(files.write("later.json", minimal_with(9, R"(, "context": "ctx" })")));
  CHECK(later.images[0].context == "ctx");
  // Destinations are normalised.
  ImagesConfig normal = load_images_config(files.write(
      "normal.json", minimal_with(3, R"(  "binary": {"command": ["make", ""], "artifact": "a", )"
                                     R"("destination": "./bin//x/../cli"},)")));
  CHECK(normal.binary.destination == "bin/cli");
  CHECK(normal.binary.command == std::vector<std::string>{"make", ""});
}

TEST_CASE("load_images_config: file errors", "[images_config]") {
  CHECK_THROWS_AS(load_images_config("/nonexistent/images.json"), RuntimeError);
  CHECK(load_error("{\n  \"a\": 1\n  \"b\": 2\n}") ==
        "images.json:3:3: expected ',' or '}' after an object member");
  CHECK(load_error("[]") == "images.json:1:1: the configuration must be an object, not an array");
  CHECK(load_error("{}") == "images.json:1:1: the configuration has no 'github_repository'");
  CHECK(load_error(minimal_with(5, R"(  "images": [], "x": [)")) ==
        "images.json:5:13: 'images' must not be empty");
}

TEST_CASE("load_images_config: unknown keys suggest the closest", "[images_config]") {
  std::string l6 = R"(    {"name": "app", "repositry": "gcr.io/org/app", "target": "app"},)";
  check_error(6, l6, "\"repositry\"", "unknown key 'repositry' (did you mean 'repository'?)");
  std::string l3 =
      R"(  "binary": {"command": ["make"], "workingDirectory": ".", "artifact": "a"},)";
  check_error(3, l3, "\"workingDirectory\"",
              "unknown key 'workingDirectory' (did you mean 'working_directory'?)");
  std::string l4 = R"(  "dockerfiles": {"rc": "a", "releas": "b"},)";
  check_error(4, l4, "\"releas\"", "unknown key 'releas' (did you mean 'release'?)");
  std::string l2 = R"(  "github_repository": "a/b", "platform": "linux/amd64",)";
  check_error(2, l2, "\"platform\"",
              "unknown key 'platform' (known keys: 'github_repository', 'binary', "
              "'release_assets', 'dockerfiles', 'context', 'images')");
  std::string tag =
      R"(    {"name": "app", "tag": ["x"], "repository": "gcr.io/org/app", "target": "app"},)";
  check_error(6, tag, "\"tag\"", "unknown key 'tag' (did you mean 'tags'?)");
}

TEST_CASE("load_images_config: wrong types", "[images_config]") {
  std::string tags =
      R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "app", "tags": 1},)";
  check_error(6, tags, "1}",
              "'tags' must be an array of strings (or {\"rc\": [...], \"final\": [...]}), not a "
              "number");
  std::string item =
      R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "app", "tags": ["a", 2]},)";
  check_error(6, item, "2]", "'tags' item 2 must be a string, not a number");
  std::string command =
      R"(  "binary": {"command": "make all", "artifact": "a", "destination": "b"},)";
  check_error(3, command, "\"make all\"",
              "'command' must be an array of strings (argv, run without a shell), not a string");
  check_error(3, R"(  "binary": ["make"],)", "[", "'binary' must be an object, not an array");
  check_error(2, R"(  "github_repository": null,)", "null",
              "'github_repository' must be a string, not null");
  check_error(6, R"(    "app",)", "\"app\"", "image 1 must be an object, not a string");
  check_error(6, R"(    {"name": true, "repository": "gcr.io/org/app", "target": "app"},)", "true",
              "'name' must be a string, not a boolean");
  check_error(2, R"(  "github_repository": "a/b", "release_assets": {},)", "{}",
              "'release_assets' must be an array, not an object");
  check_error(3,
              R"(  "binary": {"command": ["make"], "artifact": "/out/cli", "destination": "b"},)",
              "\"/out", "'artifact' must be relative to 'working_directory', not '/out/cli'");
  check_error(2, R"(  "github_repository": "a/b", "release_assets": [[]],)", "[]]",
              "release asset 1 must be an object, not an array");
}

TEST_CASE("load_images_config: missing fields are located at the object", "[images_config]") {
  std::string l7 = R"(    {"name": "web", "target": "web"})";
  check_error(7, l7, "{", "image 2 has no 'repository'");
  check_error(6, R"(    {"repository": "gcr.io/org/app", "target": "app"},)", "{",
              "image 1 has no 'name'");
  check_error(3, R"(  "binary": {"command": ["make"], "destination": "bin/cli"},)", "{",
              "'binary' has no 'artifact'");
  check_error(4, R"(  "dockerfiles": {"rc": "Dockerfile.rc"},)", "{",
              "'dockerfiles' has no 'release'");
  check_error(2, R"(  "github_repository": "a/b", "release_assets": [{"name": "x"}],)", "{\"name",
              "release asset 1 has no 'destination'");
  CHECK(error_with(3, "") == "images.json:1:1: the configuration has no 'binary'");
}

TEST_CASE("load_images_config: empty strings and control characters", "[images_config]") {
  check_error(6, R"(    {"name": "app", "repository": "gcr.io/org/app", "target": ""},)", "\"\"",
              "'target' must not be empty");
  check_error(4, R"(  "dockerfiles": {"rc": "", "release": "b"},)", "\"\"",
              "'rc' must not be empty");
  check_error(6, R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "a\tb"},)",
              "\"a\\t", "'target' must not contain control characters");
  check_error(3, R"(  "binary": {"command": [""], "artifact": "a", "destination": "b"},)", "\"\"",
              "'command' must start with a program, not ''");
  check_error(3, R"(  "binary": {"command": [], "artifact": "a", "destination": "b"},)", "[]",
              "'command' must not be empty");
  check_error(6,
              R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "a", "tags": []},)",
              "[]", "'tags' must not be empty");
}

TEST_CASE("load_images_config: duplicates", "[images_config]") {
  check_error(7, R"(    {"name": "app", "repository": "gcr.io/org/web", "target": "web"})",
              "\"app\"", "duplicate image name 'app' (first at line 6)");
  std::string keys =
      R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "app", "name": "b"},)";
  check_error(6, keys, "\"name\": \"b\"", "duplicate key 'name' (first at line 6, column 6)");
  std::string assets =
      R"(  "github_repository": "a/b", "release_assets": [{"name": "x", "destination": )"
      R"("a", "binary": true}, {"name": "x", "destination": "b", "binary": true}],)";
  check_error(2, assets, "\"x\", \"destination\": \"b\"",
              "duplicate release asset 'x' (first at line 2)");
  std::string dests =
      R"(  "github_repository": "a/b", "release_assets": [{"name": "x", "destination": )"
      R"("a", "binary": true}, {"name": "y", "destination": "./a", "binary": true}],)";
  check_error(2, dests, "\"./a\"", "duplicate release asset destination 'a' (first at line 2)");
  std::string tags = R"(    {"name": "app", "repository": "gcr.io/org/app", "target": "a", )"
                     R"("tags": ["{version}", "{version}"]},)";
  check_error(6, tags, "\"{version}\"]", "tag template '{version}' is listed twice");
}

TEST_CASE("load_images_config: repositories", "[images_config]") {
  auto repo_error = [](const std::string& repo) {
    std::string line =
        fmt::format(R"(    {{"name": "app", "repository": "{}", "target": "a"}},)", repo);
    std::string got = error_with(6, line);
    std::string prefix = fmt::format("images.json:6:{}: ", column_of(line, "\"" + repo));
    REQUIRE(got.rfind(prefix, 0) == 0);
    return got.substr(prefix.size());
  };
  CHECK(repo_error("gcr.io/org/app:1.0") ==
        "'repository' must not contain a tag (tags go in 'tags'), not 'gcr.io/org/app:1.0'");
  CHECK(repo_error("gcr.io/org/app@sha256:abc") ==
        "'repository' must not contain a digest, not 'gcr.io/org/app@sha256:abc'");
  CHECK(repo_error("gcr.io/Org/app") == "'repository' must be lowercase, not 'gcr.io/Org/app'");
  CHECK(repo_error("galoyorg/lana-bank") ==
        "'repository' must start with a registry host, as in 'gcr.io/galoyorg/lana-bank', not "
        "'galoyorg/lana-bank'");
  CHECK(repo_error("lana-bank") ==
        "'repository' must start with a registry host, as in 'gcr.io/galoyorg/lana-bank', not "
        "'lana-bank'");
  CHECK(repo_error("gcr.io/org//app").rfind("'repository' is not a valid image repository (", 0) ==
        0);
  CHECK(repo_error("gcr.io/-app").rfind("'repository' is not a valid image repository (", 0) == 0);
  CHECK(repo_error("gcr.io:port/app").rfind("'repository' is not a valid image repository (", 0) ==
        0);
  // Hosts with ports, localhost and IP addresses are fine.
  Files files;
  for (std::string ok : {"localhost:5000/app", "localhost/a/b", "127.0.0.1:5000/org/app_x",
                         "registry.example.com/a__b/c-d/e.f", "docker.io/library/ubuntu"}) {
    INFO(ok);
    std::string line =
        fmt::format(R"(    {{"name": "app", "repository": "{}", "target": "a"}},)", ok);
    CHECK(load_images_config(files.write("ok.json", minimal_with(6, line))).images[0].repository ==
          ok);
  }
}

TEST_CASE("load_images_config: github_repository", "[images_config]") {
  for (std::string bad : {"GaloyMoney", "a/b/c", "-a/b", "a-/b", "a/..", "a b/c", "a/"}) {
    std::string line = fmt::format(R"(  "github_repository": "{}",)", bad);
    check_error(
        2, line, "\"" + bad,
        fmt::format("'github_repository' must be 'owner/name' as on GitHub, not '{}'", bad));
  }
  Files files;
  ImagesConfig c = load_images_config(
      files.write("ok.json", minimal_with(2, R"(  "github_repository": "a-b9/x.y_z-1",)")));
  CHECK(c.github_repository == "a-b9/x.y_z-1");
}

TEST_CASE("load_images_config: tag templates", "[images_config]") {
  auto line_with_tag = [](const std::string& tag) {
    return fmt::format(
        R"(    {{"name": "app", "repository": "gcr.io/org/app", "target": "a", "tags": ["{}"]}},)",
        tag);
  };
  struct Case {
    std::string tag, what;
  };
  for (const Case& c : std::vector<Case>{
           {"{sha}", "unknown placeholder '{sha}' in tag template '{sha}' (allowed: {version}, "
                     "{commit}, {short_commit})"},
           {"v{version", "unclosed '{' in tag template 'v{version'"},
           {"v:{version}", "tag template 'v:{version}' has ':' where a tag allows only letters, "
                           "digits, '_', and '.' or '-' after the first character"},
           {"-{version}", "tag template '-{version}' has '-' where a tag allows only letters, "
                          "digits, '_', and '.' or '-' after the first character"},
           {"", "a tag template must not be empty"}}) {
    std::string line = line_with_tag(c.tag);
    INFO(line);
    CHECK(error_with(6, line) == located(6, line, "\"" + c.tag + "\"]", c.what));
  }
  Files files;
  ImagesConfig ok = load_images_config(files.write(
      "ok.json", minimal_with(6, line_with_tag("v{version}_{commit}.{short_commit}-x"))));
  CHECK(ok.images[0].tags_rc == std::vector<std::string>{"v{version}_{commit}.{short_commit}-x"});
}

TEST_CASE("load_images_config: destinations stay inside the build context", "[images_config]") {
  for (std::string bad : {"/abs/cli", "../cli", "bin/../../cli", ".", "bin/", "./"}) {
    std::string line = fmt::format(
        R"(  "binary": {{"command": ["make"], "artifact": "a", "destination": "{}"}},)", bad);
    std::string why = bad[0] == '/' ? "must be a path relative to the build context"
                      : bad.find("..") != std::string::npos
                          ? "must stay inside the build context"
                          : "must name a file in the build context";
    check_error(3, line, "\"" + bad + "\"}", fmt::format("'destination' {}, not '{}'", why, bad));
  }
  std::string asset =
      R"(  "github_repository": "a/b", "release_assets": [{"name": "x", "destination": "../x"}],)";
  check_error(2, asset, "\"../x\"", "'destination' must stay inside the build context, not '../x'");
}

TEST_CASE("load_images_config: image names", "[images_config]") {
  check_error(6, R"(    {"name": "my app", "repository": "gcr.io/org/app", "target": "a"},)",
              "\"my app\"",
              "image name 'my app' must be letters, digits, '.', '_' and '-', starting with a "
              "letter or digit");
  check_error(6, R"(    {"name": "-app", "repository": "gcr.io/org/app", "target": "a"},)",
              "\"-app\"",
              "image name '-app' must be letters, digits, '.', '_' and '-', starting with a "
              "letter or digit");
}

TEST_CASE("apply_overlay", "[images_config]") {
  Files files;
  std::string base_path = files.write("images.json", full_example);
  ImagesConfig base = load_images_config(base_path);
  auto overlaid = [&](const std::string& overlay) {
    ImagesConfig c = base;
    apply_overlay(c, files.write("overlay.json", overlay));
    return c;
  };

  SECTION("an empty overlay changes nothing") {
    ImagesConfig c = overlaid("{}");
    CHECK(c.binary.command == base.binary.command);
    CHECK(c.images.size() == 4);
    CHECK(c.path == base_path);
  }

  SECTION("binary fields are replaced one by one") {
    ImagesConfig c = overlaid(R"({"binary": {"command": ["cc", "-static", "cli.c"],
                                             "working_directory": "examples/cli"}})");
    CHECK(c.binary.command == std::vector<std::string>{"cc", "-static", "cli.c"});
    CHECK(c.binary.working_directory == "examples/cli");
    CHECK(c.binary.artifact == "result/bin/lana-cli"); // kept
    CHECK(c.binary.destination == "binaries/lana-cli");
    CHECK(c.resolve(c.binary.working_directory) == files.dir() + "/examples/cli");
  }

  SECTION("top-level values and whole lists are replaced") {
    ImagesConfig c = overlaid(R"({"github_repository": "me/fork", "dockerfiles": {"rc": "x/rc"},
                                  "release_assets": [{"name": "a", "destination": "b", "binary": true}]})");
    CHECK(c.github_repository == "me/fork");
    CHECK(c.dockerfile_rc == "x/rc");
    CHECK(c.dockerfile_release == "dockerfiles/Dockerfile.release");
    REQUIRE(c.release_assets.size() == 1);
    CHECK(c.release_assets[0].name == "a");
  }

  SECTION("a new default context moves only the images that used the default") {
    ImagesConfig c = overlaid(R"({"context": "examples/lana"})");
    CHECK(c.context == "examples/lana");
    CHECK(c.images[0].context == "examples/lana");
    CHECK(c.images[1].context == "apps/admin-panel"); // set explicitly
    CHECK(c.images[3].context == "examples/lana");
  }

  SECTION("images are matched by name and only given fields change") {
    ImagesConfig c = overlaid(R"({"images": [
      {"name": "lana-bank-customer-portal", "tags": ["rc-{short_commit}"]},
      {"name": "lana-bank", "repository": "localhost:5000/lana-bank", "context": "ctx"}]})");
    CHECK(c.images[2].tags_rc == std::vector<std::string>{"rc-{short_commit}"});
    CHECK(c.images[2].repository == "gcr.io/galoyorg/lana-bank-customer-portal");
    CHECK(c.images[0].repository == "localhost:5000/lana-bank");
    CHECK(c.images[0].context == "ctx");
    CHECK_FALSE(c.images[0].context_is_default);
    CHECK(c.images[0].target == "lana-bank");
    CHECK(c.images[0].line == 13); // still the base file's line
    // A later default context no longer moves it.
    apply_overlay(c, files.write("second.json", R"({"context": "other"})"));
    CHECK(c.images[0].context == "ctx");
    CHECK(c.images[3].context == "other");
  }

  SECTION("errors are located in the overlay, and leave the config unchanged") {
    auto overlay_error = [&](const std::string& overlay) {
      std::string path = files.write("bad.json", overlay);
      ImagesConfig c = base;
      try {
        apply_overlay(c, path);
      } catch (const InputError& e) {
        CHECK(c.binary.command == base.binary.command);
        CHECK(c.images[0].repository == base.images[0].repository);
        std::string what = e.what();
        REQUIRE(what.rfind(path + ":", 0) == 0);
        return "bad.json" + what.substr(path.size());
      }
      return std::string("no error");
    };
    CHECK(overlay_error(R"({"binary": {"command": ["x"]},
 "images": [{"name": "lana-bank", "repository": "x"}, {"name": "nope"}]})") ==
          "bad.json:2:49: 'repository' must start with a registry host, as in "
          "'gcr.io/galoyorg/lana-bank', not 'x'");
    CHECK(overlay_error(R"({"binary": {"command": ["x"]},
  "images": [{"name": "lana-bank", "tags": ["a"]}, {"name": "lana-bnk"}]})") ==
          fmt::format("bad.json:2:61: {} has no image 'lana-bnk' (its images: 'lana-bank', "
                      "'lana-bank-admin-panel', 'lana-bank-customer-portal', "
                      "'dagster-code-location-lana-dw')",
                      base_path));
    CHECK(overlay_error(R"({"images": [{"tags": ["a"]}]})") ==
          "bad.json:1:13: image 1 has no 'name'");
    CHECK(overlay_error(R"({"images": [{"name": "lana-bank"}, {"name": "lana-bank"}]})") ==
          "bad.json:1:45: duplicate image name 'lana-bank' (first at line 1)");
    CHECK(overlay_error(R"({"binary": {"comand": ["x"]}})") ==
          "bad.json:1:13: unknown key 'comand' (did you mean 'command'?)");
    CHECK(overlay_error(R"({"images": {}})") ==
          "bad.json:1:12: 'images' must be an array, not an object");
    CHECK(overlay_error(R"({"context": ""})") == "bad.json:1:13: 'context' must not be empty");
    CHECK(overlay_error("{") == "bad.json:1:2: expected a string key, found end of file");
  }

  SECTION("a missing overlay file is a RuntimeError") {
    ImagesConfig c = base;
    CHECK_THROWS_AS(apply_overlay(c, files.dir() + "/missing.json"), RuntimeError);
  }
}

TEST_CASE("ImagesConfig::select", "[images_config]") {
  Files files;
  ImagesConfig c = load_images_config(files.write("images.json", full_example));
  auto names = [](const std::vector<ImageSpec>& images) {
    std::vector<std::string> out;
    for (const ImageSpec& i : images)
      out.push_back(i.name);
    return out;
  };
  CHECK(names(c.select({})).size() == 4);
  // File order, no repeats.
  CHECK(names(c.select({"dagster-code-location-lana-dw", "lana-bank", "lana-bank"})) ==
        std::vector<std::string>{"lana-bank", "dagster-code-location-lana-dw"});
  std::string all = "'lana-bank', 'lana-bank-admin-panel', 'lana-bank-customer-portal', "
                    "'dagster-code-location-lana-dw'";
  try {
    c.select({"lana-bank", "lana-bnk", "frontend"});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          fmt::format("{} has no image 'lana-bnk' (did you mean 'lana-bank'?), 'frontend'; its "
                      "images are {}",
                      c.path, all));
  }
}

TEST_CASE("expand_tag", "[images_config]") {
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  CHECK(expand_tag("{version}", "1.2.3", commit) == "1.2.3");
  CHECK(expand_tag("v{version}-{short_commit}", "1.2.3", commit) == "v1.2.3-0123456789ab");
  CHECK(expand_tag("sha-{commit}", "1.2.3", commit) == "sha-" + commit);
  CHECK(expand_tag("latest", "", "") == "latest");
  CHECK(expand_tag("{version}", "0.1.0-rc.1", "") == "0.1.0-rc.1");
  auto error_of = [&](const std::string& tmpl, const std::string& version, const std::string& c) {
    try {
      expand_tag(tmpl, version, c);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{sha}", "1", commit) ==
        "unknown placeholder '{sha}' in tag template '{sha}' (allowed: {version}, {commit}, "
        "{short_commit})");
  CHECK(error_of("{version", "1", commit) == "unclosed '{' in tag template '{version'");
  CHECK(error_of("{version}-{commit}", "1", "") ==
        "tag template '{version}-{commit}' uses {commit} but the commit is not known");
  CHECK(error_of("{version}", "1.0+build", commit) ==
        "tag '1.0+build' (from template '{version}') is not a valid tag: "
        "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  CHECK(error_of("{version}", "", commit).rfind("tag '' (from template '{version}')", 0) == 0);
  CHECK(error_of("{version}", std::string(129, 'a'), commit) != "no error");
}

TEST_CASE("load_images_config: the repository's images.json", "[images_config]") {
  // tests/unit/ → the repository root, where the release commands find images.json.
  std::string path =
      (std::filesystem::path(__FILE__).parent_path() / "../../images.json").lexically_normal();
  ImagesConfig c = load_images_config(path);
  CHECK(c.github_repository == "GaloyMoney/lana-bank");
  REQUIRE(c.images.size() == 4);
  CHECK(names_of_images(c) == std::vector<std::string>{"lana-bank", "lana-bank-admin-panel",
                                                       "lana-bank-customer-portal",
                                                       "dagster-code-location-lana-dw"});
  CHECK(c.images[3].repository == "us.gcr.io/galoyorg/dagster-code-location-lana-dw");
  CHECK(c.binary.destination == "binaries/lana-cli");
}

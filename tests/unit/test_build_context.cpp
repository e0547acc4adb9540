#include "build/context.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace rt;
using namespace rt::build;
using rt::layer::EntryType;
using rt::layer::TarEntry;

namespace {
// A context with real/sub/file.txt, links inside it, and links leading out of
// it to `outside` (a sibling directory holding secret.txt).
struct Fixture {
  TempDir tmp{"test-context"};
  std::string ctx = tmp.path() + "/ctx";
  std::string outside = tmp.path() + "/outside";

  Fixture() {
    namespace fs = std::filesystem;
    fs::create_directories(ctx + "/real/sub");
    fs::create_directories(outside);
    std::ofstream(ctx + "/real/sub/file.txt") << "inside\n";
    std::ofstream(outside + "/secret.txt") << "secret\n";
    fs::create_directory_symlink("real", ctx + "/rel-in");
    fs::create_directory_symlink(ctx + "/real", ctx + "/abs-in");
    fs::create_directory_symlink("rel-in/sub", ctx + "/chain");
    fs::create_directory_symlink(outside, ctx + "/abs-out");
    fs::create_directory_symlink("../outside", ctx + "/rel-out");
    fs::create_directory_symlink("real/../../outside", ctx + "/sneaky-out");
  }
};
} // namespace

TEST_CASE("BuildContext::stat") {
  Fixture fx;
  BuildContext c(fx.ctx);
  SECTION("a symlinked directory inside the context is followed in the middle of a path") {
    for (const char* p : {"rel-in/sub/file.txt", "abs-in/sub/file.txt", "chain/file.txt"}) {
      TarEntry e = c.stat(p);
      CHECK(e.path == p);
      CHECK(e.type == EntryType::file);
      CHECK(e.source == c.dir() + "/real/sub/file.txt");
    }
  }
  SECTION("a symlinked directory leading outside is refused, wherever it is in the path") {
    for (const char* p : {"abs-out/secret.txt", "rel-out/secret.txt", "sneaky-out/secret.txt",
                          "abs-out", "rel-out"}) {
      INFO(p);
      CHECK_THROWS_AS(c.stat(p), InputError);
      CHECK_THROWS_WITH(c.stat(p), Catch::Contains("outside the build context"));
    }
  }
}

TEST_CASE("BuildContext::walk") {
  Fixture fx;
  BuildContext c(fx.ctx);
  SECTION("a directory named through a symlink lists its target's entries under the name used") {
    auto entries = c.walk("rel-in/sub");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].path == "rel-in/sub/file.txt");
    CHECK(entries[0].source == c.dir() + "/real/sub/file.txt");
  }
  SECTION("a directory reached through a link leading outside is refused") {
    CHECK_THROWS_AS(c.walk("abs-out"), InputError);
  }
}

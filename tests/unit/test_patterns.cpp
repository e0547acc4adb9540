#include "build/patterns.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace rt;
using rt::build::DockerIgnore;
using rt::build::glob_match;

namespace {

struct Case {
  const char* pattern;
  const char* path;
  bool match;
};

DockerIgnore ignore(std::string_view text) {
  return DockerIgnore::parse(text, ".dockerignore");
}

std::string input_error(std::string_view text) {
  try {
    ignore(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("glob_match", "[patterns]") {
  SECTION("Go path.Match cases") {
    // From Go's src/path/match_test.go.
    const Case cases[] = {
        {"abc", "abc", true},
        {"*", "abc", true},
        {"*c", "abc", true},
        {"a*", "a", true},
        {"a*", "abc", true},
        {"a*", "ab/c", false},
        {"a*/b", "abc/b", true},
        {"a*/b", "a/c/b", false},
        {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
        {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
        {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
        {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
        {"a*b?c*x", "abxbbxdbxebxczzx", true},
        {"a*b?c*x", "abxbbxdbxebxczzy", false},
        {"ab[c]", "abc", true},
        {"ab[b-d]", "abc", true},
        {"ab[e-g]", "abc", false},
        {"ab[^c]", "abc", false},
        {"ab[^b-d]", "abc", false},
        {"ab[^e-g]", "abc", true},
        {"a\\*b", "a*b", true},
        {"a\\*b", "ab", false},
        {"a?b", "a\u263Ab", true},
        {"a[^a]b", "a\u263Ab", true},
        {"a???b", "a\u263Ab", false},
        {"a[^a][^a][^a]b", "a\u263Ab", false},
        {"[a-\u03B6]*", "\u03B1", true},
        {"*[a-\u03B6]", "A", false},
        {"a?b", "a/b", false},
        {"a*b", "a/b", false},
        {"[\\]a]", "]", true},
        {"[\\-]", "-", true},
        {"[x\\-]", "x", true},
        {"[x\\-]", "-", true},
        {"[x\\-]", "z", false},
        {"[\\-x]", "-", true},
        {"[\\-x]", "a", false},
        {"*x", "xxx", true},
    };
    for (const Case& c : cases) {
      INFO(c.pattern << " vs " << c.path);
      CHECK(glob_match(c.pattern, c.path) == c.match);
    }
  }

  SECTION("'*' and '?' never cross '/', classes can") {
    CHECK(glob_match("src/*.cpp", "src/main.cpp"));
    CHECK_FALSE(glob_match("src/*.cpp", "src/sub/main.cpp"));
    CHECK_FALSE(glob_match("*", "a/b"));
    CHECK(glob_match("*/*", "a/b"));
    CHECK(glob_match("a[/]b", "a/b"));
    CHECK(glob_match("", ""));
    CHECK_FALSE(glob_match("", "a"));
    CHECK_FALSE(glob_match("a", ""));
  }

  SECTION("only '^' negates a class, as in Go") {
    CHECK(glob_match("[!a]", "!"));
    CHECK(glob_match("[!a]", "a"));
    CHECK_FALSE(glob_match("[!a]", "b"));
    CHECK(glob_match("[^a]", "b"));
    CHECK_FALSE(glob_match("[^a]", "a"));
  }

  SECTION("escapes") {
    CHECK(glob_match("\\[x]", "[x]"));
    CHECK_FALSE(glob_match("\\[x]", "x"));
    CHECK(glob_match("a\\?", "a?"));
    CHECK_FALSE(glob_match("a\\?", "ab"));
    CHECK(glob_match("\\a", "a"));
  }

  SECTION("malformed patterns throw whatever the path") {
    for (const char* bad :
         {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "a/b["}) {
      INFO(bad);
      CHECK_THROWS_AS(glob_match(bad, "a"), InputError);
      CHECK_THROWS_AS(glob_match(bad, "x"), InputError);
    }
    // The error is reported even when an earlier chunk already failed to match.
    CHECK_THROWS_AS(glob_match("x*[", "abc"), InputError);
    CHECK_THROWS_WITH(glob_match("ab[c", "abc"),
                      Catch::Contains("\"ab[c\"") && Catch::Contains("unterminated"));
    CHECK_THROWS_WITH(glob_match("ab\\", "ab"), Catch::Contains("trailing backslash"));
  }
}

TEST_CASE("has_glob_meta", "[patterns]") {
  CHECK(build::has_glob_meta("*.txt"));
  CHECK(build::has_glob_meta("a?"));
  CHECK(build::has_glob_meta("[ab]"));
  CHECK(build::has_glob_meta("a\\b"));
  CHECK_FALSE(build::has_glob_meta("src/main.cpp"));
  CHECK_FALSE(build::has_glob_meta(""));
}

TEST_CASE("clean_path", "[patterns]") {
  CHECK(build::clean_path("") == ".");
  CHECK(build::clean_path("./x") == "x");
  CHECK(build::clean_path("a//b/./c/") == "a/b/c");
  CHECK(build::clean_path("a/../../b") == "../b");
  CHECK(build::clean_path("/../a") == "/a");
  CHECK(build::clean_path("/") == "/");
  CHECK(build::clean_path("a/..") == ".");
}

TEST_CASE("DockerIgnore", "[patterns]") {
  SECTION("moby patternmatcher cases") {
    // From moby/patternmatcher's TestMatches, one pattern at a time.
    const Case cases[] = {
        {"**", "file", true},
        {"**", "dir/file", true},
        {"**/", "file", true},
        {"dir/**", "dir/file", true},
        {"dir/**", "dir/dir2/file", true},
        {"**/dir", "dir", true},
        {"**/dir", "dir/file", true},
        {"**/dir2/*", "dir/dir2/file", true},
        {"**/dir2/**", "dir/dir2/dir3/file", true},
        {"**file", "file", true},
        {"**file", "dir/dir/file", true},
        {"**/file", "dir/dir/file", true},
        {"**/file*", "dir/dir/file.txt", true},
        {"**/file*txt", "dir/dir/file.txt", true},
        {"**/**/*.txt", "dir/dir/file.txt", true},
        {"**/**/*.txt2", "dir/dir/file.txt", false},
        {"**/*.txt", "file.txt", true},
        {"a**/*.txt", "a/file.txt", true},
        {"a**/*.txt", "a/dir/dir/file.txt", true},
        {"a/*.txt", "a/dir/file.txt", false},
        {"a/*.txt", "a/file.txt", true},
        {"a/*.txt**", "a/file.txt", true},
        {"a[b-d]e", "ae", false},
        {"a[b-d]e", "ace", true},
        {"a[^b-d]e", "aze", true},
        {".*", ".foo", true},
        {".*", "foo", false},
        {"abc.def", "abcdef", false},
        {"abc.def", "abc.def", true},
        {"abc?def", "abcZdef", true},
        {"abc?def", "abcdef", false},
        {"a\\\\", "a\\", true},
        {"**/foo/bar", "foo/bar", true},
        {"**/foo/bar", "dir/dir2/foo/bar", true},
        {"abc/**", "abc", false},
        {"abc/**", "abc/def/ghi", true},
        {"**/.foo", ".foo", true},
        {"**/.foo", "bar.foo", false},
        {"a(b)c/def", "a(b)c/def", true},
        {"a(b)c/def", "a(b)c/xyz", false},
        {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
        {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
        // An inner "**" stands for whole directories: (.*/)? in moby's regexp.
        {"a/**/b", "a/b", true},
        {"a/**/b", "a/x/y/b", true},
        {"a/**/b", "a/xb", false},
        {"a**b", "axb", false},
        {"a**b", "ax/b", true},
        // Leading "**" + literal is a plain HasSuffix in moby, so it also matches "barfile".
        {"**file", "dir/barfile", true},
    };
    for (const Case& c : cases) {
      INFO(c.pattern << " vs " << c.path);
      CHECK(ignore(c.pattern).excluded(c.path) == c.match);
    }
  }

  SECTION("'**/*.go' excludes Go files at any depth, nothing else") {
    DockerIgnore di = ignore("**/*.go\n");
    CHECK(di.excluded("main.go"));
    CHECK(di.excluded("cmd/tool/main.go"));
    CHECK_FALSE(di.excluded("main.go.txt"));
    CHECK_FALSE(di.excluded("README.md"));
  }

  SECTION("'*' only matches within one level") {
    DockerIgnore di = ignore("*.txt");
    CHECK(di.excluded("a.txt"));
    CHECK_FALSE(di.excluded("docs/a.txt"));
  }

  SECTION("exceptions re-include, later patterns win") {
    DockerIgnore di = ignore("*.txt\n!keep.txt\n");
    CHECK(di.excluded("a.txt"));
    CHECK_FALSE(di.excluded("keep.txt"));
    CHECK_FALSE(di.excluded("main.cpp"));
    DockerIgnore again = ignore("*.txt\n!keep.txt\nkeep*\n");
    CHECK(again.excluded("keep.txt"));
  }

  SECTION("a matched directory excludes everything below it") {
    DockerIgnore di = ignore("dir\n");
    CHECK(di.excluded("dir"));
    CHECK(di.excluded("dir/sub/file"));
    CHECK_FALSE(di.excluded("dir2/file"));
    CHECK_FALSE(di.excluded("other/dir"));
    CHECK_FALSE(di.excluded("."));
    CHECK_FALSE(di.excluded(""));
  }

  SECTION("patterns are cleaned: leading '/', './', '..' elements, trailing '/'") {
    DockerIgnore di = ignore("/abs\n./x\na/../b\nsub/dir/\n");
    CHECK(di.excluded("abs"));
    CHECK(di.excluded("abs/file"));
    CHECK(di.excluded("x"));
    CHECK(di.excluded("b"));
    CHECK_FALSE(di.excluded("a"));
    CHECK(di.excluded("sub/dir/f"));
    CHECK_FALSE(di.excluded("sub/other"));
    DockerIgnore except = ignore("*\n! /abs/keep\n");
    CHECK_FALSE(except.excluded("abs/keep"));
    CHECK(except.excluded("abs/other"));
  }

  SECTION("comments, blank lines, whitespace, CRLF and BOM") {
    DockerIgnore di = ignore("\xEF\xBB\xBF# comment\n\n   \n  node_modules  \r\n  #hash\n");
    CHECK(di.excluded("node_modules"));
    CHECK_FALSE(di.excluded("# comment"));
    CHECK_FALSE(di.excluded("comment"));
    // Only column one starts a comment (moby checks before trimming).
    CHECK(di.excluded("#hash"));
    CHECK(ignore("# only a comment\n").empty());
    CHECK(DockerIgnore().empty());
    CHECK_FALSE(DockerIgnore().excluded("anything"));
  }

  SECTION("exception under an excluded directory") {
    DockerIgnore di = ignore("dir\n!dir/keep\n");
    CHECK(di.excluded("dir"));
    CHECK(di.excluded("dir/other"));
    CHECK_FALSE(di.excluded("dir/keep"));
    CHECK_FALSE(di.excluded("dir/keep/deeper/file"));
  }

  SECTION("BuildKit walker semantics: a pattern counts for a child only if evaluated") {
    // "!a" is skipped for "a" (not excluded yet) and does not match "a/b" itself.
    DockerIgnore di = ignore("a/b\n!a\n");
    CHECK(di.excluded("a/b"));
    CHECK_FALSE(di.excluded("a"));
  }

  SECTION("parse errors name the file and line") {
    CHECK(input_error("ok\n\n!\n") == ".dockerignore:3: illegal exclusion pattern \"!\"");
    CHECK(input_error("ok\n!/\n") == ".dockerignore:2: illegal exclusion pattern \"!\"");
    std::string err = input_error("a\n# c\nsrc/[a-\n");
    CHECK_THAT(err, Catch::StartsWith(".dockerignore:3: invalid pattern \"src/[a-\""));
    CHECK_THROWS_AS(ignore("x\\"), InputError);
  }

  SECTION("load reads CONTEXT/.dockerignore if present") {
    TempDir dir("rt-patterns");
    CHECK(DockerIgnore::load(dir.path()).empty());
    write_file_atomic(dir.path() + "/.dockerignore", "build\n!build/keep\n[\n");
    CHECK_THROWS_WITH(DockerIgnore::load(dir.path()),
                      Catch::Contains(".dockerignore:3: invalid pattern"));
    write_file_atomic(dir.path() + "/.dockerignore", "build\n");
    CHECK(DockerIgnore::load(dir.path()).excluded("build/out.o"));
  }
}

TEST_CASE("DockerIgnore::may_reinclude_below", "[patterns]") {
  SECTION("literal exception below the directory") {
    DockerIgnore di = ignore("dir\n!dir/keep\n");
    CHECK(di.may_reinclude_below("dir"));
    CHECK_FALSE(di.may_reinclude_below("dir/sub"));
    CHECK_FALSE(di.may_reinclude_below("other"));
    CHECK_FALSE(di.may_reinclude_below("di"));
    CHECK(di.may_reinclude_below("."));
  }

  SECTION("deeper exception keeps every ancestor open") {
    DockerIgnore di = ignore("a\n!a/b/c/d.txt\n");
    CHECK(di.may_reinclude_below("a"));
    CHECK(di.may_reinclude_below("a/b"));
    CHECK(di.may_reinclude_below("a/b/c"));
    CHECK_FALSE(di.may_reinclude_below("a/b/c/d.txt"));
    CHECK_FALSE(di.may_reinclude_below("a/x"));
  }

  SECTION("wildcard exceptions") {
    DockerIgnore di = ignore("vendor\n!vendor/*/LICENSE\n!**/keep.me\n");
    CHECK(di.may_reinclude_below("vendor"));
    CHECK(di.may_reinclude_below("vendor/lib"));
    CHECK(di.may_reinclude_below("anything/at/all")); // **/keep.me can be anywhere
    DockerIgnore star = ignore("vendor\n!vendor/*.md\n");
    CHECK(star.may_reinclude_below("vendor"));
    CHECK_FALSE(star.may_reinclude_below("vendor/sub")); // '*' cannot cross '/'
    DockerIgnore prefix = ignore("out\n!out/keep/**\n");
    CHECK(prefix.may_reinclude_below("out"));
    CHECK(prefix.may_reinclude_below("out/keep/x"));
    CHECK_FALSE(prefix.may_reinclude_below("out/drop"));
  }

  SECTION("no exception, nothing to re-include") {
    DockerIgnore di = ignore("dir\n*.o\n");
    CHECK_FALSE(di.may_reinclude_below("dir"));
    CHECK_FALSE(di.may_reinclude_below("."));
    CHECK_FALSE(DockerIgnore().may_reinclude_below("dir"));
  }

  SECTION("agrees with excluded() on what it lets a walker find") {
    DockerIgnore di = ignore("vendor\n!vendor/*/LICENSE\n");
    CHECK(di.excluded("vendor/lib"));
    CHECK_FALSE(di.excluded("vendor/lib/LICENSE"));
    CHECK(di.may_reinclude_below("vendor/lib"));
    CHECK_FALSE(di.may_reinclude_below("vendor/lib/src"));
  }
}

TEST_CASE("DockerIgnore: hostile patterns stay linear and off the stack", "[patterns]") {
  auto start = std::chrono::steady_clock::now();
  // A deep path of ~3,000 characters: 30 directories of 99 characters and a file.
  std::string deep;
  for (int i = 0; i < 30; ++i)
    deep += std::string(99, static_cast<char>('a' + i % 26)) + "/";
  deep += "file";

  SECTION("a line of a million '*' (the recursive matcher overflowed the stack)") {
    auto ig = ignore(std::string(1000000, '*') + "\n!keep\n");
    CHECK(ig.excluded("x"));
    CHECK(ig.excluded(deep));
    CHECK_FALSE(ig.excluded("keep"));
    // An odd count ends in a single '*', which does not cross '/' but "**" before it does.
    auto odd = ignore(std::string(999999, '*') + "x\n");
    CHECK(odd.excluded("a/b/cx"));
    CHECK_FALSE(odd.excluded("a/b/c"));
  }
  SECTION("'?' x 50,000 against long paths (a memo table per path took minutes)") {
    std::string exact; // '?' for every character of `deep`
    for (char c : deep)
      exact += c == '/' ? '/' : '?';
    auto ig = ignore(std::string(50000, '?') + "\n" + exact + "\n!*/keep\n");
    for (int i = 0; i < 200; ++i)
      CHECK_FALSE(ig.excluded(deep.substr(0, 2000 + static_cast<size_t>(i))));
    CHECK(ig.excluded(deep)); // the second pattern matches it exactly
    CHECK_FALSE(ig.excluded(deep + "x"));
    CHECK(ig.may_reinclude_below(deep.substr(0, 99)));
  }
  SECTION("alternations of stars and literals") {
    std::string pat;
    for (int i = 0; i < 20000; ++i)
      pat += "*a";
    auto ig = ignore(pat + "\n**/" + pat + "b\n");
    CHECK_FALSE(ig.excluded(std::string(1000, 'a') + "b"));
    CHECK_FALSE(ig.excluded(deep));
    CHECK_FALSE(ig.may_reinclude_below(deep));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
}

#include "build/env_file.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace rt;
using rt::build::EnvEntry;
using Entries = std::vector<EnvEntry>;

namespace {

Entries parse(std::string_view text) {
  return build::parse_env_file(text, "build.env");
}

std::string input_error(std::string_view text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("parse_env_file", "[env_file]") {
  SECTION("plain entries in file order, duplicates kept") {
    CHECK(parse("A=1\nB=two\nA=3\n") == Entries{{"A", "1"}, {"B", "two"}, {"A", "3"}});
    CHECK(parse("LAST=no-newline") == Entries{{"LAST", "no-newline"}});
    CHECK(parse("EMPTY=\n").at(0) == EnvEntry{"EMPTY", ""});
    CHECK(parse("URL=http://x/?a=b&c=d").at(0).second == "http://x/?a=b&c=d");
    CHECK(parse("").empty());
  }

  SECTION("comments, blank lines, export, blanks around '='") {
    Entries got = parse("# header\n\n   \n  # indented comment\nexport A=1\nexport\tB=2\n"
                        "  C  =  3  \n");
    CHECK(got == Entries{{"A", "1"}, {"B", "2"}, {"C", "3"}});
    // "export" is only a prefix when followed by a blank.
    CHECK(parse("export=1").at(0) == EnvEntry{"export", "1"});
    CHECK(parse("exportX=1").at(0) == EnvEntry{"exportX", "1"});
  }

  SECTION("unquoted values: inline comments need a blank before '#'") {
    CHECK(parse("A=abc # note").at(0).second == "abc");
    CHECK(parse("A=abc\t# note").at(0).second == "abc");
    CHECK(parse("A=abc#def").at(0).second == "abc#def");
    CHECK(parse("A=a b c   ").at(0).second == "a b c");
    CHECK(parse("A=it's").at(0).second == "it's");
  }

  SECTION("single quotes are literal") {
    CHECK(parse("A='x # y'").at(0).second == "x # y");
    CHECK(parse("A='a\\nb'").at(0).second == "a\\nb");
    CHECK(parse("A='  padded  '  # comment").at(0).second == "  padded  ");
    CHECK(parse("A=''").at(0).second == "");
  }

  SECTION("double quotes unescape \\n \\\" \\\\") {
    CHECK(parse(R"(A="line1\nline2")").at(0).second == "line1\nline2");
    CHECK(parse(R"(A="say \"hi\"")").at(0).second == "say \"hi\"");
    CHECK(parse(R"(A="back\\slash")").at(0).second == "back\\slash");
    CHECK(parse(R"(A="ends with \\")").at(0).second == "ends with \\");
    CHECK(parse(R"(A="tab\there \$HOME")").at(0).second == "tab\there $HOME");
    CHECK(parse(R"(A="C:\dir")").at(0).second == "C:\\dir"); // unknown escape kept
    CHECK(parse(R"(A="'single' inside")").at(0).second == "'single' inside");
  }

  SECTION("quoted values may span lines") {
    Entries got = parse("A=\"one\ntwo\"\nB='x\r\ny'\r\nC=3\n");
    CHECK(got == Entries{{"A", "one\ntwo"}, {"B", "x\ny"}, {"C", "3"}});
  }

  SECTION("CRLF and BOM") {
    CHECK(parse("\xEF\xBB\xBF"
                "A=1\r\nB=\"2\"\r\n") == Entries{{"A", "1"}, {"B", "2"}});
  }

  SECTION("keys") {
    CHECK(parse("_a.b-c9=1").at(0).first == "_a.b-c9");
    CHECK(input_error("1A=x") == "build.env:1: invalid variable name \"1A\"");
    CHECK(input_error("A B=x") == "build.env:1: invalid variable name \"A B\"");
    CHECK(input_error("A$=x") == "build.env:1: invalid variable name \"A$\"");
    CHECK(input_error("=x") == "build.env:1: missing variable name before '='");
  }

  SECTION("errors carry the right line number") {
    CHECK(input_error("A=1\n# c\n\nJUSTKEY\n") ==
          "build.env:4: expected KEY=VALUE, found \"JUSTKEY\"");
    CHECK(input_error("A=1\nB=\"open\nC=2\n") ==
          "build.env:2: unterminated double-quoted value of B");
    CHECK(input_error("A='open") == "build.env:1: unterminated single-quoted value of A");
    // Lines consumed by a multi-line value still count.
    CHECK(input_error("A=\"x\ny\"\nB=1\n2B=3\n") == "build.env:4: invalid variable name \"2B\"");
    CHECK(input_error("A=\"x\ny\" junk\n") ==
          "build.env:2: unexpected \"junk\" after the quoted value of A");
    CHECK(input_error("A=\"x\"y") == "build.env:1: unexpected \"y\" after the quoted value of A");
    CHECK(input_error(R"(A="escaped quote \")") ==
          "build.env:1: unterminated double-quoted value of A");
  }
}

TEST_CASE("load_env_file", "[env_file]") {
  TempDir dir("rt-env-file");
  std::string path = dir.path() + "/build.env";
  write_file_atomic(path, "VERSION=1.2\nexport NAME='tool'\n");
  CHECK(build::load_env_file(path) == Entries{{"VERSION", "1.2"}, {"NAME", "tool"}});
  write_file_atomic(path, "OK=1\nBAD\n");
  CHECK_THROWS_WITH(build::load_env_file(path), Catch::StartsWith(path + ":2: "));
  CHECK_THROWS_AS(build::load_env_file(dir.path() + "/missing.env"), RuntimeError);
}

// Debian version ordering and relation fields, against what dpkg --compare-versions says.
#include "debian/control.hpp"
#include "debian/version.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace rt;
using namespace rt::debian;

TEST_CASE("compare_versions orders as dpkg does") {
  // Each pair: first < second (checked with dpkg --compare-versions A lt B).
  const char* less[][2] = {{"1.0", "1.1"},
                           {"1.0~rc1", "1.0"},
                           {"1.0~~", "1.0~"},
                           {"1.0", "1.0a"},
                           {"1.0a", "1.0+"},
                           {"1:0.1", "2:0.0"},
                           {"9.9", "1:0"},
                           {"1.2-3", "1.2-10"},
                           {"1.2.3", "1.10"},
                           {"2.36-9+deb12u4", "2.36-9+deb12u10"},
                           {"3.0.11-1~deb12u2", "3.0.11-1"},
                           {"1.0-1", "1.0.1-1"}};
  for (const auto& p : less) {
    INFO(p[0] << " < " << p[1]);
    CHECK(compare_versions(p[0], p[1]) < 0);
    CHECK(compare_versions(p[1], p[0]) > 0);
  }
  CHECK(compare_versions("1.0", "1.0") == 0);
  CHECK(compare_versions("0:1.0", "1.0") == 0);
  CHECK(compare_versions("1.001", "1.1") == 0);
}

TEST_CASE("parse_relations reads groups, alternatives, versions and qualifiers") {
  auto groups = parse_relations("libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0,\n python3:any,"
                                " foo (<< 2), bar (= 1:1.0-1)",
                                "test");
  REQUIRE(groups.size() == 5);
  CHECK(groups[0][0].name == "libc6");
  CHECK(groups[0][0].op == Op::ge);
  CHECK(groups[0][0].version == "2.34");
  REQUIRE(groups[1].size() == 2);
  CHECK(groups[1][1].name == "debconf-2.0");
  CHECK(groups[2][0].name == "python3");
  CHECK(groups[3][0].satisfied_by(std::string("1.9")));
  CHECK_FALSE(groups[3][0].satisfied_by(std::string("2")));
  CHECK(groups[4][0].satisfied_by(std::string("1:1.0-1")));
  CHECK_FALSE(groups[4][0].satisfied_by(std::nullopt)); // an unversioned Provides
  CHECK(group_str(groups[1]) == "debconf (>= 0.5) | debconf-2.0");
  CHECK_THROWS_AS(parse_relations("foo (>= 1", "x"), RuntimeError);
  CHECK_THROWS_AS(parse_relations("foo (~ 1)", "x"), RuntimeError);
  CHECK_THROWS_AS(parse_relations("a b", "x"), RuntimeError);
}

TEST_CASE("parse_paragraphs reads fields, continuations and paragraphs") {
  std::vector<Paragraph> seen;
  std::string text =
      "Package: a\nDescription: one\n two\n\n\nPackage: b\nSHA256:\n x 1 f\n y 2 g\n";
  std::vector<std::string> values;
  parse_paragraphs(
      text,
      [&](const Paragraph& p) {
        values.push_back(std::string(p.get("package")) + "|" + std::string(p.get("Description")) +
                         "|" + std::to_string(value_lines(p.get("SHA256")).size()) + "|" +
                         std::to_string(p.line));
      },
      "t");
  REQUIRE(values.size() == 2);
  CHECK(values[0] == "a|one\n two|0|1");
  CHECK(values[1] == "b||2|6");
  CHECK_THROWS_WITH(parse_paragraphs(
                        " orphan\n", [](const Paragraph&) {}, "t"),
                    Catch::Contains("t:1:"));
  CHECK_THROWS_WITH(parse_paragraphs(
                        "a: b\nno colon\n", [](const Paragraph&) {}, "t"),
                    Catch::Contains("t:2:"));
}

// The bounds of limits.hpp (nesting, word size, a build's expansion work) and BuildKit's
// ProcessWords (expand_fields, for EXPOSE).
#include "dockerfile/expand.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace rt;
using namespace rt::dockerfile;

namespace {

using Strings = std::vector<std::string>;

// The message of the InputError `f` throws ("" if it does not throw).
template <class F> std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string nested(const std::string& open, int depth, const std::string& core) {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += open;
  s += core;
  return s + std::string(static_cast<size_t>(depth), '}');
}

} // namespace

TEST_CASE("expand_word: ${...} nesting is bounded, not the stack", "[limits]") {
  const VarMap none;
  // 64 levels are fine; 100,000 (which overflowed the stack) are refused with the location.
  CHECK(expand_word(nested("${A:-", kMaxExpansionNesting - 1, "x"), none, '\\', "D", 2) == "x");
  std::string deep = nested("${A:-", 100000, "x");
  std::string e = error_of([&] { expand_word(deep, none, '\\', "Dockerfile", 2); });
  CHECK_THAT(e, Catch::StartsWith("Dockerfile:2: failed to process \"${A:-${A:-"));
  CHECK_THAT(e, Catch::EndsWith("${...} nested more than 64 levels deep"));
  CHECK(e.size() < 600); // the word is quoted cut short, not whole
  // Inside double quotes and pattern operands as well.
  CHECK_THAT(
      error_of([&] { expand_word("\"" + nested("${A#", 5000, "") + "\"", none, '\\', "D", 1); }),
      Catch::EndsWith("nested more than 64 levels deep"));
}

TEST_CASE("expand_word: a word may grow by at most 1 MiB", "[limits]") {
  VarMap vars = {{"A", std::string(600 * 1024, 'a')}};
  CHECK(expand_word("$A", vars, '\\', "D", 1).size() == 600 * 1024);
  CHECK_THAT(
      error_of([&] { expand_word("$A$A", vars, '\\', "D", 4); }),
      Catch::StartsWith("D:4: failed to process \"$A$A\": variable expansion makes a word") &&
          Catch::EndsWith("(the limit is 1 MiB more than its text)"));
  CHECK_THAT(error_of([&] { expand_word("\"${A}x${A}\"", vars, '\\', "D", 4); }),
             Catch::Contains("the limit is 1 MiB"));
  CHECK_THAT(error_of([&] { expand_word("${A//a/bb}", vars, '\\', "D", 4); }),
             Catch::Contains("the limit is 1 MiB"));
  // A long text as written (a heredoc body) is not refused for its own length.
  std::string body(3 << 20, 'b');
  CHECK(expand_heredoc(body + "$A", vars, "D", 1).size() == body.size() + 600 * 1024);
}

TEST_CASE("ExpansionBudget: a build's expansion work is bounded", "[limits]") {
  VarMap vars = {{"A", std::string(512 * 1024, 'a')}};
  ExpansionBudget budget;
  // Each expansion alone is fine; together they pass the build's 64 Mi.
  int ok = 0;
  std::string e = error_of([&] {
    for (;; ++ok)
      expand_word("$A", vars, '\\', "Dockerfile", 7, &budget);
  });
  CHECK(ok >= 120);
  CHECK(ok <= 128);
  CHECK_THAT(e, Catch::StartsWith("Dockerfile:7: failed to process \"$A\": variable expansion "
                                  "exceeds its limit for a build"));
  // Without a shared budget each call has its own.
  CHECK(expand_word("$A", vars, '\\', "D", 1).size() == 512 * 1024);

  // Pattern matching is charged by the step: quadratic patterns on a big value stop early.
  auto start = std::chrono::steady_clock::now();
  CHECK_THAT(error_of([&] { expand_word("${A%%*b}", vars, '\\', "D", 3); }),
             Catch::Contains("exceeds its limit for a build"));
  CHECK_THAT(error_of([&] { expand_word("${A//*b/x}", vars, '\\', "D", 3); }),
             Catch::Contains("exceeds its limit for a build"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  // Cheap patterns on the same value are fine.
  CHECK(expand_word("${A%a}", vars, '\\', "D", 1).size() == 512 * 1024 - 1);
  CHECK(expand_word("${A#a}", vars, '\\', "D", 1).size() == 512 * 1024 - 1);
}

TEST_CASE("expand_fields: BuildKit's ProcessWords, as EXPOSE uses it", "[limits]") {
  auto fields = [](std::string_view text, const VarMap& vars) {
    return expand_fields(text, vars, '\\', "Dockerfile", 5);
  };
  const VarMap p = {{"P", "80 443/udp"}};
  CHECK(fields("$P 8080", p) == Strings{"80", "443/udp", "8080"});
  CHECK(fields("\"$P\"", p) == Strings{"80 443/udp"});
  CHECK(fields("x$P", p) == Strings{"x80", "443/udp"});
  CHECK(fields("", p).empty());
  // BuildKit's wordsTest (frontend/dockerfile/shell/wordsTest), one field each.
  const VarMap env = {
      {"hi", "hi"}, {"space", "abc  def"}, {"leading", "  ab c"}, {"trailing", "ab c   "}};
  struct Case {
    const char* in;
    Strings out;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"hello", {"hello"}},
           {"hello${hi}bye", {"hellohibye"}},
           {"hello${space}bye", {"helloabc", "defbye"}},
           {"hello\"${space}\"bye", {"helloabc  defbye"}},
           {"hello${leading}def", {"hello", "ab", "cdef"}},
           {"hello\"${leading}\"", {"hello  ab c"}},
           {"hello${leading}", {"hello", "ab", "c"}},
           {"hello${trailing}", {"helloab", "c"}},
           {"hello${trailing}d", {"helloab", "c", "d"}},
           {"hello\"${trailing}\"d", {"helloab c   d"}},
           {"hel\"lo${trailing}\"", {"helloab c   "}},
           {"hello\\ there", {"hello", "there"}}, // a blank splits the field before any escape
           {"hello\"\\\\there\"", {"hello\\there"}},
           {"hello\"\\there\"", {"hello\\there"}},
           {"hello'\\\\there'", {"hello\\\\there"}},
           {"hello'$there'", {"hello$there"}},
       }) {
    INFO(c.in);
    CHECK(fields(c.in, env) == c.out);
  }
  // Fields are cut at blanks first, quotes or not (parseStringsWhitespaceDelimited).
  CHECK_THAT(error_of([&] { fields("\"a b\"", env); }),
             Catch::Contains("looking for matching double-quote"));
}

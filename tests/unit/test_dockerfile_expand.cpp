#include "dockerfile/expand.hpp"
#include "dockerfile/parser.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace rt;
using namespace rt::dockerfile;

namespace {

const VarMap kVars = {{"A", "alpha"},
                      {"EMPTY", ""},
                      {"SP", "x  y"},
                      {"V", "v1.2.3"},
                      {"PATH_", "/usr/local/bin/tool.tar.gz"},
                      {"Q", "it's"}};

std::string ex(std::string_view word, char escape = '\\') {
  return expand_word(word, kVars, escape, "Dockerfile", 3);
}

// The message of the InputError that expanding `word` throws ("" if it does not throw).
std::string ex_error(std::string_view word) {
  try {
    ex(word);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

using Strings = std::vector<std::string>;

Instruction instruction(const std::string& keyword, const std::string& rest, int line = 7) {
  Instruction ins;
  ins.keyword = keyword;
  ins.rest = rest;
  ins.line = line;
  return ins;
}

std::string kv_error(const Instruction& ins, KeyValueForm form, const VarMap& vars = kVars) {
  try {
    parse_key_values(ins, vars, '\\', "Dockerfile", form);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("dockerfile::expand_word") {
  SECTION("plain variables") {
    CHECK(ex("hello") == "hello");
    CHECK(ex("$A") == "alpha");
    CHECK(ex("${A}") == "alpha");
    CHECK(ex("pre-${A}-post") == "pre-alpha-post");
    CHECK(ex("$A.txt") == "alpha.txt");
    CHECK(ex("$Ab") == "");        // the name is "Ab", unset
    CHECK(ex("$UNSET/x") == "/x"); // unset expands to ""
    CHECK(ex("${SP}") == "x  y");  // whitespace kept: one word
    CHECK(ex("a$") == "a$");       // a lone $ is literal
    CHECK(ex("$ a") == "$ a");
    CHECK(ex("$1x") == "x"); // positional parameter: unset
    CHECK(ex("$$") == "");   // special parameter $$: unset
  }

  SECTION("default, alternative and required forms") {
    CHECK(ex("${A:-d}") == "alpha");
    CHECK(ex("${EMPTY:-d}") == "d");
    CHECK(ex("${UNSET:-d}") == "d");
    CHECK(ex("${A-d}") == "alpha");
    CHECK(ex("${EMPTY-d}") == "");
    CHECK(ex("${UNSET-d}") == "d");
    CHECK(ex("${A:+w}") == "w");
    CHECK(ex("${EMPTY:+w}") == "");
    CHECK(ex("${UNSET:+w}") == "");
    CHECK(ex("${A+w}") == "w");
    CHECK(ex("${EMPTY+w}") == "w");
    CHECK(ex("${UNSET+w}") == "");
    CHECK(ex("${A:?msg}") == "alpha");
    CHECK(ex("${EMPTY?msg}") == "");
    CHECK(ex("${UNSET:-}") == "");
    CHECK(ex_error("${UNSET:?must be set}") ==
          "Dockerfile:3: failed to process \"${UNSET:?must be set}\": UNSET: must be set");
    CHECK_THAT(ex_error("${EMPTY:?}"), Catch::EndsWith("EMPTY: is not allowed to be empty"));
    CHECK_THAT(ex_error("${UNSET?}"), Catch::EndsWith("UNSET: is not allowed to be unset"));
    CHECK_THAT(ex_error("${UNSET?no $A}"), Catch::EndsWith("UNSET: no alpha"));
  }

  SECTION("nested operands") {
    CHECK(ex("${UNSET:-${A}}") == "alpha");
    CHECK(ex("${UNSET:-${NOPE:-deep}}") == "deep");
    CHECK(ex("${A:+-${A}}") == "-alpha");
    CHECK(ex("${UNSET:-\"x y\"}") == "x y");
    CHECK(ex("${UNSET:-'}'}") == "}");
    CHECK(ex("${UNSET:-a\\}b}") == "a}b");
    CHECK(ex("x-${V:+${V}-}${UNSET:+no}end") == "x-v1.2.3-end");
  }

  SECTION("quotes") {
    CHECK(ex("'$A'") == "$A");     // single quotes are literal
    CHECK(ex("'a\\b'") == "a\\b"); // even the escape char
    CHECK(ex("\"$A and ${A}\"") == "alpha and alpha");
    CHECK(ex("\"'$A'\"") == "'alpha'");
    CHECK(ex("\"a\\\"b\"") == "a\"b"); // \" \$ \\ are escapes in double quotes
    CHECK(ex("\"\\$A\"") == "$A");
    CHECK(ex("\"a\\\\b\"") == "a\\b");
    CHECK(ex("\"a\\nb\"") == "a\\nb"); // other backslashes stay
    CHECK(ex("a\"b c\"'d e'") == "ab cd e");
    CHECK(ex("\"\"") == "");
    CHECK(ex("\"$Q\"") == "it's");
  }

  SECTION("escape character") {
    CHECK(ex("\\$A") == "$A");
    CHECK(ex("a\\ b") == "a b");
    CHECK(ex("\\'x") == "'x");
    CHECK(ex("\\\\") == "\\");
    CHECK(ex("abc\\") == "abc");             // a trailing escape is dropped
    CHECK(ex("`$A", '`') == "$A");           // with "# escape=`"
    CHECK(ex("c:\\$A", '`') == "c:\\alpha"); // backslash is then ordinary
    CHECK(ex("\"`\"\"", '`') == "\"");
  }

  SECTION("pattern removal and replacement") {
    CHECK(ex("${V#v}") == "1.2.3");
    CHECK(ex("${V#x}") == "v1.2.3");
    CHECK(ex("${PATH_#*/}") == "usr/local/bin/tool.tar.gz");
    CHECK(ex("${PATH_##*/}") == "tool.tar.gz");
    CHECK(ex("${PATH_%.*}") == "/usr/local/bin/tool.tar");
    CHECK(ex("${PATH_%%.*}") == "/usr/local/bin/tool");
    CHECK(ex("${V%.?}") == "v1.2");
    CHECK(ex("${V#}") == "v1.2.3");
    CHECK(ex("${UNSET#x}") == "");
    CHECK(ex("${V/./-}") == "v1-2.3");
    CHECK(ex("${V//./-}") == "v1-2-3");
    CHECK(ex("${PATH_//\\//:}") == ":usr:local:bin:tool.tar.gz");
    CHECK(ex("${V/#/x}") == "v1.2.3"); // '#' is an ordinary char of the pattern here
    CHECK(ex("${V/$EMPTY/>}") == ">v1.2.3");
    CHECK(ex("${V///}") == "v1.2.3");
    CHECK(expand_word("${F#\\*\\?}", {{"F", "*?x"}}, '\\', "D", 1) == "x");
    CHECK(expand_word("${F%%\\**\\*}", {{"F", "a***yy*"}}, '\\', "D", 1) == "a");
    CHECK(expand_word("${F#*x*y}", {{"F", "xxyy"}}, '\\', "D", 1) == "y");
  }

  SECTION("malformed words") {
    CHECK(ex_error("\"abc") == "Dockerfile:3: failed to process \"\"abc\": unexpected end of "
                               "statement while looking for matching double-quote");
    CHECK_THAT(ex_error("'abc"), Catch::EndsWith("looking for matching single-quote"));
    CHECK_THAT(ex_error("${}"), Catch::EndsWith("syntax error: bad substitution"));
    CHECK_THAT(ex_error("${:-x}"), Catch::EndsWith("syntax error: bad substitution"));
    CHECK_THAT(ex_error("${{A}}"), Catch::EndsWith("syntax error: bad substitution"));
    CHECK_THAT(ex_error("${"), Catch::EndsWith("syntax error: missing '}'"));
    CHECK_THAT(ex_error("${A"), Catch::EndsWith("syntax error: missing '}'"));
    CHECK_THAT(ex_error("${A:-abc"), Catch::EndsWith("syntax error: missing '}'"));
    CHECK_THAT(ex_error("${A:-\"abc}"), Catch::EndsWith("syntax error: missing '}'"));
    CHECK_THAT(ex_error("${A=x}"), Catch::EndsWith("unsupported modifier (=) in substitution"));
    CHECK_THAT(ex_error("${A:=x}"), Catch::EndsWith("unsupported modifier (:=) in substitution"));
    CHECK_THAT(ex_error("${A/x"), Catch::EndsWith("syntax error: missing '/' in ${}"));
    CHECK_THAT(ex_error("${A/x/y"), Catch::EndsWith("syntax error: missing '}'"));
    CHECK_THAT(ex_error("${A#\\x}"), Catch::Contains("invalid pattern"));
  }
}

TEST_CASE("dockerfile::expand_words") {
  auto words = [](std::string_view text, char escape = '\\') {
    return expand_words(text, kVars, escape, "Dockerfile", 9);
  };
  CHECK(words("a b\t c ") == Strings{"a", "b", "c"});
  CHECK(words("").empty());
  CHECK(words("   ").empty());
  CHECK(words("\"a b\" 'c d'") == Strings{"a b", "c d"});
  CHECK(words("a\\ b c") == Strings{"a b", "c"});
  CHECK(words("a` b c", '`') == Strings{"a b", "c"});
  CHECK(words("$SP /dst") == Strings{"x  y", "/dst"}); // a value never splits
  CHECK(words("\"\" x ''") == Strings{"", "x", ""});   // quoted empty words are kept
  CHECK(words("$UNSET x") == Strings{"", "x"});        // one result per word
  // Split first, as BuildKit splits COPY/ADD arguments before expanding each one.
  CHECK_THROWS_WITH(words("${UNSET:-a b}"), Catch::EndsWith("syntax error: missing '}'"));
  CHECK(words("pre\"$A x\"post $A") == Strings{"prealpha xpost", "alpha"});
  try {
    words("ok \"open");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "Dockerfile:9: failed to process \"\"open\": unexpected end of "
                                   "statement while looking for matching double-quote");
  }
}

TEST_CASE("dockerfile::expand_keeping_quotes (heredoc bodies)") {
  const VarMap vars = {{"X", "1"}};
  CHECK(expand_keeping_quotes("a \"$X\" '$X' \\$X ${X}\n\tb\n", vars, '\\', "D", 1) ==
        "a \"1\" '$X' $X 1\n\tb\n");
  CHECK(expand_keeping_quotes("`$X $X", vars, '`', "D", 1) == "$X 1");
  CHECK_THROWS_WITH(expand_keeping_quotes("don't\n", vars, '\\', "D", 4),
                    Catch::StartsWith("D:4: failed to process"));
}

TEST_CASE("dockerfile::expand_heredoc (COPY/ADD bodies, as BuildKit's ExpandRaw)") {
  const VarMap vars = {{"X", "1"}};
  // Quotes are ordinary characters: no quote ends or protects anything.
  CHECK(expand_heredoc("a \"$X\" '$X' don't ${X}\n", vars, "D", 1) == "a \"1\" '1' don't 1\n");
  // '\\' escapes the next character and is dropped; an unset variable is empty.
  CHECK(expand_heredoc("\\$X c:\\\\d $UNSET.\n", vars, "D", 1) == "$X c:\\d .\n");
  CHECK(expand_heredoc("${X:-z} ${Y:-z}", vars, "D", 1) == "1 z");
  CHECK_THROWS_WITH(expand_heredoc("${X\n", vars, "D", 4),
                    Catch::StartsWith("D:4: failed to process heredoc"));
}

TEST_CASE("dockerfile::split_raw_words") {
  CHECK(split_raw_words("a \"b c\" 'd\\' e'", '\\') == Strings{"a", "\"b c\"", "'d\\'", "e'"});
  CHECK(split_raw_words("a\\ b \"\"", '\\') == Strings{"a\\ b", "\"\""});
  CHECK(split_raw_words("x\\", '\\') == Strings{"x"});
  CHECK(split_raw_words("\"a\\\" b\" c", '\\') == Strings{"\"a\\\" b\"", "c"});
}

TEST_CASE("dockerfile::parse_key_values") {
  auto kvs = [](const Instruction& ins, KeyValueForm form, const VarMap& vars = kVars) {
    std::vector<std::tuple<std::string, std::string, bool>> out;
    for (const auto& kv : parse_key_values(ins, vars, '\\', "Dockerfile", form))
      out.emplace_back(kv.key, kv.value, kv.has_value);
    return out;
  };
  using T = std::vector<std::tuple<std::string, std::string, bool>>;
  const auto env = KeyValueForm::env_or_label;
  const auto arg = KeyValueForm::arg;

  SECTION("ENV key=value pairs") {
    CHECK(kvs(instruction("ENV", "K=V K2=\"v 2\" K3=a\\ b K4= K5=''"), env) ==
          T{{"K", "V", true},
            {"K2", "v 2", true},
            {"K3", "a b", true},
            {"K4", "", true},
            {"K5", "", true}});
    CHECK(kvs(instruction("ENV", "P=$A/bin:${UNSET:-/usr} Q='$A'"), env) ==
          T{{"P", "alpha/bin:/usr", true}, {"Q", "$A", true}});
    CHECK(kvs(instruction("ENV", "X=a=b"), env) == T{{"X", "a=b", true}});
  }

  SECTION("all pairs of one instruction see the same variables") {
    CHECK(kvs(instruction("ENV", "A=new B=$A"), env) ==
          T{{"A", "new", true}, {"B", "alpha", true}});
  }

  SECTION("legacy ENV KEY value form") {
    CHECK(kvs(instruction("ENV", "KEY value with  spaces"), env) ==
          T{{"KEY", "value with  spaces", true}});
    CHECK(kvs(instruction("ENV", "KEY \"quoted  part\" $A"), env) ==
          T{{"KEY", "quoted  part alpha", true}});
    CHECK(kvs(instruction("ENV", "KEY\tvalue=with=equals"), env) ==
          T{{"KEY", "value=with=equals", true}});
  }

  SECTION("LABEL expands keys and values") {
    CHECK(kvs(instruction("LABEL", "\"com.example.name\"=\"a b\" ${A}.key=v"), env) ==
          T{{"com.example.name", "a b", true}, {"alpha.key", "v", true}});
  }

  SECTION("ARG forms") {
    CHECK(kvs(instruction("ARG", "NAME"), arg) == T{{"NAME", "", false}});
    CHECK(kvs(instruction("ARG", "A B=1 C= D=\"x y\" E=${V#v}"), arg) == T{{"A", "", false},
                                                                           {"B", "1", true},
                                                                           {"C", "", true},
                                                                           {"D", "x y", true},
                                                                           {"E", "1.2.3", true}});
  }

  SECTION("escape=` in values") {
    auto pairs = parse_key_values(instruction("ENV", "W=c:\\dir` x"), {}, '`', "D",
                                  KeyValueForm::env_or_label);
    REQUIRE(pairs.size() == 1);
    CHECK(pairs[0].value == "c:\\dir x");
  }

  SECTION("errors are located at the instruction's line") {
    CHECK(kv_error(instruction("ENV", "FOO"), env) == "Dockerfile:7: ENV must have two arguments");
    CHECK(kv_error(instruction("LABEL", "x", 4), env) ==
          "Dockerfile:4: LABEL must have two arguments");
    CHECK(kv_error(instruction("ENV", ""), env) ==
          "Dockerfile:7: ENV requires at least one argument");
    CHECK(kv_error(instruction("ARG", ""), arg) ==
          "Dockerfile:7: ARG requires at least one argument");
    CHECK(kv_error(instruction("ENV", "A=1 B"), env) ==
          "Dockerfile:7: Syntax error - can't find = in \"B\". Must be of the form: name=value");
    CHECK(kv_error(instruction("ENV", "A=1 =2"), env) ==
          "Dockerfile:7: ENV names can not be blank");
    CHECK(kv_error(instruction("ARG", "=2"), arg) == "Dockerfile:7: ARG names can not be blank");
    CHECK(kv_error(instruction("ENV", "$EMPTY=x"), env) ==
          "Dockerfile:7: ENV names can not be blank");
    CHECK(kv_error(instruction("ARG", "${UNSET}"), arg) ==
          "Dockerfile:7: ARG names can not be blank");
    CHECK(kv_error(instruction("ENV", "A=\"x"), env) ==
          "Dockerfile:7: failed to process \"\"x\": unexpected end of statement while looking "
          "for matching double-quote");
    CHECK_THAT(kv_error(instruction("ARG", "A=${R:?required}"), arg),
               Catch::EndsWith("R: required"));
  }

  SECTION("from a parsed Dockerfile") {
    auto df = parse("FROM a\nENV A=1 \\\n    B=\"two words\"\n", "Dockerfile");
    CHECK(kvs(df.instructions[1], env) == T{{"A", "1", true}, {"B", "two words", true}});
  }
}

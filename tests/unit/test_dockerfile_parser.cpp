#include "dockerfile/parser.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace rt;
using namespace rt::dockerfile;

namespace {

// The message of the InputError that parsing `text` throws ("" if it does not throw).
std::string parse_error(const std::string& text) {
  try {
    parse(text, "Dockerfile");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

using Flags = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("dockerfile::parse") {
  SECTION("instructions, keywords case-insensitive, lines and rest") {
    auto df = parse("FROM alpine:3.19 AS build\n\nrun echo hi\n  Copy a b\n", "dir/Dockerfile");
    CHECK(df.path == "dir/Dockerfile");
    CHECK(df.escape == '\\');
    REQUIRE(df.instructions.size() == 3);
    CHECK(df.instructions[0].keyword == "FROM");
    CHECK(df.instructions[0].line == 1);
    CHECK(df.instructions[0].rest == "alpine:3.19 AS build");
    CHECK(df.instructions[1].keyword == "RUN");
    CHECK(df.instructions[1].line == 3);
    CHECK(df.instructions[1].rest == "echo hi");
    CHECK(df.instructions[1].original == "run echo hi");
    CHECK(df.instructions[2].keyword == "COPY");
    CHECK(df.instructions[2].line == 4);
    CHECK(df.instructions[2].original == "Copy a b");
  }

  SECTION("ARG before FROM is kept in order") {
    auto df = parse("ARG BASE=alpine\nFROM $BASE\n", "Dockerfile");
    REQUIRE(df.instructions.size() == 2);
    CHECK(df.instructions[0].keyword == "ARG");
    CHECK(df.instructions[0].rest == "BASE=alpine");
    CHECK(df.instructions[1].rest == "$BASE");
  }

  SECTION("every known keyword is accepted") {
    auto df = parse("FROM a\nRUN x\nCMD x\nLABEL a=b\nMAINTAINER me\nEXPOSE 80\nENV A=b\n"
                    "ADD a b\nCOPY a b\nENTRYPOINT x\nVOLUME /v\nUSER u\nWORKDIR /w\nARG A\n"
                    "ONBUILD RUN x\nSTOPSIGNAL TERM\nHEALTHCHECK NONE\nSHELL [\"sh\"]\n",
                    "Dockerfile");
    CHECK(df.instructions.size() == 18);
    CHECK(is_known_keyword("HEALTHCHECK"));
    CHECK_FALSE(is_known_keyword("from"));
  }

  SECTION("parser directives") {
    auto df = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n", "Dockerfile");
    CHECK(df.escape == '`');
    CHECK(df.instructions.size() == 1);
    CHECK(df.instructions[0].line == 3);

    CHECK(parse("#ESCAPE = `\nFROM a\n", "Dockerfile").escape == '`');       // case, blanks
    CHECK(parse("# check=skip=all\n# escape=`\nFROM a", "D").escape == '`'); // known directive
    // After a comment, a blank line or an unknown directive, it is only a comment.
    CHECK(parse("# hello\n# escape=`\nFROM a\n", "D").escape == '\\');
    CHECK(parse("\n# escape=`\nFROM a\n", "D").escape == '\\');
    CHECK(parse("# foo=bar\n# escape=`\nFROM a\n", "D").escape == '\\');
    CHECK(parse("FROM a\n# escape=`\nRUN x\n", "D").escape == '\\');

    CHECK(parse_error("# escape=x\nFROM a\n") ==
          "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
    CHECK(parse_error("# syntax=a\n# escape=`\n# escape=`\nFROM a\n") ==
          "Dockerfile:3: only one escape parser directive can be used");
  }

  SECTION("escape=` makes backslash ordinary and ` the continuation") {
    auto df = parse("# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo hi\nCOPY c:\\ d\\\n", "D");
    REQUIRE(df.instructions.size() == 3);
    CHECK(df.instructions[1].rest == "dir c:\\   && echo hi");
    CHECK(df.instructions[2].rest == "c:\\ d\\");
    CHECK(df.instructions[2].line == 5);
  }

  SECTION("continuations join with no separator and keep indentation") {
    auto df = parse("FROM a\nRUN apt-get update \\\n    && echo a\\\nb \\  \n c\n", "D");
    REQUIRE(df.instructions.size() == 2);
    CHECK(df.instructions[1].line == 2);
    CHECK(df.instructions[1].rest == "apt-get update     && echo ab  c");
    CHECK(df.instructions[1].original == "RUN apt-get update     && echo ab  c");
  }

  SECTION("comments and blank lines inside a continuation are dropped") {
    auto df =
        parse("FROM a\nRUN a \\\n# comment\n   # indented comment\n\n  \\\n  b\nUSER u\n", "D");
    REQUIRE(df.instructions.size() == 3);
    CHECK(df.instructions[1].rest == "a     b");
    CHECK(df.instructions[2].keyword == "USER");
    CHECK(df.instructions[2].line == 8);
  }

  SECTION("an escaped escape at the end is no continuation") {
    auto df = parse("FROM a\nRUN echo \\\\\nUSER u\n", "D");
    REQUIRE(df.instructions.size() == 3);
    CHECK(df.instructions[1].rest == "echo \\\\");
  }

  SECTION("a continuation at the end of the file is accepted") {
    auto df = parse("FROM a\nRUN echo hi \\", "D");
    REQUIRE(df.instructions.size() == 2);
    CHECK(df.instructions[1].rest == "echo hi");
  }

  SECTION("CRLF line endings and a byte-order mark") {
    auto df = parse("\xEF\xBB\xBF# escape=`\r\nFROM a\r\nRUN a `\r\n b\r\n", "D");
    CHECK(df.escape == '`');
    REQUIRE(df.instructions.size() == 2);
    CHECK(df.instructions[0].rest == "a");
    CHECK(df.instructions[1].rest == "a  b");
  }

  SECTION("flags") {
    auto df = parse("FROM --platform=linux/amd64 a\n"
                    "COPY --from=build --link --chmod=755 src dst\n"
                    "COPY --chown=\"a b\" -- --weird dst\n"
                    "HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://x/\n"
                    "COPY -x y\n",
                    "D");
    REQUIRE(df.instructions.size() == 5);
    CHECK(df.instructions[0].flags == Flags{{"platform", "linux/amd64"}});
    CHECK(df.instructions[0].rest == "a");
    CHECK(df.instructions[1].flags == Flags{{"from", "build"}, {"link", ""}, {"chmod", "755"}});
    CHECK(df.instructions[1].rest == "src dst");
    CHECK(df.instructions[2].flags == Flags{{"chown", "a b"}});
    CHECK(df.instructions[2].rest == "--weird dst");
    CHECK(df.instructions[3].flags == Flags{{"interval", "5s"}, {"retries", "3"}});
    CHECK(df.instructions[3].rest == "CMD curl -f http://x/");
    CHECK_FALSE(df.instructions[3].json_form);
    CHECK(df.instructions[4].flags.empty());
    CHECK(df.instructions[4].rest == "-x y");
    CHECK(parse_error("FROM a\nCOPY --=x a b\n") == "Dockerfile:2: missing flag name in \"--=x\"");
  }

  SECTION("JSON (exec) form versus shell form") {
    auto df = parse("FROM a\nCMD [\"echo\", \"a b\"]\nENTRYPOINT [ \"x\" ] \n"
                    "RUN [not json]\nCOPY [\"a b\", \"/c\"]\nVOLUME [\"/v\"]\nCMD []\n"
                    "CMD [\"a\"] trailing\nHEALTHCHECK CMD [\"curl\", \"-f\"]\nLABEL a=[\"b\"]\n",
                    "D");
    REQUIRE(df.instructions.size() == 10);
    CHECK(df.instructions[1].json_form);
    CHECK(df.instructions[1].json_args == Strings{"echo", "a b"});
    CHECK(df.instructions[1].rest == "[\"echo\", \"a b\"]");
    CHECK(df.instructions[2].json_args == Strings{"x"});
    CHECK_FALSE(df.instructions[3].json_form);
    CHECK(df.instructions[3].rest == "[not json]");
    CHECK(df.instructions[4].json_args == Strings{"a b", "/c"});
    CHECK(df.instructions[5].json_args == Strings{"/v"});
    CHECK(df.instructions[6].json_form);
    CHECK(df.instructions[6].json_args.empty());
    CHECK_FALSE(df.instructions[7].json_form);
    CHECK(df.instructions[8].json_form);
    CHECK(df.instructions[8].json_args == Strings{"curl", "-f"});
    CHECK(df.instructions[8].rest == "CMD [\"curl\", \"-f\"]");
    CHECK_FALSE(df.instructions[9].json_form); // LABEL never takes JSON
    CHECK(parse_error("FROM a\nCMD [\"a\", 1]\n") ==
          "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
  }

  SECTION("RUN, CMD and ENTRYPOINT may be empty") {
    auto df = parse("FROM a\nCMD\nENTRYPOINT\nRUN\n", "D");
    REQUIRE(df.instructions.size() == 4);
    CHECK(df.instructions[1].rest.empty());
    CHECK_FALSE(df.instructions[1].json_form);
  }

  SECTION("HEALTHCHECK") {
    CHECK(parse("FROM a\nHEALTHCHECK none\n", "D").instructions[1].rest == "none");
    CHECK(parse_error("FROM a\nHEALTHCHECK NONE x\n") ==
          "Dockerfile:2: HEALTHCHECK NONE takes no arguments");
    CHECK(parse_error("FROM a\nHEALTHCHECK RUN x\n") ==
          "Dockerfile:2: Unknown type \"RUN\" in HEALTHCHECK (try CMD)");
    CHECK(parse_error("FROM a\nHEALTHCHECK --interval=1s CMD\n") ==
          "Dockerfile:2: Missing command after HEALTHCHECK CMD");
    CHECK(parse_error("FROM a\nHEALTHCHECK CMD []\n") ==
          "Dockerfile:2: Missing command after HEALTHCHECK CMD");
  }

  SECTION("SHELL requires JSON") {
    auto df = parse("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n", "D");
    CHECK(df.instructions[1].json_args == Strings{"/bin/bash", "-c"});
    CHECK(parse_error("FROM a\nSHELL /bin/bash -c\n") ==
          "Dockerfile:2: SHELL requires the arguments to be in JSON form");
    CHECK(parse_error("FROM a\nSHELL []\n") ==
          "Dockerfile:2: SHELL requires at least one argument");
  }

  SECTION("heredocs: bodies up to their terminators, in order") {
    auto df = parse("FROM a\nCOPY <<EOF /x\nhello $NAME\n\n# not a comment\nEOF\nCOPY f /g\n", "D");
    REQUIRE(df.instructions.size() == 3);
    const auto& copy = df.instructions[1];
    CHECK(copy.rest == "<<EOF /x");
    REQUIRE(copy.heredocs.size() == 1);
    CHECK(copy.heredocs[0].name == "EOF");
    CHECK(copy.heredocs[0].content == "hello $NAME\n\n# not a comment\n");
    CHECK(copy.heredocs[0].expand);
    CHECK_FALSE(copy.heredocs[0].chomp);
    CHECK(df.instructions[2].line == 7);

    // Several on one line, read in order; quoted words do not expand; an empty body.
    df =
        parse("FROM a\nCOPY --chmod=644 <<a <<'b' <<\"c d\" /dir/\n1\na\n2\nb\nc d\nUSER x\n", "D");
    REQUIRE(df.instructions.size() == 3);
    const auto& docs = df.instructions[1].heredocs;
    REQUIRE(docs.size() == 3);
    CHECK((docs[0].name == "a" && docs[0].content == "1\n" && docs[0].expand));
    CHECK((docs[1].name == "b" && docs[1].content == "2\n" && !docs[1].expand));
    CHECK((docs[2].name == "c d" && docs[2].content.empty() && !docs[2].expand));
    CHECK(df.instructions[2].line == 8);

    // "<<-" strips leading tabs from the body and the terminator; CRLF lines end too.
    df = parse("FROM a\nADD <<-EOT /x\n\t\tone\n\ttwo\t\n\tEOT\nCOPY <<E /y\r\nz\r\nE\r\n", "D");
    REQUIRE(df.instructions.size() == 3);
    CHECK(df.instructions[1].heredocs[0].chomp);
    CHECK(df.instructions[1].heredocs[0].content == "one\ntwo\t\n");
    CHECK(df.instructions[2].heredocs[0].content == "z\r\n");

    // RUN's body is consumed too (RUN itself is refused when building); so are ONBUILD's.
    df = parse("FROM a\nRUN cat 0<<X > f\nFROM b\nX\nONBUILD ADD <<Y /y\nY\nUSER u\n", "D");
    REQUIRE(df.instructions.size() == 4);
    CHECK(df.instructions[1].heredocs[0].content == "FROM b\n");
    CHECK(df.instructions[3].line == 7);

    CHECK(parse_error("FROM a\nCOPY <<EOF /x\nhello\n") ==
          "Dockerfile:2: unterminated heredoc <<EOF");
    CHECK(parse_error("FROM a\nCOPY <<a <<b /x\na\nb \n") ==
          "Dockerfile:2: unterminated heredoc <<b");
    CHECK(parse_error("FROM a\nCOPY <<EOF /x\n\tEOF\n") ==
          "Dockerfile:2: unterminated heredoc <<EOF");

    // Not heredocs: quoted, here-strings, glued to a word, JSON form, other instructions.
    df = parse("FROM a\nRUN echo '<<EOF'\nRUN cat <<<word\nRUN a<<b\nCMD [\"<<EOF\"]\n"
               "LABEL x=<<EOF\nCOPY [\"<<EOF\", \"/x\"]\n",
               "D");
    REQUIRE(df.instructions.size() == 7);
    for (const auto& ins : df.instructions)
      CHECK(ins.heredocs.empty());
  }

  SECTION("ENV, LABEL and ARG syntax is checked at parse time") {
    CHECK(parse_error("FROM a\nENV FOO\n") == "Dockerfile:2: ENV must have two arguments");
    CHECK(parse_error("FROM a\nLABEL a=b c\n") ==
          "Dockerfile:2: Syntax error - can't find = in \"c\". Must be of the form: name=value");
    CHECK(parse_error("FROM a\nENV =x\n") == "Dockerfile:2: ENV names can not be blank");
    CHECK(parse_error("ARG A=1 =2\nFROM a\n") == "Dockerfile:1: ARG names can not be blank");
  }

  SECTION("ONBUILD triggers") {
    auto df = parse("FROM a\nONBUILD RUN echo hi\n", "D");
    CHECK(df.instructions[1].rest == "RUN echo hi");
    CHECK(parse_error("FROM a\nONBUILD ONBUILD RUN x\n") ==
          "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    CHECK(parse_error("FROM a\nONBUILD from b\n") ==
          "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  }

  SECTION("errors carry the instruction's first line") {
    CHECK(parse_error("FROM a\n\n# c\nFOO bar\n") == "Dockerfile:4: unknown instruction: FOO");
    CHECK(parse_error("FROM a\nfoo \\\n bar\n") == "Dockerfile:2: unknown instruction: foo");
    CHECK(parse_error("FROM a\nCOPY \\\n\n# c\n") ==
          "Dockerfile:2: COPY requires at least two arguments");
    CHECK(parse_error("FROM\n") == "Dockerfile:1: FROM requires either one or three arguments");
    CHECK(parse_error("FROM a\nWORKDIR\n") ==
          "Dockerfile:2: WORKDIR requires exactly one argument");
    CHECK(parse_error("FROM a\nEXPOSE   \n") ==
          "Dockerfile:2: EXPOSE requires at least one argument");
    CHECK(parse_error("FROM a\nCOPY --from=b\n") ==
          "Dockerfile:2: COPY requires at least two arguments");
    CHECK(parse_error("") == "Dockerfile:1: file with no instructions");
    CHECK(parse_error("# only\n\n  # comments\n") == "Dockerfile:3: file with no instructions");
  }
}

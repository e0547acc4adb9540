#include "release/json_located.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>
#include <string>

using namespace rt;
using namespace rt::release;

namespace {

JsonValue parse(std::string_view text) {
  return parse_json_located(text, "f.json");
}

// The InputError message for text, or "no error".
std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

SourceLocation at(int line, int column) {
  return SourceLocation{line, column};
}

} // namespace

TEST_CASE("parse_json_located: scalars", "[json_located]") {
  CHECK(parse("true").as_bool());
  CHECK_FALSE(parse(" false ").as_bool());
  CHECK(parse("null").is(JsonType::null));
  CHECK(parse("0").number_text() == "0");
  CHECK(parse("-1.5e+3").number_text() == "-1.5e+3");
  CHECK(parse("-1.5e+3").as_double() == -1500.0);
  CHECK(parse("1E400").as_double() == std::numeric_limits<double>::infinity());
  CHECK(parse("\"x\"").as_string() == "x");
  CHECK(parse("  \n  42").location() == at(2, 3));
}

TEST_CASE("parse_json_located: every value knows where it starts", "[json_located]") {
  JsonValue root = parse("{\n"
                         "  \"name\": \"lana\",\n"
                         "  \"tags\": [\"a\",\n"
                         "           \"b\"],\n"
                         "  \"x\": {\"y\": null}\n"
                         "}\n");
  REQUIRE(root.is(JsonType::object));
  CHECK(root.location() == at(1, 1));
  const auto& members = root.members();
  REQUIRE(members.size() == 3);
  CHECK(members[0].key == "name"); // source order kept
  CHECK(members[1].key == "tags");
  CHECK(members[2].key == "x");
  CHECK(members[0].key_location == at(2, 3));
  CHECK(members[0].value.location() == at(2, 11));
  const JsonMember* tags = root.find("tags");
  REQUIRE(tags);
  CHECK(tags->value.location() == at(3, 11));
  REQUIRE(tags->value.items().size() == 2);
  CHECK(tags->value.items()[0].location() == at(3, 12));
  CHECK(tags->value.items()[1].location() == at(4, 12));
  CHECK(tags->value.items()[1].as_string() == "b");
  CHECK(root.find("x")->value.find("y")->value.location() == at(5, 14));
  CHECK(root.find("missing") == nullptr);
}

TEST_CASE("parse_json_located: columns count characters, lines end at \\n", "[json_located]") {
  // "é" is two bytes and one column; "😀" four bytes and one column.
  JsonValue v = parse("{\"é😀\": 1, \"b\": 2}");
  CHECK(v.find("b")->key_location == at(1, 11));
  CHECK(v.find("b")->value.location() == at(1, 16));
  // CRLF: the \r is trailing whitespace on its line.
  JsonValue crlf = parse("{\r\n\"a\":\r\n 1}");
  CHECK(crlf.find("a")->key_location == at(2, 1));
  CHECK(crlf.find("a")->value.location() == at(3, 2));
  // A leading byte order mark is skipped and takes no column.
  CHECK(parse("\xEF\xBB\xBF[1]").items()[0].location() == at(1, 2));
}

TEST_CASE("parse_json_located: strings", "[json_located]") {
  CHECK(parse(R"("a\"b\\c\/d\b\f\n\r\t")").as_string() == "a\"b\\c/d\b\f\n\r\t");
  CHECK(parse(R"("\u00e9\u20AC")").as_string() == "é€");
  CHECK(parse(R"("\ud83d\ude00")").as_string() == "😀");
  CHECK(parse("\"raw é 😀\"").as_string() == "raw é 😀");
  CHECK(parse(R"("nul:\u0000.")").as_string() == std::string("nul:\0.", 6));
  CHECK(parse(R"("")").as_string().empty());
}

TEST_CASE("parse_json_located: containers", "[json_located]") {
  CHECK(parse("[]").items().empty());
  CHECK(parse("{}").members().empty());
  CHECK(parse("[ [ ] , { } ]").items().size() == 2);
  std::string deep = std::string(512, '[') + std::string(512, ']');
  CHECK(parse(deep).is(JsonType::array));
}

TEST_CASE("JsonValue accessors check the type", "[json_located]") {
  JsonValue v = parse("[1]");
  CHECK_THROWS_AS(v.as_string(), std::logic_error);
  CHECK_THROWS_AS(v.members(), std::logic_error);
  CHECK_THROWS_AS(v.items()[0].as_bool(), std::logic_error);
  CHECK(std::string(json_type_name(JsonType::number)) == "a number");
  CHECK(std::string(json_type_name(JsonType::array)) == "an array");
}

TEST_CASE("parse_json_located: structure errors", "[json_located]") {
  CHECK(error_of("") == "f.json:1:1: expected a value, found end of file");
  CHECK(error_of("  \n ") == "f.json:2:2: expected a value, found end of file");
  // Missing comma between members: blamed on the next key.
  CHECK(error_of("{\n  \"a\": 1\n  \"b\": 2\n}") ==
        "f.json:3:3: expected ',' or '}' after an object member");
  CHECK(error_of("{\n  \"a\": 1,\n  \"bc\": 2 3\n}") ==
        "f.json:3:11: expected ',' or '}' after an object member");
  CHECK(error_of("{\"a\":1") ==
        "f.json:1:7: expected ',' or '}' after an object member, found end of file");
  CHECK(error_of("[1 2]") == "f.json:1:4: expected ',' or ']' after an array element");
  CHECK(error_of("[1, 2") ==
        "f.json:1:6: expected ',' or ']' after an array element, found end of file");
  CHECK(error_of("[") == "f.json:1:2: expected a value, found end of file");
  CHECK(error_of("[1,,2]") == "f.json:1:4: expected a value, found ','");
  CHECK(error_of("{\"a\" 1}") == "f.json:1:6: expected ':' after the object key");
  CHECK(error_of("{\"a\":}") == "f.json:1:6: expected a value, found '}'");
  CHECK(error_of("{,}") == "f.json:1:2: expected a string key");
  CHECK(error_of("{\"a\":1,") == "f.json:1:8: expected a string key, found end of file");
  CHECK(error_of("{} {}") == "f.json:1:4: unexpected '{' after the JSON value");
  CHECK(error_of("1 2") == "f.json:1:3: unexpected '2' after the JSON value");
  CHECK(error_of("]") == "f.json:1:1: expected a value, found ']'");
  CHECK(error_of(std::string("[1\0]", 4)) ==
        "f.json:1:3: expected ',' or ']' after an array element");
  CHECK(error_of(std::string(513, '[')) == "f.json:1:513: nesting deeper than 512 levels");
}

TEST_CASE("parse_json_located: JSON5/JSONC habits are rejected", "[json_located]") {
  // Trailing commas are blamed on the comma itself.
  CHECK(error_of("{\"a\":1,}") == "f.json:1:7: trailing comma before '}' is not allowed");
  CHECK(error_of("[1,2,\n]") == "f.json:1:5: trailing comma before ']' is not allowed");
  CHECK(error_of("{\n  \"a\": [1],\n}") == "f.json:2:11: trailing comma before '}' is not allowed");
  CHECK(error_of("// c\n{}") == "f.json:1:1: comments are not allowed in JSON");
  CHECK(error_of("{ // c\n}") == "f.json:1:3: comments are not allowed in JSON");
  CHECK(error_of("[1 /* c */]") == "f.json:1:4: comments are not allowed in JSON");
  CHECK(error_of("{'a': 1}") == "f.json:1:2: object keys must be strings in double quotes");
  CHECK(error_of("{a: 1}") == "f.json:1:2: object keys must be strings in double quotes");
  CHECK(error_of("['a']") == "f.json:1:2: strings must be in double quotes");
  CHECK(error_of("NaN") == "f.json:1:1: expected a value, found 'NaN'");
  CHECK(error_of("[Infinity]") == "f.json:1:2: expected a value, found 'Infinity'");
  CHECK(error_of("[tru]") == "f.json:1:2: expected a value, found 'tru'");
  CHECK(error_of("True") == "f.json:1:1: JSON literals are lowercase: 'true', not 'True'");
  CHECK(error_of("[NULL]") == "f.json:1:2: JSON literals are lowercase: 'null', not 'NULL'");
  CHECK(error_of("[é]") == "f.json:1:2: expected a value, found 'é'");
  CHECK(error_of("[\x01]") == "f.json:1:2: expected a value, found character U+0001");
  CHECK(error_of("\xEF\xBB\xBF[1,]") == "f.json:1:3: trailing comma before ']' is not allowed");
}

TEST_CASE("parse_json_located: number errors", "[json_located]") {
  CHECK(error_of("01") == "f.json:1:2: leading zeros are not allowed in numbers");
  CHECK(error_of("[-00]") == "f.json:1:4: leading zeros are not allowed in numbers");
  CHECK(error_of("-") == "f.json:1:2: expected a digit after '-', found end of file");
  CHECK(error_of("[-a]") == "f.json:1:3: expected a digit after '-'");
  CHECK(error_of("1.") ==
        "f.json:1:3: expected a digit after the decimal point, found end of file");
  CHECK(error_of("1.e5") == "f.json:1:3: expected a digit after the decimal point");
  CHECK(error_of("[1e]") == "f.json:1:4: expected a digit in the exponent");
  CHECK(error_of("1e+") == "f.json:1:4: expected a digit in the exponent, found end of file");
  CHECK(error_of("+1") == "f.json:1:1: numbers must not start with '+'");
  CHECK(error_of(".5") == "f.json:1:1: expected a value, found '.'");
  CHECK(error_of("0x10") == "f.json:1:2: unexpected 'x' after the JSON value");
}

TEST_CASE("parse_json_located: string errors", "[json_located]") {
  // Unterminated: blamed on the opening quote, wherever the file ends.
  CHECK(error_of("[\"abc") == "f.json:1:2: unterminated string");
  CHECK(error_of("{\n  \"a\": \"abc\\\"}") == "f.json:2:8: unterminated string");
  CHECK(error_of("[\"ab\ncd\"]") ==
        "f.json:1:5: line break inside a string (missing closing '\"'?)");
  CHECK(error_of("\"a\tb\"") ==
        "f.json:1:3: control character U+0009 inside a string must be escaped");
  CHECK(error_of("\"a\\x\"").rfind("f.json:1:3: invalid escape '\\x' in string (valid: ", 0) == 0);
  CHECK(error_of("\"a\\\tb\"")
            .rfind("f.json:1:3: invalid escape '\\' followed by character U+0009 in string", 0) ==
        0);
  CHECK(error_of("\"a\\") == "f.json:1:3: unterminated escape sequence at end of file");
  CHECK(error_of(R"("\u12G4")") == "f.json:1:2: \\u must be followed by four hex digits");
  CHECK(error_of(R"("\u12")") == "f.json:1:2: \\u must be followed by four hex digits");
  CHECK(error_of(R"("\ud83d")") == "f.json:1:2: unpaired high surrogate \\uD83D in string");
  CHECK(error_of(R"("\ud83d\u0041")") == "f.json:1:2: unpaired high surrogate \\uD83D in string");
  CHECK(error_of(R"("x\ude00")") == "f.json:1:3: unpaired low surrogate \\uDE00 in string");
  CHECK(error_of(R"("\ud83d\u12")") == "f.json:1:8: \\u must be followed by four hex digits");
}

TEST_CASE("parse_json_located: strings must be well-formed UTF-8", "[json_located]") {
  CHECK(error_of("\"a\xff\"") == "f.json:1:3: invalid UTF-8 byte 0xFF in string");
  CHECK(error_of("\"é\xff\"") == "f.json:1:3: invalid UTF-8 byte 0xFF in string");
  CHECK(error_of("\"\xc0\xaf\"") == "f.json:1:2: invalid UTF-8 byte 0xC0 in string"); // overlong
  CHECK(error_of("\"\xed\xa0\x80\"") == "f.json:1:2: invalid UTF-8 byte 0xED in string"); // U+D800
  CHECK(error_of("\"\xf4\x90\x80\x80\"") == "f.json:1:2: invalid UTF-8 byte 0xF4 in string");
  CHECK(error_of("\"\xe2\x82\"") == "f.json:1:2: invalid UTF-8 byte 0xE2 in string"); // truncated
  CHECK(error_of("\"\x80\"") == "f.json:1:2: invalid UTF-8 byte 0x80 in string");
  CHECK(error_of("[\xff]") == "f.json:1:2: expected a value, found invalid UTF-8 byte 0xFF");
}

TEST_CASE("parse_json_located: duplicate keys", "[json_located]") {
  CHECK(error_of("{\n  \"a\": 1,\n  \"a\": 2\n}") ==
        "f.json:3:3: duplicate key 'a' (first at line 2, column 3)");
  // Keys compare after unescaping.
  CHECK(error_of(R"({"a": 1, "\u0061": 2})") ==
        "f.json:1:10: duplicate key 'a' (first at line 1, column 2)");
  // The same key in different objects is fine.
  CHECK(parse(R"({"a": {"a": 1}, "b": {"a": 2}})").members().size() == 2);
}

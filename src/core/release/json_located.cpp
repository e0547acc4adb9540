#include "release/json_located.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

namespace rt::release {

const char* json_type_name(JsonType type) {
  static constexpr const char* names[] = {"null",     "a boolean", "a number",
                                          "a string", "an array",  "an object"};
  return names[static_cast<int>(type)];
}

namespace {

void expect_type(JsonType have, JsonType want) {
  if (have != want)
    throw std::logic_error(
        fmt::format("JsonValue: is {}, not {}", json_type_name(have), json_type_name(want)));
}

} // namespace

bool JsonValue::as_bool() const {
  expect_type(type_, JsonType::boolean);
  return boolean_;
}
const std::string& JsonValue::number_text() const {
  expect_type(type_, JsonType::number);
  return text_;
}
double JsonValue::as_double() const {
  expect_type(type_, JsonType::number);
  // strtod, not from_chars: it returns ±HUGE_VAL on overflow where from_chars reports an error.
  return std::strtod(text_.c_str(), nullptr);
}
const std::string& JsonValue::as_string() const {
  expect_type(type_, JsonType::string);
  return text_;
}
const std::vector<JsonValue>& JsonValue::items() const {
  expect_type(type_, JsonType::array);
  return items_;
}
const std::vector<JsonMember>& JsonValue::members() const {
  expect_type(type_, JsonType::object);
  return members_;
}
const JsonMember* JsonValue::find(std::string_view key) const {
  for (const JsonMember& m : members())
    if (m.key == key) return &m;
  return nullptr;
}

namespace {

constexpr int max_depth = 512;

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
    return;
  }
  int continuation = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  static constexpr unsigned char lead[] = {0, 0xC0, 0xE0, 0xF0};
  out += static_cast<char>(lead[continuation] | (cp >> (6 * continuation)));
  for (int i = continuation - 1; i >= 0; --i)
    out += static_cast<char>(0x80 | ((cp >> (6 * i)) & 0x3F));
}

// Length of the well-formed UTF-8 sequence at s (Unicode Table 3-7: no overlongs, no encoded
// surrogates, nothing above U+10FFFF), or 0 if it is not well-formed.
size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return byte(i) >= lo && byte(i) <= hi;
  };
  unsigned b = byte(0);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return cont(1) ? 2 : 0;
  if (b == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if (b == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (b >= 0xE1 && b <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

} // namespace

// Recursive descent over the bytes, tracking line and column as it goes so that every location
// costs nothing extra (a minified file on one long line stays linear).
class JsonParser {
public:
  JsonParser(std::string_view text, const std::string& file) : text_(text), file_(file) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  JsonValue parse_document() {
    skip_ws();
    JsonValue root = parse_value(0);
    skip_ws();
    if (!at_end()) fail(here(), fmt::format("unexpected {} after the JSON value", describe()));
    return root;
  }

private:
  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  SourceLocation here() const { return {line_, column_}; }

  // Moves one byte; the column advances once per character, on its first byte.
  void advance() {
    char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }

  [[noreturn]] void fail(SourceLocation at, const std::string& what) const {
    throw InputError::located(file_, at.line, at.column, what);
  }

  // What is at the current position, for messages: "'}'", "end of file", "U+0007".
  std::string describe() const {
    if (at_end()) return "end of file";
    unsigned char c = static_cast<unsigned char>(peek());
    if (c >= 0x20 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    if (c < 0x80) return fmt::format("character U+{:04X}", c);
    size_t n = utf8_sequence_length(text_.substr(pos_));
    if (n == 0) return fmt::format("invalid UTF-8 byte 0x{:02X}", c);
    return fmt::format("'{}'", text_.substr(pos_, n));
  }

  // A '/' where punctuation was expected is most likely a comment copied from JSONC or JSON5.
  [[noreturn]] void fail_expected(const std::string& expected) const {
    if (peek() == '/' && !at_end()) fail(here(), "comments are not allowed in JSON");
    fail(here(), at_end() ? expected + ", found end of file" : expected);
  }

  void skip_ws() {
    while (!at_end() && is_ws(peek()))
      advance();
  }

  JsonValue parse_value(int depth) {
    JsonValue v;
    v.location_ = here();
    char c = peek();
    if (at_end()) fail(here(), "expected a value, found end of file");
    if (c == '{' || c == '[') {
      if (depth >= max_depth) fail(here(), fmt::format("nesting deeper than {} levels", max_depth));
      if (c == '{')
        parse_object(v, depth);
      else
        parse_array(v, depth);
    } else if (c == '"') {
      v.type_ = JsonType::string;
      v.text_ = parse_string();
    } else if (c == '-' || is_digit(c)) {
      v.type_ = JsonType::number;
      v.text_ = parse_number();
    } else if (is_word(c)) {
      parse_literal(v);
    } else if (c == '\'') {
      fail(here(), "strings must be in double quotes");
    } else if (c == '/') {
      fail(here(), "comments are not allowed in JSON");
    } else if (c == '+') {
      fail(here(), "numbers must not start with '+'");
    } else {
      fail(here(), fmt::format("expected a value, found {}", describe()));
    }
    return v;
  }

  void parse_literal(JsonValue& v) {
    size_t start = pos_;
    SourceLocation at = here();
    while (!at_end() && is_word(peek()))
      advance();
    std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true" || word == "false") {
      v.type_ = JsonType::boolean;
      v.boolean_ = word == "true";
      return;
    }
    if (word == "null") {
      v.type_ = JsonType::null;
      return;
    }
    std::string lower;
    for (char c : word)
      lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "true" || lower == "false" || lower == "null")
      fail(at, fmt::format("JSON literals are lowercase: '{}', not '{}'", lower, word));
    fail(at, fmt::format("expected a value, found '{}'", word));
  }

  void parse_object(JsonValue& v, int depth) {
    v.type_ = JsonType::object;
    advance(); // '{'
    std::map<std::string, SourceLocation, std::less<>> seen;
    skip_ws();
    if (peek() == '}') {
      advance();
      return;
    }
    for (;;) {
      // Here after '{' or ','.
      SourceLocation key_at = here();
      if (peek() != '"') {
        if (peek() == '\'' || is_word(peek()))
          fail(key_at, "object keys must be strings in double quotes");
        fail_expected("expected a string key");
      }
      std::string key = parse_string();
      if (auto [it, fresh] = seen.emplace(key, key_at); !fresh)
        fail(key_at, fmt::format("duplicate key '{}' (first at line {}, column {})", key,
                                 it->second.line, it->second.column));
      skip_ws();
      if (peek() != ':') fail_expected("expected ':' after the object key");
      advance();
      skip_ws();
      JsonValue value = parse_value(depth + 1);
      v.members_.push_back(JsonMember{std::move(key), key_at, std::move(value)});
      skip_ws();
      if (peek() == '}') {
        advance();
        return;
      }
      if (peek() != ',') fail_expected("expected ',' or '}' after an object member");
      SourceLocation comma_at = here();
      advance();
      skip_ws();
      // Blamed on the comma: that is the character to delete.
      if (peek() == '}') fail(comma_at, "trailing comma before '}' is not allowed");
    }
  }

  void parse_array(JsonValue& v, int depth) {
    v.type_ = JsonType::array;
    advance(); // '['
    skip_ws();
    if (peek() == ']') {
      advance();
      return;
    }
    for (;;) {
      v.items_.push_back(parse_value(depth + 1));
      skip_ws();
      if (peek() == ']') {
        advance();
        return;
      }
      if (peek() != ',') fail_expected("expected ',' or ']' after an array element");
      SourceLocation comma_at = here();
      advance();
      skip_ws();
      if (peek() == ']') fail(comma_at, "trailing comma before ']' is not allowed");
    }
  }

  // At '"'. Returns the decoded string; leaves the position after the closing quote.
  std::string parse_string() {
    SourceLocation open = here();
    advance();
    std::string out;
    for (;;) {
      if (at_end()) fail(open, "unterminated string");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"') {
        advance();
        return out;
      }
      if (c == '\\') {
        parse_escape(out);
      } else if (c == '\n' || c == '\r') {
        fail(here(), "line break inside a string (missing closing '\"'?)");
      } else if (c < 0x20) {
        fail(here(), fmt::format("control character U+{:04X} inside a string must be escaped", c));
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        advance();
      } else {
        size_t n = utf8_sequence_length(text_.substr(pos_));
        if (n == 0) fail(here(), fmt::format("invalid UTF-8 byte 0x{:02X} in string", c));
        out.append(text_.substr(pos_, n));
        for (size_t i = 0; i < n; ++i)
          advance();
      }
    }
  }

  // At '\\' inside a string.
  void parse_escape(std::string& out) {
    SourceLocation at = here();
    advance();
    if (at_end()) fail(at, "unterminated escape sequence at end of file");
    char e = peek();
    // Escape letter → character, in pairs.
    static constexpr std::string_view simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
    for (size_t i = 0; i < simple.size(); i += 2)
      if (e == simple[i]) {
        out += simple[i + 1];
        advance();
        return;
      }
    if (e != 'u')
      // Printable characters are quoted as typed; anything else is named by describe().
      fail(at, fmt::format("invalid escape {} in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r "
                           "\\t \\uXXXX)",
                           e > 0x20 && e < 0x7F ? fmt::format("'\\{}'", e)
                                                : "'\\' followed by " + describe()));
    advance();
    char32_t cp = parse_hex4(at);
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      fail(at, fmt::format("unpaired low surrogate \\u{:04X} in string", unsigned(cp)));
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // UTF-8 cannot carry a lone surrogate, so a high one must be followed by a low one.
      SourceLocation low_at = here();
      if (text_.substr(pos_, 2) != "\\u")
        fail(at, fmt::format("unpaired high surrogate \\u{:04X} in string", unsigned(cp)));
      advance();
      advance();
      char32_t low = parse_hex4(low_at);
      if (low < 0xDC00 || low > 0xDFFF)
        fail(at, fmt::format("unpaired high surrogate \\u{:04X} in string", unsigned(cp)));
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  // After "\u": four hex digits.
  char32_t parse_hex4(SourceLocation escape_at) {
    char32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(peek());
      if (at_end() || h < 0) fail(escape_at, "\\u must be followed by four hex digits");
      cp = cp * 16 + static_cast<char32_t>(h);
      advance();
    }
    return cp;
  }

  // number = [ '-' ] ( '0' | [1-9][0-9]* ) [ '.' [0-9]+ ] [ ( 'e' | 'E' ) [ '+' | '-' ] [0-9]+ ]
  std::string parse_number() {
    size_t start = pos_;
    if (peek() == '-') {
      advance();
      if (!is_digit(peek())) fail_expected("expected a digit after '-'");
    }
    if (peek() == '0') {
      advance();
      if (is_digit(peek())) fail(here(), "leading zeros are not allowed in numbers");
    } else {
      while (is_digit(peek()))
        advance();
    }
    if (peek() == '.') {
      advance();
      if (!is_digit(peek())) fail_expected("expected a digit after the decimal point");
      while (is_digit(peek()))
        advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      advance();
      if (peek() == '+' || peek() == '-') advance();
      if (!is_digit(peek())) fail_expected("expected a digit in the exponent");
      while (is_digit(peek()))
        advance();
    }
    return std::string(text_.substr(start, pos_ - start));
  }
};

JsonValue parse_json_located(std::string_view text, const std::string& file) {
  return JsonParser(text, file).parse_document();
}

} // namespace rt::release

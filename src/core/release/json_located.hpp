#pragma once
// A strict JSON reader (RFC 8259, UTF-8) whose values remember where they start, so that
// configuration files can report semantic errors as "file:line:col: what". nlohmann_json gives
// byte offsets for syntax errors only; this reader exists for the locations.
#include <string>
#include <string_view>
#include <vector>

namespace rt::release {

// A position in the source: 1-based line, and 1-based column counted in characters (Unicode
// code points; a tab is one character).
struct SourceLocation {
  int line = 1;
  int column = 1;
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

enum class JsonType { null, boolean, number, string, array, object };

// "null", "a boolean", "a number", "a string", "an array", "an object": for messages such as
// "'tags' must be an array of strings, not a number".
const char* json_type_name(JsonType type);

struct JsonMember;

// One JSON value and where it starts (the first character of the literal, number or string, or
// the opening '[' or '{'). Accessors for the wrong type throw std::logic_error: callers check
// type() first.
class JsonValue {
public:
  JsonType type() const { return type_; }
  SourceLocation location() const { return location_; }
  bool is(JsonType t) const { return type_ == t; }

  bool as_bool() const;
  // The number as written in the source ("-1.5e3"); JSON numbers have no fixed precision.
  const std::string& number_text() const;
  // The number converted to double (±inf when out of range).
  double as_double() const;
  // The decoded string (escapes resolved; may contain U+0000).
  const std::string& as_string() const;
  const std::vector<JsonValue>& items() const;
  // Object members in source order; keys are unique (the parser rejects duplicates).
  const std::vector<JsonMember>& members() const;
  // The member named key, or nullptr.
  const JsonMember* find(std::string_view key) const;

private:
  friend class JsonParser;
  JsonType type_ = JsonType::null;
  SourceLocation location_;
  bool boolean_ = false;
  std::string text_; // the string value, or the number's source text
  std::vector<JsonValue> items_;
  std::vector<JsonMember> members_;
};

// An object member: the key, where the key's opening quote is, and the value.
struct JsonMember {
  std::string key;
  SourceLocation key_location;
  JsonValue value;
};

// Parses `text` as one JSON value. Strict RFC 8259: no comments, trailing commas, single quotes,
// unquoted keys, NaN/Infinity, leading zeros or '+'; strings must be valid UTF-8 without raw
// control characters and escapes must not leave unpaired surrogates; duplicate keys in an object
// are rejected (RFC 8259 leaves them undefined; in a configuration they are always a mistake).
// A leading UTF-8 byte order mark is skipped (RFC 8259 §8.1 allows ignoring it).
// Nesting is limited to 512 levels. Throws InputError "file:line:col: what" located at the
// offending character (an unterminated string at its opening quote, a trailing comma at the
// comma), e.g. "images.json:3:7: expected ',' or '}' after an object member".
JsonValue parse_json_located(std::string_view text, const std::string& file);

} // namespace rt::release

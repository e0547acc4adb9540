#pragma once
// Pieces shared by the two pattern languages of patterns.hpp (Go's path.Match globs and
// .dockerignore): UTF-8 decoding as Go does it, and '[...]' character classes. Internal to
// src/core/build.
#include <string_view>
#include <utility>
#include <vector>

namespace rt::build::detail {

struct Rune {
  char32_t cp;
  size_t len;
};

// Decodes the first code point of a non-empty s. Like Go's utf8.DecodeRuneInString, an invalid
// or truncated sequence decodes as U+FFFD of length 1, so '?' still consumes exactly one byte.
Rune decode_rune(std::string_view s);

// Throws InputError: invalid pattern "PATTERN": WHY.
[[noreturn]] void bad_pattern(std::string_view pattern, std::string_view why);

struct CharClass {
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;

  bool matches(char32_t r) const {
    bool in = false;
    for (auto [lo, hi] : ranges)
      in = in || (lo <= r && r <= hi);
    return in != negated;
  }
};

// Parses a class body; chunk starts just after '[' and is left just after ']'. Only '^'
// negates: Go's path.Match (and the RE2 class moby's regexp turns it into) treat '!' as a
// plain member. A class may match '/', as in Go.
CharClass parse_class(std::string_view& chunk, std::string_view pattern);

} // namespace rt::build::detail

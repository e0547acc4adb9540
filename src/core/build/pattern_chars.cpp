#include "build/pattern_chars.hpp"

#include "util/error.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::build::detail {

Rune decode_rune(std::string_view s) {
  constexpr Rune bad{0xFFFD, 1};
  auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return {b0, 1};
  size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || s.size() < len) return bad;
  char32_t cp = b0 & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return bad;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid in Go too.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return bad;
  return {cp, len};
}

[[noreturn]] void bad_pattern(std::string_view pattern, std::string_view why) {
  throw InputError(fmt::format("invalid pattern \"{}\": {}", printable(pattern, 200), why));
}

namespace {

// Go's getEsc: one class member, possibly '\'-escaped. A class may not start a member with
// '-' or ']', and must be followed by more pattern (at least the closing ']').
char32_t class_member(std::string_view& chunk, std::string_view pattern) {
  if (chunk.empty()) bad_pattern(pattern, "unterminated character class");
  if (chunk[0] == '-' || chunk[0] == ']') bad_pattern(pattern, "malformed character class");
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) bad_pattern(pattern, "unterminated character class");
  }
  Rune r = decode_rune(chunk);
  if (r.cp == 0xFFFD && r.len == 1) bad_pattern(pattern, "invalid UTF-8 in character class");
  chunk.remove_prefix(r.len);
  if (chunk.empty()) bad_pattern(pattern, "unterminated character class");
  return r.cp;
}

} // namespace

CharClass parse_class(std::string_view& chunk, std::string_view pattern) {
  CharClass cls;
  if (!chunk.empty() && chunk[0] == '^') {
    cls.negated = true;
    chunk.remove_prefix(1);
  }
  for (;;) {
    if (!chunk.empty() && chunk[0] == ']' && !cls.ranges.empty()) {
      chunk.remove_prefix(1);
      return cls;
    }
    char32_t lo = class_member(chunk, pattern);
    char32_t hi = lo;
    if (chunk[0] == '-') {
      chunk.remove_prefix(1);
      hi = class_member(chunk, pattern);
    }
    cls.ranges.emplace_back(lo, hi);
  }
}

} // namespace rt::build::detail

#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt {

namespace {

// The length of the well-formed UTF-8 sequence at s[i], or 0 if there is none
// (RFC 3629 table 3-7 of Unicode: the second byte's range depends on the first).
size_t sequence_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0; // overlong
    if (c == 0xED) hi = 0x9F; // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90; // overlong
    if (c == 0xF4) hi = 0x8F; // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return n;
}

} // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    size_t n = sequence_length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

namespace {

std::string escape(std::string_view bytes, size_t max_bytes, bool keep_lines) {
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    size_t n = sequence_length(bytes, i);
    auto c = static_cast<unsigned char>(bytes[i]);
    // C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8.
    bool control =
        (n == 1 && (c < 0x20 || c == 0x7F) && !(keep_lines && (c == '\n' || c == '\t'))) ||
        (n == 2 && c == 0xC2 && static_cast<unsigned char>(bytes[i + 1]) <= 0x9F);
    std::string piece;
    if (n == 0) {
      piece = fmt::format("\\x{:02x}", c);
      n = 1;
    } else if (control) {
      for (size_t k = 0; k < n; ++k)
        piece += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[i + k]));
    } else {
      piece.assign(bytes.substr(i, n));
    }
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      break;
    }
    out += piece;
    i += n;
  }
  return out;
}

} // namespace

std::string printable(std::string_view bytes, size_t max_bytes) {
  return escape(bytes, max_bytes, false);
}

std::string printable_lines(std::string_view text) {
  return escape(text, std::string_view::npos, true);
}

} // namespace rt

#include "build/patterns.hpp"

#include "build/pattern_chars.hpp"
#include "util/error.hpp"

namespace rt::build {

using detail::bad_pattern;
using detail::decode_rune;
using detail::parse_class;
using detail::Rune;

namespace {

// ---------------------------------------------------------------------------------------------
// glob_match: a port of Go's path.Match (src/path/match.go). The pattern is split into chunks,
// each a run of '*' followed by star-free text; each chunk is matched at the leftmost position
// its star can reach without crossing '/'.
// ---------------------------------------------------------------------------------------------

struct Chunk {
  bool star;
  std::string_view text;
  std::string_view rest;
};

Chunk scan_chunk(std::string_view pattern) {
  bool star = false;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    star = true;
  }
  bool in_range = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i; // a trailing '\' is reported by match_chunk
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  return {star, pattern.substr(0, i), pattern.substr(i)};
}

// Matches chunk against a prefix of s; on success stores the unmatched remainder in rest. Like
// Go, it keeps parsing the chunk after a mismatch so that syntax errors are always reported.
bool match_chunk(std::string_view chunk, std::string_view s, std::string_view& rest,
                 std::string_view pattern) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    switch (chunk[0]) {
    case '[': {
      char32_t r = 0;
      if (!failed) {
        Rune d = decode_rune(s);
        r = d.cp;
        s.remove_prefix(d.len);
      }
      chunk.remove_prefix(1);
      if (!parse_class(chunk, pattern).matches(r)) failed = true;
      break;
    }
    case '?':
      if (!failed) {
        if (s[0] == '/') failed = true;
        s.remove_prefix(decode_rune(s).len);
      }
      chunk.remove_prefix(1);
      break;
    case '\\':
      chunk.remove_prefix(1);
      if (chunk.empty()) bad_pattern(pattern, "trailing backslash");
      [[fallthrough]];
    default:
      if (!failed) {
        if (chunk[0] != s[0]) failed = true;
        s.remove_prefix(1);
      }
      chunk.remove_prefix(1);
    }
  }
  if (failed) return false;
  rest = s;
  return true;
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view name) {
  std::string_view pat = pattern;
  while (!pat.empty()) {
    Chunk c = scan_chunk(pat);
    pat = c.rest;
    // A trailing '*' matches the rest of the name unless it contains a '/'.
    if (c.star && c.text.empty()) return name.find('/') == std::string_view::npos;
    std::string_view t;
    // The last chunk must consume the whole name; earlier ones just need to match.
    if (match_chunk(c.text, name, t, pattern) && (t.empty() || !pat.empty())) {
      name = t;
      continue;
    }
    bool found = false;
    if (c.star) {
      // Let the star swallow i+1 more bytes, never a '/'.
      for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        if (!match_chunk(c.text, name.substr(i + 1), t, pattern)) continue;
        if (pat.empty() && !t.empty()) continue;
        name = t;
        found = true;
        break;
      }
    }
    if (found) continue;
    // Go checks the rest of the pattern before answering "no match", so a malformed pattern
    // fails the same way whatever the name is.
    while (!pat.empty()) {
      Chunk r = scan_chunk(pat);
      pat = r.rest;
      match_chunk(r.text, "", t, pattern);
    }
    return false;
  }
  return name.empty();
}

bool has_glob_meta(std::string_view s) {
  return s.find_first_of("*?[\\") != s.npos;
}

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  for (size_t i = 0; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == path.npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part); // "/.." is "/", but "../x" must stay
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

} // namespace rt::build

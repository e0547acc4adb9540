#include "build/patterns.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <utility>

namespace rt::build {

namespace {

// ---------------------------------------------------------------------------------------------
// Shared pieces: UTF-8 decoding and '[...]' classes.
// ---------------------------------------------------------------------------------------------

struct Rune {
  char32_t cp;
  size_t len;
};

// Decodes the first code point of a non-empty s. Like Go's utf8.DecodeRuneInString, an invalid
// or truncated sequence decodes as U+FFFD of length 1, so '?' still consumes exactly one byte.
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
  throw InputError(fmt::format("invalid pattern \"{}\": {}", pattern, why));
}

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

// ---------------------------------------------------------------------------------------------
// .dockerignore. moby/patternmatcher turns each pattern into a Go regexp: '*' -> "[^/]*",
// '?' -> "[^/]", "**/" or an inner "**" -> "(.*/)?", a trailing "**" -> ".*", '[...]' is kept as
// an RE2 class, '\c' -> literal c. Patterns without metacharacters are compared as strings
// ("exact"), as are literal+"**" ("prefix": HasPrefix) and "**"+literal ("suffix": HasSuffix,
// which makes "**foo" also match "barfoo"); we reproduce those shortcuts because they change
// results. Instead of building a regexp we match the same token list with a small memoised
// backtracker. Known divergences (all in patterns nobody writes on purpose): '*' or '?' inside a
// class and RE2-only escapes such as "\d" are taken literally, as path.Match reads them.
// ---------------------------------------------------------------------------------------------

struct DockerIgnore::Pattern {
  enum class Kind { exact, prefix, suffix, regexp };
  struct Token {
    enum class Op { literal, star, question, cls, any_dirs, any_rest };
    Op op;
    char byte = 0;
    CharClass cls;
  };

  std::string text; // cleaned, without the leading '!'
  bool exception = false;
  Kind kind = Kind::exact;
  std::vector<Token> tokens; // used for Kind::regexp only

  static Pattern compile(std::string text, bool exception);
  bool matches(std::string_view path) const;
  bool may_match_below(std::string_view dir_slash) const;
};

namespace {

using Pattern = DockerIgnore::Pattern;
using Op = Pattern::Token::Op;

// Matches tokens against s. In partial mode it answers instead "is s a prefix of some string the
// tokens match?", which is what may_reinclude_below needs.
class TokenMatcher {
public:
  TokenMatcher(const std::vector<Pattern::Token>& tokens, std::string_view s, bool partial)
      : toks_(tokens), s_(s), partial_(partial), memo_((tokens.size() + 1) * (s.size() + 1) * 2) {}

  bool run() { return at(0, 0, false); }

private:
  // State: next token t, input position p, and whether we are inside the ".*" of an any_dirs
  // group "(.*/)?" (which may only be left right after consuming a '/').
  bool at(size_t t, size_t p, bool inner) {
    int8_t& m = memo_[((t * (s_.size() + 1)) + p) * 2 + inner];
    if (m == 0) m = step(t, p, inner) ? 1 : 2;
    return m == 1;
  }

  bool step(size_t t, size_t p, bool inner) {
    bool end = p == s_.size();
    // Every token can consume at least one more character, so a live state at the end of a
    // prefix can be extended into a match.
    if (partial_ && end) return inner || t < toks_.size();
    if (t == toks_.size()) return end;
    const Pattern::Token& tok = toks_[t];
    if (inner) {
      // Go's '.' does not match '\n' (no (?s) flag), so neither does "**".
      if (end || s_[p] == '\n') return false;
      return (s_[p] == '/' && at(t + 1, p + 1, false)) || at(t, p + 1, true);
    }
    switch (tok.op) {
    case Op::literal:
      return !end && s_[p] == tok.byte && at(t + 1, p + 1, false);
    case Op::star:
      return at(t + 1, p, false) || (!end && s_[p] != '/' && at(t, p + 1, false));
    case Op::any_rest:
      return at(t + 1, p, false) || (!end && s_[p] != '\n' && at(t, p + 1, false));
    case Op::any_dirs:
      return at(t + 1, p, false) || at(t, p, true);
    case Op::question:
    case Op::cls: {
      if (end) return false;
      Rune r = decode_rune(s_.substr(p));
      bool ok = tok.op == Op::question ? r.cp != '/' : tok.cls.matches(r.cp);
      return ok && at(t + 1, p + r.len, false);
    }
    }
    return false;
  }

  const std::vector<Pattern::Token>& toks_;
  std::string_view s_;
  bool partial_;
  std::vector<int8_t> memo_; // 0 unknown, 1 true, 2 false
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix);
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(ws);
  if (b == s.npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

} // namespace

// A port of patternmatcher's Pattern.compile; `step` mirrors its loop counter, because a "**"
// only turns the pattern into a suffix match when it is the very first thing.
Pattern Pattern::compile(std::string text, bool exception) {
  Pattern p;
  p.exception = exception;
  std::string_view s = text;
  for (size_t pos = 0, step = 0; pos < s.size(); ++step) {
    char c = s[pos];
    Token tok{Op::literal, c, {}};
    if (c == '*' && pos + 1 < s.size() && s[pos + 1] == '*') {
      pos += 2;
      if (pos < s.size() && s[pos] == '/') ++pos; // "**/" is treated as "**"
      if (pos == s.size()) {
        // Trailing "**" matches everything, like .gitignore.
        if (p.kind == Kind::exact) {
          p.kind = Kind::prefix;
        } else {
          p.tokens.push_back({Op::any_rest, 0, {}});
          p.kind = Kind::regexp;
        }
      } else {
        p.tokens.push_back({Op::any_dirs, 0, {}}); // any number of leading directories, even none
        p.kind = Kind::regexp;
      }
      if (step == 0) p.kind = Kind::suffix;
      continue;
    }
    if (c == '*') {
      tok.op = Op::star;
      ++pos;
    } else if (c == '?') {
      tok.op = Op::question;
      ++pos;
    } else if (c == '\\' && pos + 1 < s.size()) {
      tok.byte = s[pos + 1];
      pos += 2;
    } else if (c == '[') {
      std::string_view rest = s.substr(pos + 1);
      tok.op = Op::cls;
      tok.cls = parse_class(rest, s);
      pos = s.size() - rest.size();
    } else {
      p.tokens.push_back(tok);
      ++pos;
      continue; // plain literal: does not force regexp matching
    }
    p.tokens.push_back(std::move(tok));
    p.kind = Kind::regexp;
  }
  p.text = std::move(text);
  return p;
}

bool Pattern::matches(std::string_view path) const {
  switch (kind) {
  case Kind::exact:
    return path == text;
  case Kind::prefix:
    return path.starts_with(std::string_view(text).substr(0, text.size() - 2));
  case Kind::suffix: {
    std::string_view suffix = std::string_view(text).substr(2);
    if (path.ends_with(suffix)) return true;
    return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1); // "**/foo" ~ "foo"
  }
  case Kind::regexp:
    return TokenMatcher(tokens, path, false).run();
  }
  return false;
}

// Could this pattern match some path that starts with dir_slash ("dir/")?
bool Pattern::may_match_below(std::string_view dir_slash) const {
  switch (kind) {
  case Kind::exact:
    return text.size() > dir_slash.size() && starts_with(text, dir_slash);
  case Kind::prefix: {
    std::string_view lit = std::string_view(text).substr(0, text.size() - 2);
    return starts_with(lit, dir_slash) || starts_with(dir_slash, lit);
  }
  case Kind::suffix:
    return true; // "dir/x" + suffix always fits
  case Kind::regexp:
    return TokenMatcher(tokens, dir_slash, true).run();
  }
  return true;
}

DockerIgnore::DockerIgnore() = default;
DockerIgnore::~DockerIgnore() = default;
DockerIgnore::DockerIgnore(const DockerIgnore&) = default;
DockerIgnore::DockerIgnore(DockerIgnore&&) noexcept = default;
DockerIgnore& DockerIgnore::operator=(const DockerIgnore&) = default;
DockerIgnore& DockerIgnore::operator=(DockerIgnore&&) noexcept = default;

bool DockerIgnore::empty() const {
  return patterns_.empty();
}

// Line handling follows moby/patternmatcher/ignorefile.ReadAll, then patternmatcher.New.
DockerIgnore DockerIgnore::parse(std::string_view text, const std::string& file) {
  DockerIgnore out;
  int line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == text.npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (++line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    // Only a '#' in the first column starts a comment: moby tests it before trimming.
    if (line.starts_with('#')) continue;
    line = trim(line);
    if (line.empty()) continue;
    bool invert = line[0] == '!';
    if (invert) line = trim(line.substr(1));
    std::string pat;
    if (!line.empty()) {
      // "/foo" and "./foo" both mean foo at the context root.
      pat = clean_path(line);
      if (pat.size() > 1 && pat[0] == '/') pat.erase(0, 1);
    }
    // New() cleans the whole line once more, '!' included; so "!/" ends up as a bare "!".
    pat = clean_path(invert ? "!" + pat : pat);
    bool exception = pat[0] == '!';
    if (exception) {
      if (pat.size() == 1)
        throw InputError::located(file, line_no, "illegal exclusion pattern \"!\"");
      pat.erase(0, 1);
    }
    try {
      glob_match(pat, "."); // moby validates with filepath.Match the same way
      out.patterns_.push_back(Pattern::compile(std::move(pat), exception));
    } catch (const InputError& e) {
      throw InputError::located(file, line_no, e.what());
    }
  }
  return out;
}

DockerIgnore DockerIgnore::load(const std::string& context_dir) {
  std::string path = context_dir + "/.dockerignore";
  if (!path_exists(path)) return {};
  return parse(read_file(path), path);
}

// BuildKit's context walker (tonistiigi/fsutil) calls MatchesUsingParentResults: walking down,
// each directory hands its per-pattern results to its children, and a pattern that matched a
// parent counts as matching the child whatever the current state. We replay that walk along
// the path's own prefixes. (The classic builder's MatchesOrParentMatches differs in corner
// cases such as "a/b" followed by "!a": there a/b is re-included; under BuildKit it is not.)
bool DockerIgnore::excluded(std::string_view path_in) const {
  std::string path = clean_path(path_in);
  if (path == "." || patterns_.empty()) return false;
  std::vector<char> parent; // empty: no parent information (top-level entries)
  std::vector<char> current(patterns_.size());
  bool matched = false;
  for (size_t end = 0; end != path.npos;) {
    end = path.find('/', end + 1);
    std::string_view prefix = std::string_view(path).substr(0, end);
    matched = false;
    for (size_t i = 0; i < patterns_.size(); ++i) {
      const Pattern& p = patterns_[i];
      bool match = !parent.empty() && parent[i];
      if (!match) {
        // Only an exclusion can flip "kept" to "excluded" and only an exception the reverse;
        // patterns that cannot change the state are not even evaluated.
        if (p.exception != matched) {
          current[i] = false;
          continue;
        }
        match = p.matches(prefix);
      }
      current[i] = match;
      if (match) matched = !p.exception;
    }
    parent = current;
  }
  return matched;
}

// fsutil only descends into an excluded directory when an exception pattern, read as a plain
// prefix, starts with "dir/", and walks everything when any exception has wildcards. We answer
// the question exactly instead: can an exception match some path below dir? Only such a pattern
// can re-include a child: an exception matching dir itself (or an ancestor) was already
// overridden by whatever excluded dir, and that override is inherited by every child.
bool DockerIgnore::may_reinclude_below(std::string_view dir_in) const {
  std::string dir = clean_path(dir_in);
  std::string dir_slash = dir == "." ? "" : dir + "/";
  for (const Pattern& p : patterns_) {
    if (p.exception && p.may_match_below(dir_slash)) return true;
  }
  return false;
}

} // namespace rt::build

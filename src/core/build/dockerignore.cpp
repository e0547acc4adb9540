#include "build/patterns.hpp"

#include "build/pattern_chars.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <cstdint>
#include <utility>

namespace rt::build {

using detail::CharClass;
using detail::decode_rune;
using detail::parse_class;
using detail::Rune;

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

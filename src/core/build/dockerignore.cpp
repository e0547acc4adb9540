#include "build/patterns.hpp"

#include "build/pattern_chars.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <array>
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
// results. Instead of building a regexp we run the same token list as an NFA (TokenNfa), in
// time linear in the path for a given pattern, with no recursion. Known divergences (all in
// patterns nobody writes on purpose): '*' or '?' inside a class and RE2-only escapes such as "\d"
// are taken literally, as path.Match reads them.
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
  // For each of `ends` (ascending), whether the pattern matches path[0, end): one pass.
  std::vector<char> matches_prefixes(std::string_view path, const std::vector<size_t>& ends) const;
  bool may_match_below(std::string_view dir_slash) const;
};

namespace {

using Pattern = DockerIgnore::Pattern;
using Op = Pattern::Token::Op;

// Runs a pattern's tokens over a path as a Thompson NFA: one pass, a list of live states, no
// backtracking and no table over the path, so a path costs time linear in its length (times
// the live states, at most twice the tokens) and memory for the tokens only. A state is
// (next token t, inner): inner means inside the ".*" of an any_dirs group "(.*/)?", which may
// only be left right after consuming a '/'.
class TokenNfa {
public:
  explicit TokenNfa(const std::vector<Pattern::Token>& tokens)
      : toks_(tokens), seen_(2 * (tokens.size() + 1), 0) {}

  // Calls at(i, accepting, live) once s[0, i) is consumed, for i from 0 up while any state is
  // live: accepting if the pattern matches s[0, i) exactly, live if some state could still
  // consume more. Stops early when `at` returns false.
  template <class At> void run(std::string_view s, At at) {
    // '?' and classes consume a whole UTF-8 sequence (up to 4 bytes), so states reached by
    // them wait in a small ring until their position comes.
    std::array<std::vector<size_t>, 5> pending;
    pending[0].push_back(state(0, false));
    std::vector<size_t> cur;
    for (size_t i = 0;; ++i) {
      closure(pending[i % 5], i + 1, cur);
      pending[i % 5].clear();
      bool accepting = false, live = false;
      for (size_t st : cur)
        (st == state(toks_.size(), false) ? accepting : live) = true;
      if (!at(i, accepting, live) || i == s.size()) return;
      for (size_t st : cur)
        step(st, s, i, pending);
      bool any = false;
      for (const auto& p : pending)
        any |= !p.empty();
      if (!any) return;
    }
  }

private:
  static size_t state(size_t t, bool inner) { return t * 2 + (inner ? 1 : 0); }

  // The states `from` holds and those they reach without consuming anything (star and any_rest
  // may match nothing; any_dirs may be skipped or entered), each once.
  void closure(const std::vector<size_t>& from, uint64_t generation, std::vector<size_t>& out) {
    out.clear();
    std::vector<size_t> todo(from.rbegin(), from.rend());
    while (!todo.empty()) {
      size_t st = todo.back();
      todo.pop_back();
      if (seen_[st] == generation) continue;
      seen_[st] = generation;
      out.push_back(st);
      size_t t = st / 2;
      if (st % 2 == 1 || t == toks_.size()) continue;
      Op op = toks_[t].op;
      if (op == Op::any_dirs) todo.push_back(state(t, true));
      if (op == Op::star || op == Op::any_rest || op == Op::any_dirs)
        todo.push_back(state(t + 1, false));
    }
  }

  // Consumes the character at s[i] from state st.
  void step(size_t st, std::string_view s, size_t i, std::array<std::vector<size_t>, 5>& pending) {
    size_t t = st / 2;
    char c = s[i];
    std::vector<size_t>& next = pending[(i + 1) % 5];
    if (st % 2 == 1) {
      // Go's '.' does not match '\n' (no (?s) flag), so neither does "**".
      if (c == '\n') return;
      if (c == '/') next.push_back(state(t + 1, false));
      next.push_back(st);
      return;
    }
    if (t == toks_.size()) return;
    const Pattern::Token& tok = toks_[t];
    switch (tok.op) {
    case Op::literal:
      if (c == tok.byte) next.push_back(state(t + 1, false));
      return;
    case Op::star:
      if (c != '/') next.push_back(st);
      return;
    case Op::any_rest:
      if (c != '\n') next.push_back(st);
      return;
    case Op::any_dirs:
      return; // only through its empty moves
    case Op::question:
    case Op::cls: {
      Rune r = decode_rune(s.substr(i));
      bool ok = tok.op == Op::question ? r.cp != '/' : tok.cls.matches(r.cp);
      if (ok) pending[(i + r.len) % 5].push_back(state(t + 1, false));
      return;
    }
    }
  }

  const std::vector<Pattern::Token>& toks_;
  std::vector<uint64_t> seen_; // the generation (position + 1) a state was last added in
};

// Appends a token, merging runs that match the same strings: "**" twice is one "(.*/)?", a
// star after a star is one star, and ".*" absorbs the stars and groups beside it. So a line of
// a million '*' compiles to one token, and the NFA never has long runs of empty moves.
void push_token(std::vector<Pattern::Token>& toks, Pattern::Token tok) {
  auto empty_able = [](Op op) {
    return op == Op::star || op == Op::any_dirs || op == Op::any_rest;
  };
  if (empty_able(tok.op) && !toks.empty()) {
    Op prev = toks.back().op;
    if (prev == Op::any_rest || (prev == tok.op && tok.op != Op::any_rest)) return;
    if (tok.op == Op::any_rest) {
      while (!toks.empty() && empty_able(toks.back().op))
        toks.pop_back();
    }
  }
  toks.push_back(std::move(tok));
}

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
          push_token(p.tokens, {Op::any_rest, 0, {}});
          p.kind = Kind::regexp;
        }
      } else {
        push_token(p.tokens, {Op::any_dirs, 0, {}}); // any number of leading directories, even none
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
      push_token(p.tokens, tok);
      ++pos;
      continue; // plain literal: does not force regexp matching
    }
    push_token(p.tokens, std::move(tok));
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
  case Kind::regexp: {
    bool matched = false;
    TokenNfa(tokens).run(path, [&](size_t i, bool accepting, bool) {
      matched = i == path.size() && accepting;
      return true;
    });
    return matched;
  }
  }
  return false;
}

std::vector<char> Pattern::matches_prefixes(std::string_view path,
                                            const std::vector<size_t>& ends) const {
  std::vector<char> out(ends.size(), 0);
  if (kind != Kind::regexp) {
    for (size_t j = 0; j < ends.size(); ++j)
      out[j] = matches(path.substr(0, ends[j]));
    return out;
  }
  size_t j = 0;
  TokenNfa(tokens).run(path, [&](size_t i, bool accepting, bool) {
    if (i == ends[j]) out[j++] = accepting;
    return j < ends.size();
  });
  return out;
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
  case Kind::regexp: {
    // Every token can consume one more character, so a state live at the end of dir_slash
    // can be extended into a match.
    bool live_at_end = false;
    TokenNfa(tokens).run(dir_slash, [&](size_t i, bool, bool live) {
      live_at_end = i == dir_slash.size() && live;
      return true;
    });
    return live_at_end;
  }
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
  // Where the path's prefixes end ("a", "a/b", ...), and which patterns match each: one pass
  // over the path per pattern, not one per prefix.
  std::vector<size_t> ends;
  for (size_t k = path.find('/', 1); k != path.npos; k = path.find('/', k + 1))
    ends.push_back(k);
  ends.push_back(path.size());
  std::vector<std::vector<char>> matches_at;
  matches_at.reserve(patterns_.size());
  for (const Pattern& p : patterns_)
    matches_at.push_back(p.matches_prefixes(path, ends));
  std::vector<char> parent; // empty: no parent information (top-level entries)
  std::vector<char> current(patterns_.size());
  bool matched = false;
  for (size_t j = 0; j < ends.size(); ++j) {
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
        match = matches_at[i][j];
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

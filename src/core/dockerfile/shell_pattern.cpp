#include "dockerfile/shell_pattern.hpp"

#include <optional>
#include <vector>

namespace rt::dockerfile::detail {
namespace {

// Shell patterns match characters, not bytes: a star or '?' never splits a UTF-8 sequence.
bool is_char_boundary(std::string_view s, size_t i) {
  return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

// A pattern element: literal bytes, '?' and '*'.
struct PatternToken {
  enum Kind { literal, any_char, star } kind;
  char ch = 0;
};

// Mirrors BuildKit's convertShellPatternToRegex: "\*", "\?" and "\\" are literals; "\}" and "\/"
// drop the backslash (it only kept the char from ending the ${}); any other escape is an error.
std::vector<PatternToken> compile_pattern(std::string_view pat) {
  std::vector<PatternToken> out;
  for (size_t i = 0; i < pat.size(); ++i) {
    char c = pat[i];
    if (c == '*') {
      out.push_back({PatternToken::star});
    } else if (c == '?') {
      out.push_back({PatternToken::any_char});
    } else if (c == '\\') {
      if (i + 1 < pat.size() && (pat[i + 1] == '}' || pat[i + 1] == '/')) continue;
      if (i + 1 >= pat.size() || (pat[i + 1] != '*' && pat[i + 1] != '?' && pat[i + 1] != '\\'))
        throw LexError("invalid pattern (" + std::string(pat) +
                       ") in substitution: invalid escape '\\" +
                       (i + 1 < pat.size() ? std::string(1, pat[i + 1]) : std::string()) + "'");
      out.push_back({PatternToken::literal, pat[++i]});
    } else {
      out.push_back({PatternToken::literal, c});
    }
  }
  return out;
}

// Returns, in ascending order, every e where the pattern matches s[start, e) exactly. The live
// positions are kept as a sorted list (not a table over s), so a pattern that dies after a few
// bytes costs a few steps however long s is; each step is charged to the budget.
std::vector<size_t> match_ends(const std::vector<PatternToken>& pat, std::string_view s,
                               size_t start, ExpansionBudget& budget) {
  std::vector<size_t> cur{start}, next;
  for (const auto& tok : pat) {
    budget.charge(cur.size());
    next.clear();
    if (tok.kind == PatternToken::star) {
      // Every later position is reachable from the first live one.
      for (size_t j = cur.front(); j <= s.size(); ++j)
        if (is_char_boundary(s, j)) next.push_back(j);
      budget.charge(next.size());
    } else {
      for (size_t i : cur) {
        if (i == s.size()) continue;
        size_t j = 0;
        if (tok.kind == PatternToken::literal) {
          if (s[i] != tok.ch) continue;
          j = i + 1;
        } else {
          j = i + 1;
          while (!is_char_boundary(s, j))
            ++j;
        }
        if (next.empty() || next.back() != j) next.push_back(j); // j never decreases
      }
    }
    cur.swap(next);
    if (cur.empty()) break;
  }
  return cur;
}

} // namespace

std::string trim_match(const std::string& value, std::string_view pat, bool longest, bool prefix,
                       ExpansionBudget& budget) {
  auto tokens = compile_pattern(pat);
  if (prefix) {
    auto ends = match_ends(tokens, value, 0, budget);
    if (ends.empty()) return value;
    return value.substr(longest ? ends.back() : ends.front());
  }
  // The longest suffix starts as early as possible, the shortest as late as possible.
  const size_t n = value.size();
  for (size_t k = 0; k <= n; ++k) {
    size_t s = longest ? k : n - k;
    if (!is_char_boundary(value, s)) continue;
    auto ends = match_ends(tokens, value, s, budget);
    if (!ends.empty() && ends.back() == n) return value.substr(0, s);
  }
  return value;
}

std::string replace_pattern(const std::string& value, std::string_view pat, const std::string& rep,
                            bool all, ExpansionBudget& budget) {
  auto tokens = compile_pattern(pat);
  // The leftmost match, extended as far as it goes (Go's regexp with greedy stars).
  auto find = [&](size_t from) -> std::optional<std::pair<size_t, size_t>> {
    for (size_t s = from; s <= value.size(); ++s) {
      if (!is_char_boundary(value, s)) continue;
      auto ends = match_ends(tokens, value, s, budget);
      if (!ends.empty()) return std::make_pair(s, ends.back());
    }
    return std::nullopt;
  };
  std::string out;
  size_t last_end = 0, search = 0;
  while (search <= value.size()) {
    auto m = find(search);
    if (!m) break;
    out.append(value, last_end, m->first - last_end);
    // Like Go: no replacement for an empty match right after the previous match.
    if (m->second > last_end || m->first == 0) out += rep;
    check_word_size(out.size(), value.size());
    budget.charge(rep.size());
    last_end = m->second;
    if (!all) break;
    size_t step = search + 1;
    while (!is_char_boundary(value, step))
      ++step;
    search = step > m->second ? step : m->second;
  }
  out.append(value, last_end, std::string::npos);
  check_word_size(out.size(), value.size());
  return out;
}

} // namespace rt::dockerfile::detail

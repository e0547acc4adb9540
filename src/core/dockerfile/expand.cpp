#include "dockerfile/expand.hpp"

#include "util/error.hpp"

#include <optional>
#include <stdexcept>

namespace rt::dockerfile {
namespace {

constexpr int kEof = -1;

// A lexer failure with BuildKit's wording; expand_word adds "file:line: failed to process".
struct LexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// POSIX special parameters ($@, $*, $#, ...): BuildKit reads them as one-character names.
bool is_special_param(int c) {
  return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' ||
         c == '0';
}
// Shell patterns match characters, not bytes: a star or '?' never splits a UTF-8 sequence.
bool is_char_boundary(std::string_view s, size_t i) {
  return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

// A shell pattern of ${VAR#pat}, ${VAR%pat} and ${VAR/pat/rep}: literal bytes, '?' and '*'.
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

// Returns, for each position e of `s`, whether the pattern matches s[start, e) exactly.
std::vector<bool> match_ends(const std::vector<PatternToken>& pat, std::string_view s,
                             size_t start) {
  std::vector<bool> cur(s.size() + 1, false);
  cur[start] = true;
  for (const auto& tok : pat) {
    std::vector<bool> nxt(s.size() + 1, false);
    bool any = false;
    for (size_t i = start; i <= s.size(); ++i) {
      if (!cur[i]) continue;
      if (tok.kind == PatternToken::star) {
        for (size_t j = i; j <= s.size(); ++j)
          if (is_char_boundary(s, j)) nxt[j] = any = true;
        break; // every later position is already reachable
      }
      if (i == s.size()) continue;
      if (tok.kind == PatternToken::literal && s[i] == tok.ch) {
        nxt[i + 1] = any = true;
      } else if (tok.kind == PatternToken::any_char) {
        size_t j = i + 1;
        while (!is_char_boundary(s, j))
          ++j;
        nxt[j] = any = true;
      }
    }
    cur.swap(nxt);
    if (!any) break;
  }
  return cur;
}

// ${VAR#pat} / ${VAR##pat} drop the shortest / longest matching prefix; ${VAR%pat} /
// ${VAR%%pat} the shortest / longest matching suffix.
std::string trim_match(const std::string& value, std::string_view pat, bool longest, bool prefix) {
  auto tokens = compile_pattern(pat);
  std::optional<size_t> cut;
  if (prefix) {
    auto ends = match_ends(tokens, value, 0);
    for (size_t e = 0; e <= value.size(); ++e)
      if (ends[e] && (!cut || longest)) cut = e;
    return cut ? value.substr(*cut) : value;
  }
  for (size_t s = 0; s <= value.size(); ++s)
    if (is_char_boundary(value, s) && match_ends(tokens, value, s)[value.size()] &&
        (!cut || !longest))
      cut = s;
  return cut ? value.substr(0, *cut) : value;
}

// ${VAR/pat/rep} and ${VAR//pat/rep}: BuildKit uses Go's regexp with greedy stars, i.e. the
// leftmost match extended as far as it goes, and Go's ReplaceAll rules for empty matches.
std::string replace_pattern(const std::string& value, std::string_view pat, const std::string& rep,
                            bool all) {
  auto tokens = compile_pattern(pat);
  auto find = [&](size_t from) -> std::optional<std::pair<size_t, size_t>> {
    for (size_t s = from; s <= value.size(); ++s) {
      if (!is_char_boundary(value, s)) continue;
      auto ends = match_ends(tokens, value, s);
      for (size_t e = value.size() + 1; e-- > s;)
        if (ends[e]) return std::make_pair(s, e);
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
    last_end = m->second;
    if (!all) break;
    size_t step = search + 1;
    while (!is_char_boundary(value, step))
      ++step;
    search = step > m->second ? step : m->second;
  }
  out.append(value, last_end, std::string::npos);
  return out;
}

// A port of BuildKit's shellWord: one pass over the word, recursing for ${...} operands.
class Lexer {
public:
  Lexer(std::string_view in, const VarMap& vars, char escape, bool raw_quotes = false,
        bool skip_quotes = false)
      : in_(in), vars_(vars), escape_(static_cast<unsigned char>(escape)), raw_quotes_(raw_quotes),
        skip_quotes_(skip_quotes) {}

  std::string run() { return process_until(kEof, false); }

private:
  int peek() const { return pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_]) : kEof; }
  int next() { return pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_++]) : kEof; }

  std::optional<std::string> lookup(const std::string& name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  }

  // Reads up to `stop` (consumed) or the end. Pattern operands are read with raw escapes so
  // that "\*" still reaches the pattern compiler, as BuildKit does.
  std::string process_until(int stop, bool raw_escapes) {
    struct Restore {
      bool& ref;
      bool saved;
      ~Restore() { ref = saved; }
    } restore{raw_escapes_, raw_escapes_};
    raw_escapes_ = raw_escapes;
    std::string out;
    while (peek() != kEof) {
      int ch = peek();
      if (stop != kEof && ch == stop) {
        next();
        return out;
      }
      if (ch == '$') {
        out += dollar();
      } else if (ch == '\'' && !skip_quotes_) {
        out += single_quote();
      } else if (ch == '"' && !skip_quotes_) {
        out += double_quote();
      } else {
        next();
        if (ch == escape_) {
          if (raw_escapes_) out += static_cast<char>(ch);
          ch = next(); // a trailing escape char is dropped
          if (ch == kEof) break;
        }
        out += static_cast<char>(ch);
      }
    }
    if (stop != kEof)
      throw LexError("unexpected end of statement while looking for matching " +
                     std::string(1, static_cast<char>(stop)));
    return out;
  }

  // Everything up to the next ' is literal; there is no way to escape a single quote.
  std::string single_quote() {
    next();
    std::string out = raw_quotes_ ? "'" : "";
    for (;;) {
      int ch = next();
      if (ch == kEof)
        throw LexError("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') return raw_quotes_ ? out + "'" : out;
      out += static_cast<char>(ch);
    }
  }

  // $ expands; the escape char escapes only '"', '$' and itself, and is kept before anything
  // else (sh's rule, which BuildKit follows).
  std::string double_quote() {
    next();
    std::string out = raw_quotes_ ? "\"" : "";
    for (;;) {
      int ch = peek();
      if (ch == kEof)
        throw LexError("unexpected end of statement while looking for matching double-quote");
      if (ch == '"') {
        next();
        return raw_quotes_ ? out + '"' : out;
      }
      if (ch == '$') {
        out += dollar();
        continue;
      }
      ch = next();
      if (ch == escape_) {
        if (raw_escapes_) out += static_cast<char>(ch);
        int p = peek();
        if (p == kEof) continue;
        if (p == '"' || p == '$' || p == escape_) ch = next();
      }
      out += static_cast<char>(ch);
    }
  }

  std::string name() {
    std::string n;
    while (peek() != kEof) {
      int ch = peek();
      if (n.empty() && is_digit(ch)) {
        while (is_digit(peek()))
          n += static_cast<char>(next());
        return n;
      }
      if (n.empty() && is_special_param(ch)) return std::string(1, static_cast<char>(next()));
      if (!is_name_char(ch)) break;
      n += static_cast<char>(next());
    }
    return n;
  }

  // Reads a ${...} operand up to `stop`; hitting the end reports BuildKit's "missing" message.
  std::string operand(int stop, bool raw, const char* missing) {
    try {
      return process_until(stop, raw);
    } catch (const LexError&) {
      if (peek() == kEof) throw LexError(missing);
      throw;
    }
  }

  std::string dollar() {
    next(); // '$'
    if (peek() != '{') {
      std::string n = name();
      if (n.empty()) return "$"; // a lone '$' is literal
      return lookup(n).value_or("");
    }
    next(); // '{'
    int p = peek();
    if (p == kEof) throw LexError("syntax error: missing '}'");
    if (p == '{' || p == '}' || p == ':') throw LexError("syntax error: bad substitution");
    std::string n = name();
    int ch = next();
    if (ch == '}') return lookup(n).value_or("");
    // BuildKit would report "unsupported modifier (\uFFFD)"; the missing brace is the real issue.
    if (ch == kEof) throw LexError("syntax error: missing '}'");
    if (ch == '/') return substitute(n);
    std::string modifier(1, static_cast<char>(ch));
    bool null_is_unset = false;
    if (ch == ':') {
      null_is_unset = true;
      ch = next();
      if (ch == kEof) throw LexError("syntax error: missing '}'");
      modifier += static_cast<char>(ch);
    }
    if (ch != '-' && ch != '+' && ch != '?' && ch != '#' && ch != '%')
      throw LexError("unsupported modifier (" + modifier + ") in substitution");
    std::string word = operand('}', ch == '#' || ch == '%', "syntax error: missing '}'");
    auto value = lookup(n);
    bool empty_or_unset = !value || (null_is_unset && value->empty());
    switch (ch) {
    case '-':
      return empty_or_unset ? word : *value;
    case '+':
      return empty_or_unset ? std::string() : word;
    case '?':
      if (!value) throw LexError(n + ": " + (word.empty() ? "is not allowed to be unset" : word));
      if (empty_or_unset)
        throw LexError(n + ": " + (word.empty() ? "is not allowed to be empty" : word));
      return *value;
    default: { // '#' or '%'; doubled for the longest match
      bool longest = !word.empty() && word[0] == ch;
      std::string_view pat = longest ? std::string_view(word).substr(1) : std::string_view(word);
      std::string v = value.value_or("");
      return trim_match(v, pat, longest, ch == '#');
    }
    }
  }

  std::string substitute(const std::string& n) {
    bool all = peek() == '/';
    if (all) next();
    std::string pat = operand('/', true, "syntax error: missing '/' in ${}");
    std::string rep = operand('}', true, "syntax error: missing '}'");
    return replace_pattern(lookup(n).value_or(""), pat, rep, all);
  }

  std::string_view in_;
  size_t pos_ = 0;
  const VarMap& vars_;
  int escape_;
  bool raw_quotes_ = false;  // quotes are kept in the result (BuildKit's RawQuotes)
  bool skip_quotes_ = false; // quotes are ordinary characters (BuildKit's SkipProcessQuotes)
  bool raw_escapes_ = false;
};

} // namespace

std::string expand_word(std::string_view word, const VarMap& vars, char escape,
                        const std::string& file, int line) {
  try {
    return Lexer(word, vars, escape).run();
  } catch (const LexError& e) {
    throw InputError::located(file, line,
                              "failed to process \"" + std::string(word) + "\": " + e.what());
  }
}

std::string expand_keeping_quotes(std::string_view text, const VarMap& vars, char escape,
                                  const std::string& file, int line) {
  try {
    return Lexer(text, vars, escape, /*raw_quotes=*/true).run();
  } catch (const LexError& e) {
    throw InputError::located(file, line,
                              "failed to process \"" + std::string(text) + "\": " + e.what());
  }
}

std::string expand_heredoc(std::string_view text, const VarMap& vars, const std::string& file,
                           int line) {
  try {
    return Lexer(text, vars, '\\', /*raw_quotes=*/false, /*skip_quotes=*/true).run();
  } catch (const LexError& e) {
    throw InputError::located(file, line, "failed to process heredoc: " + std::string(e.what()));
  }
}

std::vector<std::string> split_raw_words(std::string_view text, char escape) {
  // BuildKit's parseWords (parser/line_parsers.go): quotes and escapes stay in the word.
  std::vector<std::string> words;
  std::string w;
  bool blank_ok = false; // a quoted "" is a word too
  char quote = 0;        // the quote we are inside, if any
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char ch = text[pos];
    if (!quote && is_space(static_cast<unsigned char>(ch))) {
      if (blank_ok || !w.empty()) words.push_back(w);
      w.clear();
      blank_ok = false;
      continue;
    }
    if (ch == escape && quote != '\'') { // nothing escapes inside single quotes
      if (pos + 1 == text.size()) break; // a trailing escape char is dropped
      w += ch;
      ch = text[++pos]; // the escaped char stays in this word, even a quote or a space
    } else if (!quote && (ch == '\'' || ch == '"')) {
      quote = ch;
      blank_ok = true;
    } else if (ch == quote) {
      quote = 0;
    }
    w += ch;
  }
  if (blank_ok || !w.empty()) words.push_back(w);
  return words;
}

std::vector<std::string> expand_words(std::string_view text, const VarMap& vars, char escape,
                                      const std::string& file, int line) {
  std::vector<std::string> out;
  for (const auto& raw : split_raw_words(text, escape))
    out.push_back(expand_word(raw, vars, escape, file, line));
  return out;
}

std::vector<KeyValue> split_key_values(const Instruction& ins, char escape, const std::string& file,
                                       KeyValueForm form) {
  const std::string& kw = ins.keyword;
  auto fail = [&](const std::string& what) { return InputError::located(file, ins.line, what); };
  auto words = split_raw_words(ins.rest, escape);
  if (words.empty()) throw fail(kw + " requires at least one argument");
  std::vector<KeyValue> out;
  if (form == KeyValueForm::arg) {
    // instructions.parseArg: "NAME" declares, "NAME=value" gives a default (maybe empty).
    for (const auto& w : words) {
      auto eq = w.find('=');
      if (eq == std::string::npos) {
        out.push_back({w, "", false});
        continue;
      }
      if (eq == 0) throw fail("ARG names can not be blank");
      out.push_back({w.substr(0, eq), w.substr(eq + 1), true});
    }
    return out;
  }
  if (words[0].find('=') == std::string::npos) {
    // parseNameVal's legacy "ENV KEY value with spaces": the key is the first whitespace-
    // delimited token and the value is the rest of the line as written.
    const std::string& rest = ins.rest;
    auto sep = rest.find_first_of(" \t\v\f\r");
    if (sep == std::string::npos) throw fail(kw + " must have two arguments");
    auto value_start = rest.find_first_not_of(" \t\v\f\r", sep);
    out.push_back({rest.substr(0, sep), rest.substr(value_start), true});
    return out;
  }
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos)
      throw fail("Syntax error - can't find = in \"" + w + "\". Must be of the form: name=value");
    if (eq == 0) throw fail(kw + " names can not be blank");
    out.push_back({w.substr(0, eq), w.substr(eq + 1), true});
  }
  return out;
}

std::vector<KeyValue> parse_key_values(const Instruction& ins, const VarMap& vars, char escape,
                                       const std::string& file, KeyValueForm form) {
  auto pairs = split_key_values(ins, escape, file, form);
  for (auto& kv : pairs) {
    // BuildKit's expandKvp and ArgCommand.Expand expand the name as well as the value.
    kv.key = expand_word(kv.key, vars, escape, file, ins.line);
    if (kv.has_value) kv.value = expand_word(kv.value, vars, escape, file, ins.line);
    // BuildKit only checks the name before expansion; an empty name after it would still make
    // an unusable "=value" entry, so we reject it too.
    if (kv.key.empty())
      throw InputError::located(file, ins.line, ins.keyword + " names can not be blank");
  }
  return pairs;
}

} // namespace rt::dockerfile

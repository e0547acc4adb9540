#include "dockerfile/expand.hpp"

#include "dockerfile/shell_pattern.hpp"
#include "util/error.hpp"
#include "util/printable.hpp"

#include <optional>

namespace rt::dockerfile {
namespace {

constexpr int kEof = -1;

using detail::replace_pattern;
using detail::trim_match;

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

// BuildKit's wordsStruct (ProcessWords): the expanded text cut into words at whitespace that
// came from the source unquoted or from a variable's value; quoted text and escaped characters
// never split, and an empty word is never produced.
class WordSplitter {
public:
  void add_splitting(std::string_view text) {
    for (char c : text) {
      if (!is_space(static_cast<unsigned char>(c))) {
        add_raw(std::string_view(&c, 1));
      } else if (in_word_ && !buf_.empty()) {
        words_.push_back(std::move(buf_));
        buf_.clear();
        in_word_ = false;
      }
    }
  }
  void add_raw(std::string_view text) {
    buf_ += text;
    in_word_ = true;
  }
  std::vector<std::string> finish() {
    if (!buf_.empty()) words_.push_back(std::move(buf_));
    return std::move(words_);
  }

private:
  std::string buf_;
  bool in_word_ = false;
  std::vector<std::string> words_;
};

// A port of BuildKit's shellWord: one pass over the word, recursing for ${...} operands (at
// most kMaxExpansionNesting deep). Every variable's value it produces is charged to the budget,
// and no word or operand may grow past kMaxWordBytes.
class Lexer {
public:
  Lexer(std::string_view in, const VarMap& vars, char escape, ExpansionBudget& budget,
        bool raw_quotes = false, bool skip_quotes = false)
      : in_(in), vars_(vars), escape_(static_cast<unsigned char>(escape)), budget_(budget),
        raw_quotes_(raw_quotes), skip_quotes_(skip_quotes) {}

  std::string run() { return process_until(kEof, false); }

  // ProcessWords: the expansion cut into words (see WordSplitter).
  std::vector<std::string> run_words() {
    WordSplitter words;
    words_ = &words;
    process_until(kEof, false);
    words_ = nullptr;
    return words.finish();
  }

private:
  int peek() const { return pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_]) : kEof; }
  int next() { return pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_++]) : kEof; }

  std::optional<std::string> lookup(const std::string& name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    budget_.charge(it->second.size());
    return it->second;
  }

  // Appends to a word under construction, within kMaxWordBytes of the text's own length.
  void append(std::string& out, std::string_view piece) const {
    check_word_size(out.size() + piece.size(), in_.size());
    out += piece;
  }

  // Reads up to `stop` (consumed) or the end. Pattern operands are read with raw escapes so
  // that "\*" still reaches the pattern compiler, as BuildKit does. At the top level of
  // run_words, each piece also goes to the word splitter: a variable's value and unquoted
  // source characters split at whitespace, quoted text and escaped characters do not.
  std::string process_until(int stop, bool raw_escapes) {
    struct Restore {
      bool& ref;
      bool saved;
      ~Restore() { ref = saved; }
    } restore{raw_escapes_, raw_escapes_};
    raw_escapes_ = raw_escapes;
    WordSplitter* words = depth_ == 0 ? words_ : nullptr;
    std::string out;
    while (peek() != kEof) {
      int ch = peek();
      if (stop != kEof && ch == stop) {
        next();
        return out;
      }
      std::string piece;
      if (ch == '$') {
        piece = dollar();
        if (words) words->add_splitting(piece);
      } else if ((ch == '\'' || ch == '"') && !skip_quotes_) {
        piece = ch == '\'' ? single_quote() : double_quote();
        if (words) words->add_raw(piece);
      } else if (ch != escape_) {
        next();
        char c = static_cast<char>(ch);
        if (words) words->add_splitting(std::string_view(&c, 1));
        append(out, std::string_view(&c, 1));
        continue;
      } else {
        next();
        if (raw_escapes_) piece += static_cast<char>(ch);
        ch = next(); // a trailing escape char is dropped
        if (ch != kEof) piece += static_cast<char>(ch);
        if (words) words->add_raw(piece);
        append(out, piece);
        if (ch == kEof) break;
        continue;
      }
      append(out, piece);
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
    // Operands recurse through here: bound the depth before the stack is.
    if (depth_ >= kMaxExpansionNesting)
      throw LexError("${...} nested more than " + std::to_string(kMaxExpansionNesting) +
                     " levels deep");
    struct Nest {
      int& depth;
      explicit Nest(int& d) : depth(++d) {}
      ~Nest() { --depth; }
    } nest(depth_);
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
      return trim_match(v, pat, longest, ch == '#', budget_);
    }
    }
  }

  std::string substitute(const std::string& n) {
    bool all = peek() == '/';
    if (all) next();
    std::string pat = operand('/', true, "syntax error: missing '/' in ${}");
    std::string rep = operand('}', true, "syntax error: missing '}'");
    return replace_pattern(lookup(n).value_or(""), pat, rep, all, budget_);
  }

  std::string_view in_;
  size_t pos_ = 0;
  const VarMap& vars_;
  int escape_;
  ExpansionBudget& budget_;
  int depth_ = 0;                 // ${...} levels open
  WordSplitter* words_ = nullptr; // set by run_words
  bool raw_quotes_ = false;       // quotes are kept in the result (BuildKit's RawQuotes)
  bool skip_quotes_ = false;      // quotes are ordinary characters (BuildKit's SkipProcessQuotes)
  bool raw_escapes_ = false;
};

// Runs a lexer with the caller's budget (or one of its own). A failure becomes
// "file:line: failed to process \"TEXT\": why" (BuildKit's words; the text made safe to print
// and cut short), or "failed to process heredoc: why" when `text` is empty.
template <class Run>
auto lex(ExpansionBudget* budget, const std::string& file, int line, std::string_view text,
         Run run) {
  ExpansionBudget local;
  try {
    return run(budget ? *budget : local);
  } catch (const LexError& e) {
    std::string what = text.empty() ? "heredoc" : "\"" + printable(text, 200) + "\"";
    // The lexer's own words may quote the input too (${VAR?message}, patterns).
    throw InputError::located(file, line,
                              "failed to process " + what + ": " + printable(e.what(), 300));
  }
}

// The fields of BuildKit's parseStringsWhitespaceDelimited: split on blanks, quotes or not.
std::vector<std::string_view> blank_fields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find_first_of(" \t\v\f\r", i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

} // namespace

std::string expand_word(std::string_view word, const VarMap& vars, char escape,
                        const std::string& file, int line, ExpansionBudget* budget) {
  return lex(budget, file, line, word,
             [&](ExpansionBudget& b) { return Lexer(word, vars, escape, b).run(); });
}

std::string expand_keeping_quotes(std::string_view text, const VarMap& vars, char escape,
                                  const std::string& file, int line, ExpansionBudget* budget) {
  return lex(budget, file, line, text, [&](ExpansionBudget& b) {
    return Lexer(text, vars, escape, b, /*raw_quotes=*/true).run();
  });
}

std::string expand_heredoc(std::string_view text, const VarMap& vars, const std::string& file,
                           int line, ExpansionBudget* budget) {
  return lex(budget, file, line, {}, [&](ExpansionBudget& b) {
    return Lexer(text, vars, '\\', b, /*raw_quotes=*/false, /*skip_quotes=*/true).run();
  });
}

std::vector<std::string> expand_fields(std::string_view text, const VarMap& vars, char escape,
                                       const std::string& file, int line, ExpansionBudget* budget) {
  std::vector<std::string> out;
  for (std::string_view field : blank_fields(text)) {
    auto words = lex(budget, file, line, field,
                     [&](ExpansionBudget& b) { return Lexer(field, vars, escape, b).run_words(); });
    out.insert(out.end(), words.begin(), words.end());
  }
  return out;
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
                                      const std::string& file, int line, ExpansionBudget* budget) {
  std::vector<std::string> out;
  for (const auto& raw : split_raw_words(text, escape))
    out.push_back(expand_word(raw, vars, escape, file, line, budget));
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
      throw fail("Syntax error - can't find = in \"" + printable(w, 200) +
                 "\". Must be of the form: name=value");
    if (eq == 0) throw fail(kw + " names can not be blank");
    out.push_back({w.substr(0, eq), w.substr(eq + 1), true});
  }
  return out;
}

std::vector<KeyValue> parse_key_values(const Instruction& ins, const VarMap& vars, char escape,
                                       const std::string& file, KeyValueForm form,
                                       ExpansionBudget* budget) {
  auto pairs = split_key_values(ins, escape, file, form);
  for (auto& kv : pairs) {
    // BuildKit's expandKvp and ArgCommand.Expand expand the name as well as the value.
    kv.key = expand_word(kv.key, vars, escape, file, ins.line, budget);
    if (kv.has_value) kv.value = expand_word(kv.value, vars, escape, file, ins.line, budget);
    // BuildKit only checks the name before expansion; an empty name after it would still make
    // an unusable "=value" entry, so we reject it too.
    if (kv.key.empty())
      throw InputError::located(file, ins.line, ins.keyword + " names can not be blank");
  }
  return pairs;
}

} // namespace rt::dockerfile

#include "build/env_file.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::build {

namespace {

// Blanks within a line (compose-go's isSpace: whitespace that is not a line break).
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// [A-Za-z_][A-Za-z0-9_.-]*: what compose accepts, minus its non-ASCII letters, which cannot
// be passed on as build args anyway.
bool valid_key(std::string_view k) {
  if (k.empty() || !is_alpha(k[0])) return false;
  for (char c : k.substr(1)) {
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-') return false;
  }
  return true;
}

// Compose (compose-go/dotenv) turns \n and \r into control characters and \" \\ into the
// character itself; we add \t and \$ (which compose maps to its "$$" literal-dollar form, and
// we do no interpolation). Unknown escapes keep their backslash, so Windows paths survive.
char unescape(char c) {
  switch (c) {
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  case '"':
  case '\\':
  case '$':
    return c;
  default:
    return 0;
  }
}

class Parser {
public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::vector<EnvEntry> run() {
    std::vector<EnvEntry> out;
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3; // a UTF-8 BOM, as Windows editors write
    while (pos_ < text_.size()) {
      std::string_view line = next_line();
      std::string_view s = trim_left(line);
      if (s.empty() || s[0] == '#') continue;
      if (s.starts_with("export") && s.size() > 6 && is_blank(s[6])) s = trim_left(s.substr(7));
      size_t eq = s.find('=');
      if (eq == s.npos)
        fail(fmt::format("expected KEY=VALUE, found \"{}\"", printable(trim_right(s), 200)));
      std::string_view key = trim_right(s.substr(0, eq));
      if (key.empty()) fail("missing variable name before '='");
      if (!valid_key(key)) fail(fmt::format("invalid variable name \"{}\"", printable(key, 100)));
      std::string_view value = trim_left(s.substr(eq + 1));
      if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
        pos_ = static_cast<size_t>(value.data() - text_.data()); // re-read from the quote
        out.emplace_back(std::string(key), quoted(key));
      } else {
        out.emplace_back(std::string(key), std::string(unquoted(value)));
      }
    }
    return out;
  }

private:
  // Returns the next line without its "\n" or "\r\n" and advances past it.
  std::string_view next_line() {
    size_t eol = text_.find('\n', pos_);
    if (eol == text_.npos) eol = text_.size();
    std::string_view line = text_.substr(pos_, eol - pos_);
    pos_ = eol + 1;
    ++line_;
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  }

  // Compose cuts an inline comment only where '#' follows a blank: "a#b" stays "a#b".
  static std::string_view unquoted(std::string_view v) {
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i] == '#' && is_blank(v[i - 1])) {
        v = v.substr(0, i);
        break;
      }
    }
    return trim_right(v);
  }

  // pos_ is at the opening quote, on line line_. Reads to the closing quote, possibly over
  // several lines, then consumes the rest of the line the value ends on.
  std::string quoted(std::string_view key) {
    const int start_line = line_;
    const char quote = text_[pos_++];
    std::string value;
    for (;;) {
      if (pos_ >= text_.size()) {
        line_ = start_line;
        fail(fmt::format("unterminated {}-quoted value of {}", quote == '"' ? "double" : "single",
                         printable(key, 100)));
      }
      char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\n') {
        ++line_;
        if (value.ends_with('\r')) value.pop_back(); // CRLF files: keep the value's lines clean
      }
      if (c == '\\' && quote == '"' && pos_ < text_.size()) {
        if (char u = unescape(text_[pos_])) {
          value += u;
          ++pos_;
          continue;
        }
      }
      value += c;
    }
    --line_; // next_line() counts the closing line again
    std::string_view after = trim_left(next_line());
    if (!after.empty() && after[0] != '#')
      fail(fmt::format("unexpected \"{}\" after the quoted value of {}",
                       printable(trim_right(after), 100), printable(key, 100)));
    return value;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError::located(file_, line_, what);
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 0; // number of the line last read
};

} // namespace

std::vector<EnvEntry> parse_env_file(std::string_view text, const std::string& file) {
  return Parser(text, file).run();
}

std::vector<EnvEntry> load_env_file(const std::string& path) {
  return parse_env_file(read_file(path), path);
}

} // namespace rt::build

#include "dockerfile/parser.hpp"

#include "dockerfile/expand.hpp"
#include "util/error.hpp"
#include "util/printable.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <set>

namespace rt::dockerfile {
namespace {

constexpr std::array<std::string_view, 18> kKeywords = {
    "FROM",    "RUN", "CMD",     "LABEL",      "MAINTAINER",  "EXPOSE",
    "ENV",     "ADD", "COPY",    "ENTRYPOINT", "VOLUME",      "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"};

// Go's unicode.IsSpace restricted to ASCII, which is what BuildKit's trimming sees in practice.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
// BuildKit splits the keyword from its arguments on this set (reWhitespace, no '\n').
constexpr const char* kWordSpace = " \t\v\f\r";

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  return s;
}
std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}
// Lines keep their "\n" or "\r\n" in BuildKit's scanner; trimNewline drops any trailing mix.
std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}
bool is_comment(std::string_view raw) {
  auto t = trim_left(trim_newline(raw));
  return !t.empty() && t.front() == '#';
}
std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// Parser directives ("# escape=`", "# syntax=...", "# check=..."): only recognised while every
// line so far was one; the first other line, even a blank line or comment, ends the header.
class Directives {
public:
  char escape = '\\';

  void consider(std::string_view token, const std::string& path, int line) {
    if (done_) return;
    if (token.empty() || token.front() != '#') return finish();
    auto s = trim_left(token.substr(1));
    // BuildKit: ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$
    size_t i = 0;
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (s.empty() || !alpha(s[0])) return finish();
    while (i < s.size() && (alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')))
      ++i;
    std::string name(s.substr(0, i));
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto r = trim_left(s.substr(i));
    if (r.empty() || r.front() != '=') return finish();
    auto value = trim(r.substr(1));
    if (value.empty()) return finish();
    if (name != "escape" && name != "syntax" && name != "check") return finish();
    if (!seen_.insert(name).second)
      throw InputError::located(path, line, "only one " + name + " parser directive can be used");
    if (name == "escape") {
      if (value != "\\" && value != "`")
        throw InputError::located(path, line,
                                  "invalid escape token '" + printable(value, 100) +
                                      "' does not match ` or \\");
      escape = value.front();
    }
  }

private:
  void finish() { done_ = true; }
  bool done_ = false;
  std::set<std::string> seen_;
};

// BuildKit's continuation regex ([^E])E[ \t]*$|^E[ \t]*$ with E the escape char: the escape
// (and the blanks after it) is removed and the next line is appended with no separator. A
// doubled escape at the end ("dir\\") is an escaped escape, not a continuation.
bool trim_continuation(std::string& line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
    --end;
  if (end == 0 || line[end - 1] != escape) return false;
  if (end >= 2 && line[end - 2] == escape) return false;
  line.resize(end - 1);
  return true;
}

struct SplitLine {
  std::string cmd; // as written
  std::vector<std::pair<std::string, std::string>> flags;
  std::string rest;
};

// splitCommand + extractBuilderFlags: leading words starting with "--" are flags, with quotes
// removed and backslash escapes applied (always '\', whatever the escape directive); a bare
// "--" ends the flags and is dropped.
SplitLine split_line(std::string_view line, const std::string& path, int lineno) {
  SplitLine out;
  line = trim(line);
  size_t sep = line.find_first_of(kWordSpace);
  out.cmd = std::string(line.substr(0, sep));
  std::string_view args = sep == std::string_view::npos ? std::string_view() : line.substr(sep);
  std::vector<std::string> words;
  std::string word;
  enum { spaces, in_word, in_quote } phase = spaces;
  char quote = 0;
  bool blank_ok = false;
  std::string_view rest;
  const size_t n = args.size();
  for (size_t pos = 0; pos <= n; ++pos) {
    char ch = pos < n ? args[pos] : '\0';
    if (phase == spaces) {
      if (pos == n) break;
      if (is_space(ch)) continue;
      if (ch != '-' || pos + 1 == n || args[pos + 1] != '-') {
        rest = args.substr(pos);
        break;
      }
      phase = in_word;
    }
    if (pos == n) {
      if (word != "--" && (blank_ok || !word.empty())) words.push_back(word);
      break;
    }
    if (phase == in_word) {
      if (is_space(ch)) {
        phase = spaces;
        if (word == "--") {
          rest = args.substr(pos);
          break;
        }
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = in_quote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == n) continue;
        ch = args[++pos];
      }
      word += ch;
      continue;
    }
    if (ch == quote) {
      phase = in_word;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == n) {
        phase = in_word;
        continue;
      }
      ch = args[++pos];
    }
    word += ch;
  }
  for (const auto& w : words) {
    std::string_view body = std::string_view(w).substr(2); // every flag word starts with "--"
    auto eq = body.find('=');
    std::string name(body.substr(0, eq));
    if (name.empty())
      throw InputError::located(path, lineno, "missing flag name in \"" + printable(w, 100) + "\"");
    out.flags.emplace_back(name,
                           eq == std::string_view::npos ? "" : std::string(body.substr(eq + 1)));
  }
  out.rest = std::string(trim(rest));
  return out;
}

// parseJSON: a JSON array of strings is exec form; anything else that fails to parse is shell
// form, but an array with a non-string element is an error (parseMaybeJSON propagates it).
std::optional<std::vector<std::string>> json_array(std::string_view rest, const std::string& path,
                                                   int line) {
  rest = trim_left(rest);
  if (rest.empty() || rest.front() != '[') return std::nullopt;
  auto j = nlohmann::json::parse(rest.begin(), rest.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string())
      throw InputError::located(
          path, line, "when using JSON array syntax, arrays must be comprised of strings only");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Heredoc words of a RUN, COPY or ADD in shell form, split as BuildKit's heredocsFromLine does
// (quotes kept, '\' escapes, whatever the escape directive), so a quoted '<<EOF' is an ordinary
// word. Their bodies are read by parse().
void find_heredocs(Instruction& ins, const std::string& keyword, const std::string& rest,
                   const std::string& path) {
  if (keyword != "RUN" && keyword != "COPY" && keyword != "ADD") return;
  if (rest.find("<<") == std::string::npos) return;
  for (const auto& w : split_raw_words(rest, '\\'))
    if (auto h = parse_heredoc_word(w, path, ins.line)) ins.heredocs.push_back(std::move(*h));
}

// Removes the leading tabs of every line ("<<-", BuildKit's ChompHeredocContent).
std::string chomp_tabs(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && c == '\t') continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

// The argument-count messages of instructions/parse.go, for an empty argument list.
std::string missing_argument(const std::string& kw) {
  if (kw == "FROM") return "FROM requires either one or three arguments";
  if (kw == "COPY" || kw == "ADD") return kw + " requires at least two arguments";
  if (kw == "USER" || kw == "WORKDIR" || kw == "MAINTAINER" || kw == "STOPSIGNAL")
    return kw + " requires exactly one argument";
  return kw + " requires at least one argument";
}

// HEALTHCHECK NONE | HEALTHCHECK [flags] CMD command (parseHealthConfig + parseHealthcheck).
void parse_healthcheck(Instruction& ins, const std::string& path) {
  auto sep = ins.rest.find_first_of(kWordSpace);
  std::string type = to_upper(std::string_view(ins.rest).substr(0, sep));
  std::string_view cmd =
      sep == std::string::npos ? "" : trim(std::string_view(ins.rest).substr(sep));
  auto fail = [&](const std::string& what) { return InputError::located(path, ins.line, what); };
  if (type == "NONE") {
    if (!cmd.empty()) throw fail("HEALTHCHECK NONE takes no arguments");
    return;
  }
  if (type != "CMD")
    throw fail("Unknown type \"" + printable(type, 100) + "\" in HEALTHCHECK (try CMD)");
  if (auto json = json_array(cmd, path, ins.line)) {
    ins.json_form = true;
    ins.json_args = std::move(*json);
  }
  if (cmd.empty() || (ins.json_form && ins.json_args.empty()))
    throw fail("Missing command after HEALTHCHECK CMD");
}

// ONBUILD keeps its trigger as text (it runs in a child build), but what BuildKit rejects at
// parse time we reject too, and the trigger's heredocs are found.
void check_onbuild(Instruction& ins, const std::string& path) {
  SplitLine inner = split_line(ins.rest, path, ins.line);
  std::string kw = to_upper(inner.cmd);
  auto fail = [&](const std::string& what) { return InputError::located(path, ins.line, what); };
  if (kw == "ONBUILD") throw fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (kw == "FROM" || kw == "MAINTAINER") throw fail(kw + " isn't allowed as an ONBUILD trigger");
  // A trigger's heredocs are read here too (BuildKit's canContainHeredoc), so that the lines
  // after it parse as they do in BuildKit.
  if (!json_array(inner.rest, path, ins.line)) find_heredocs(ins, kw, inner.rest, path);
}

Instruction make_instruction(const std::string& line, int lineno, char escape,
                             const std::string& path) {
  Instruction ins;
  ins.line = lineno;
  ins.original = std::string(trim(line));
  SplitLine split = split_line(line, path, lineno);
  ins.keyword = to_upper(split.cmd);
  if (!is_known_keyword(ins.keyword))
    throw InputError::located(path, lineno, "unknown instruction: " + printable(split.cmd, 100));
  ins.flags = std::move(split.flags);
  ins.rest = std::move(split.rest);
  const std::string& kw = ins.keyword;
  bool optional_args = kw == "RUN" || kw == "CMD" || kw == "ENTRYPOINT";
  if (ins.rest.empty() && !optional_args)
    throw InputError::located(path, lineno, missing_argument(kw));

  if (kw == "HEALTHCHECK") {
    parse_healthcheck(ins, path);
  } else if (kw == "RUN" || kw == "CMD" || kw == "ENTRYPOINT" || kw == "SHELL" || kw == "COPY" ||
             kw == "ADD" || kw == "VOLUME") {
    if (auto json = json_array(ins.rest, path, lineno)) {
      ins.json_form = true;
      ins.json_args = std::move(*json);
    }
  }
  if (kw == "SHELL" && !ins.json_form)
    throw InputError::located(path, lineno, "SHELL requires the arguments to be in JSON form");
  if (kw == "SHELL" && ins.json_args.empty())
    throw InputError::located(path, lineno, "SHELL requires at least one argument");
  if (!ins.json_form) find_heredocs(ins, kw, ins.rest, path);
  if (kw == "ONBUILD") check_onbuild(ins, path);
  // BuildKit splits ENV/LABEL/ARG at parse time; check their syntax now, expand later.
  if (kw == "ENV" || kw == "LABEL") split_key_values(ins, escape, path, KeyValueForm::env_or_label);
  if (kw == "ARG") split_key_values(ins, escape, path, KeyValueForm::arg);
  return ins;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  // Like bufio.Scanner: a final line without "\n" counts; a final "\n" starts no new line.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

} // namespace

std::optional<Heredoc> parse_heredoc_word(std::string_view w, const std::string& path, int line) {
  size_t i = 0;
  while (i < w.size() && w[i] >= '0' && w[i] <= '9')
    ++i;
  if (w.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  Heredoc h;
  if (i < w.size() && w[i] == '-') {
    h.chomp = true;
    ++i;
  }
  std::string_view rest = w.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
  // heredocFromMatch: the name is the word with quotes and escapes removed; it is expanded
  // only if no quote was removed (a raw pass keeps them: compare the counts).
  h.name = expand_word(rest, {}, '\\', path, line);
  if (h.name.empty()) return std::nullopt;
  std::string raw = expand_keeping_quotes(rest, {}, '\\', path, line);
  auto quotes = [](const std::string& s) {
    return std::count(s.begin(), s.end(), '\'') + std::count(s.begin(), s.end(), '"');
  };
  h.expand = quotes(h.name) == quotes(raw);
  return h;
}

bool is_known_keyword(std::string_view upper_keyword) {
  return std::find(kKeywords.begin(), kKeywords.end(), upper_keyword) != kKeywords.end();
}

Dockerfile parse(std::string_view text, const std::string& path) {
  Dockerfile df;
  df.path = path;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3); // UTF-8 byte-order mark
  Directives directives;
  auto lines = split_lines(text);
  size_t i = 0;
  while (i < lines.size()) {
    const int start_line = static_cast<int>(i) + 1;
    // The first line of an instruction loses its indentation; a comment line becomes empty.
    std::string_view token = trim_left(trim_newline(lines[i++]));
    directives.consider(token, path, start_line);
    if (!token.empty() && token.front() == '#') token = {};
    std::string line(token);
    bool continued = trim_continuation(line, directives.escape);
    if (!continued && line.empty()) continue;
    while (continued && i < lines.size()) {
      std::string_view raw = lines[i++];
      // Comment lines and blank lines inside a continuation are skipped (BuildKit warns about
      // blank ones); the other lines keep their indentation and are appended as they are.
      if (is_comment(raw) || trim_left(trim_newline(raw)).empty()) continue;
      std::string part(trim_newline(raw));
      continued = trim_continuation(part, directives.escape);
      line += part;
    }
    // A continuation still open at the end of the file is accepted, as BuildKit does.
    Instruction ins = make_instruction(line, start_line, directives.escape, path);
    // Each heredoc's body follows, in order: every line up to its terminator, kept as written.
    for (auto& h : ins.heredocs) {
      bool terminated = false;
      while (i < lines.size()) {
        std::string_view raw = lines[i++];
        std::string_view candidate = trim_newline(raw);
        if (h.chomp)
          while (!candidate.empty() && candidate.front() == '\t')
            candidate.remove_prefix(1);
        if (candidate == h.name) {
          terminated = true;
          break;
        }
        h.content += raw;
      }
      if (!terminated)
        throw InputError::located(path, start_line,
                                  "unterminated heredoc <<" + printable(h.name, 100));
      if (h.chomp) h.content = chomp_tabs(h.content);
    }
    df.instructions.push_back(std::move(ins));
  }
  if (df.instructions.empty())
    throw InputError::located(path, std::max<int>(1, static_cast<int>(lines.size())),
                              "file with no instructions");
  df.escape = directives.escape;
  return df;
}

} // namespace rt::dockerfile

#pragma once
// Dockerfile parsing into instructions, reproducing BuildKit's parser
// (frontend/dockerfile/parser): directives, comments, line continuations, flags, JSON form.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::dockerfile {

// A here-document (BuildKit, Dockerfile 1.4): "<<WORD" or "<<-WORD" among an instruction's
// arguments, its body the lines after the instruction up to a line equal to WORD.
struct Heredoc {
  std::string name;    // WORD with quotes removed: the file name COPY/ADD give it
  std::string content; // the body lines, each with its newline; leading tabs gone for "<<-"
  bool expand = true;  // false when WORD was quoted: no variable expansion of the body
  bool chomp = false;  // "<<-": leading tabs were stripped
};

// Returns the heredoc a raw argument word (quotes kept, as split_raw_words gives it) stands for,
// with an empty content, or nullopt for an ordinary word: BuildKit's ^(\d*)<<(-?)([^<]*)$
// with a non-empty name ("<<EOF", "<<-'EOT'", "0<<X"; not "<<<x", "a<<b" or "'<<EOF'").
// Throws InputError "path:line: ..." on an unterminated quote in the name.
std::optional<Heredoc> parse_heredoc_word(std::string_view word, const std::string& path, int line);

// One instruction of a Dockerfile, its arguments split off but not yet expanded.
struct Instruction {
  std::string keyword; // upper-cased: "FROM", "COPY", ...
  int line = 0;        // 1-based line where the instruction starts
  // Leading "--name=value" / "--name" flags in order, quotes removed but not expanded:
  // {"from","builder"}, {"link",""}.
  std::vector<std::pair<std::string, std::string>> flags;
  bool json_form = false;             // the arguments were a JSON array (exec form)
  std::vector<std::string> json_args; // its elements, when json_form (HEALTHCHECK: after CMD)
  std::string rest;     // argument text after keyword and flags, continuations joined, trimmed
  std::string original; // the instruction as written (continuations joined), for history
  // RUN, COPY and ADD in shell form (also as ONBUILD triggers): their heredocs, in the order
  // their "<<WORD" words appear in `rest`.
  std::vector<Heredoc> heredocs;
};

// A parsed Dockerfile: its escape character and its instructions in file order.
struct Dockerfile {
  std::string path; // as given by the user; used in every error message
  char escape = '\\';
  std::vector<Instruction> instructions; // in order, including ARGs before the first FROM
};

// Returns the instructions of `text` (a Dockerfile's content; `path` is only used in messages).
// Throws InputError "path:line: what is wrong" on malformed input: bad or repeated parser
// directive, unknown instruction, missing argument, SHELL not in JSON form, a JSON array of
// non-strings, an unterminated heredoc, ENV/LABEL/ARG syntax, or a file with no instructions.
Dockerfile parse(std::string_view text, const std::string& path);

// Returns true for the keywords this parser knows (upper-case: "FROM", "COPY", ...).
bool is_known_keyword(std::string_view upper_keyword);

} // namespace rt::dockerfile

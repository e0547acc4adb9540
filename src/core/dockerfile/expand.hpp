#pragma once
// Shell-word expansion of Dockerfile arguments, reproducing BuildKit's shell lexer
// (frontend/dockerfile/shell/lex.go), and the key/value forms of ENV, LABEL and ARG.
#include "dockerfile/limits.hpp"
#include "dockerfile/parser.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rt::dockerfile {

// Variables visible to an expansion (build args and ENV), by exact, case-sensitive name.
using VarMap = std::map<std::string, std::string>;

// Every function here takes an optional budget: a build passes its own, so that the limits of
// limits.hpp hold for the whole build (nullptr: a budget for this call alone). Beyond them they
// throw InputError "file:line: failed to process ...": ${...} nested more than
// kMaxExpansionNesting deep, a word past kMaxWordBytes, or the budget spent.

// Returns `word` expanded as BuildKit's ProcessWord does: $VAR, ${VAR}, ${VAR:-w}, ${VAR-w},
// ${VAR:+w}, ${VAR+w}, ${VAR:?msg}, ${VAR?msg}, ${VAR#pat}, ${VAR##pat}, ${VAR%pat},
// ${VAR%%pat}, ${VAR/pat/rep}, ${VAR//pat/rep}; quote removal (single quotes literal, double
// quotes expand $); the escape char makes the next char literal. Unset variables expand to "".
// Whitespace is kept: the result is one word. Throws InputError "file:line: failed to process
// ..." on an unterminated quote, a bad substitution, or a ${VAR?msg} whose VAR is unset.
std::string expand_word(std::string_view word, const VarMap& vars, char escape,
                        const std::string& file, int line, ExpansionBudget* budget = nullptr);

// Returns `text` expanded as expand_word does, but with the quotes kept in the result (BuildKit's
// RawQuotes, used for heredoc words): text in single quotes is still not expanded, and an
// unbalanced quote is an error. Throws like expand_word.
std::string expand_keeping_quotes(std::string_view text, const VarMap& vars, char escape,
                                  const std::string& file, int line,
                                  ExpansionBudget* budget = nullptr);

// Returns a COPY/ADD heredoc body expanded as BuildKit's ExpandRaw does it (ProcessWord with
// SkipProcessQuotes and '\\' as the escape, whatever `# escape=` says): quotes are ordinary
// characters, so "don't" is fine and '$X' expands too; '\\' makes the next character literal
// and is dropped. Throws InputError "file:line: failed to process heredoc: ..." on a bad
// substitution.
std::string expand_heredoc(std::string_view text, const VarMap& vars, const std::string& file,
                           int line, ExpansionBudget* budget = nullptr);

// Returns the words of `text`, split on unquoted, unescaped whitespace, each then expanded with
// expand_word: one result per word, so a variable's value never splits into several words and a
// word that expands to "" (like "" or an unset $X) is kept. Throws like expand_word.
std::vector<std::string> expand_words(std::string_view text, const VarMap& vars, char escape,
                                      const std::string& file, int line,
                                      ExpansionBudget* budget = nullptr);

// Returns the words of `text` as BuildKit's EXPOSE gets them: split on blanks (quotes not
// considered, parseStringsWhitespaceDelimited), then each field expanded by ProcessWords, which
// cuts the result into words again where whitespace came from a variable's value or from the
// source unquoted ("$P 8080" with P="80 443/udp" gives 80, 443/udp, 8080; "\"$P\"" one word).
// Empty words are dropped. Throws like expand_word.
std::vector<std::string> expand_fields(std::string_view text, const VarMap& vars, char escape,
                                       const std::string& file, int line,
                                       ExpansionBudget* budget = nullptr);

// Returns the words of `text` split on unquoted whitespace with quotes and escapes left in place
// (BuildKit's parseWords): the raw form that expand_word later takes. A quoted empty word ("")
// is kept. Never throws; an unterminated quote runs to the end of the text.
std::vector<std::string> split_raw_words(std::string_view text, char escape);

// One ENV/LABEL pair or ARG declaration. has_value is false for "ARG NAME" without "=".
struct KeyValue {
  std::string key;
  std::string value;
  bool has_value = true;
};

// ENV and LABEL take "K=V ..." or the legacy "K V..." form; ARG takes "NAME" or "NAME=default".
enum class KeyValueForm { env_or_label, arg };

// Returns the pairs of `ins` (ENV, LABEL or ARG) as written, quotes and escapes not yet removed.
// Throws InputError "file:line: ..." where BuildKit rejects the syntax: no argument, legacy form
// without a value ("ENV must have two arguments"), a word without "=" after a K=V word, a blank
// name.
std::vector<KeyValue> split_key_values(const Instruction& ins, char escape, const std::string& file,
                                       KeyValueForm form);

// Returns the pairs of `ins` with keys and values expanded against `vars` (as BuildKit expands
// both), all against the same `vars`, so "ENV A=1 B=$A" sees the A from before the instruction.
// Throws like split_key_values and expand_word, and on a name that expands to "".
std::vector<KeyValue> parse_key_values(const Instruction& ins, const VarMap& vars, char escape,
                                       const std::string& file, KeyValueForm form,
                                       ExpansionBudget* budget = nullptr);

} // namespace rt::dockerfile

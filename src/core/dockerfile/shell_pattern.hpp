#pragma once
// The shell patterns of ${VAR#pat}, ${VAR%pat} and ${VAR/pat/rep}, as BuildKit's lexer
// (frontend/dockerfile/shell/lex.go) turns them into Go regexps. Internal to src/core/dockerfile.
#include "dockerfile/limits.hpp"

#include <string>
#include <string_view>

namespace rt::dockerfile::detail {

// Returns `value` without its shortest (longest) prefix (prefix=true) or suffix matching `pat`
// ("#", "##", "%", "%%"). Every matching step is charged to `budget`. Throws LexError on a
// malformed pattern (BuildKit's "invalid pattern (...) in substitution") or an exhausted budget.
std::string trim_match(const std::string& value, std::string_view pat, bool longest, bool prefix,
                       ExpansionBudget& budget);

// Returns `value` with the leftmost (all=false) or every match of `pat` replaced by `rep`, with
// Go's greedy stars and ReplaceAll rules for empty matches. Throws like trim_match, and when the
// result would pass kMaxWordBytes.
std::string replace_pattern(const std::string& value, std::string_view pat, const std::string& rep,
                            bool all, ExpansionBudget& budget);

} // namespace rt::dockerfile::detail

#pragma once
// Build-args files (docker compose's .env format): KEY=VALUE lines turned into ordered pairs.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::build {

// One KEY=VALUE entry, in file order.
using EnvEntry = std::pair<std::string, std::string>;

// Parses a .env / --env-file text. One KEY=VALUE per line; blank lines and lines whose first
// non-blank character is '#' are skipped; an optional "export " prefix is dropped; blanks around
// '=' are ignored. Values may be wrapped in matching single quotes (taken literally) or double
// quotes (\n \r \t \" \\ \$ are unescaped, other backslashes kept); quoted values may span lines
// and may only be followed by blanks or a "#comment". Unquoted values end at the end of the line,
// lose a " #comment" suffix and trailing blanks. Keys must match [A-Za-z_][A-Za-z0-9_.-]*.
// Returns the entries in file order, duplicates included (the caller lets later ones win).
// Throws InputError "file:line: what is wrong" on a missing '=', a bad key, an unterminated
// quote or text after a closing quote.
std::vector<EnvEntry> parse_env_file(std::string_view text, const std::string& file);

// Reads and parses the file at path. Throws RuntimeError if it cannot be read, InputError as
// parse_env_file.
std::vector<EnvEntry> load_env_file(const std::string& path);

} // namespace rt::build

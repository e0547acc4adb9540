#pragma once
// Bytes from the input made safe to print in a message: file names and values
// come from Dockerfiles, contexts and archives, and may hold anything but NUL.
#include <cstddef>
#include <string>
#include <string_view>

namespace rt {

// `bytes` with every byte that could act on a terminal or is not UTF-8 written
// as \xNN: C0 controls (tab and newline included), DEL, C1 controls (U+0080 to
// U+009F, which terminals also obey) and bytes of invalid UTF-8 sequences.
// Printable UTF-8 and backslashes pass unchanged. If the result would be
// longer than `max_bytes`, it is cut at a character boundary and ends in "...".
std::string printable(std::string_view bytes, size_t max_bytes = 512);

// The same for whole messages, as the last step before they are printed (main's
// error line, the log): newlines and tabs are kept, nothing is cut.
std::string printable_lines(std::string_view text);

// True if `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, at
// most U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

} // namespace rt

#pragma once
// Values of Dockerfile flags and arguments read as BuildKit reads them with Go's strconv and
// time packages, without ever overflowing: an out-of-range value is "not a value", not a
// wrapped-around number. Internal to src/core/build.
#include <cstdint>
#include <optional>
#include <string_view>

namespace rt::build {

// Go's time.ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?unit)+" or "0", unit one of ns us µs μs ms
// s m h. Returns nanoseconds, or nullopt if the text is not a duration or its value does not
// fit an int64 (about 2562047h).
std::optional<int64_t> parse_go_duration(std::string_view text);

// A decimal number of at most `max` (digits only: no sign, no blanks), or nullopt.
std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max);

} // namespace rt::build

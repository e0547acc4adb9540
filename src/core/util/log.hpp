#pragma once
// Diagnostics on stderr. Every message passes redact(), so a secret registered
// with add_secret() never reaches a log, even by accident.
#include <fmt/format.h>
#include <string>
#include <string_view>

namespace rt::log {

enum class Level { quiet = 0, normal = 1, verbose = 2 };

void set_level(Level level);
Level level();

// Registers a value (token, password, Authorization header) to be masked.
void add_secret(std::string_view secret);
// Replaces every registered secret in `text` with "***".
std::string redact(std::string_view text);

void write(Level at, std::string_view text);

template <typename... Args> void info(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::normal, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::verbose) write(Level::verbose, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void warn(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::quiet, "warning: " + fmt::format(f, std::forward<Args>(args)...));
}

} // namespace rt::log

#include "util/log.hpp"
#include "util/log_reset.hpp"

#include "util/printable.hpp"

#include <cstdio>
#include <mutex>
#include <vector>

namespace rt::log {

namespace {
std::mutex mu;
Level current = Level::normal;
std::vector<std::string>& secrets() {
  static std::vector<std::string> s;
  return s;
}
} // namespace

void set_level(Level l) {
  current = l;
}
Level level() {
  return current;
}

void add_secret(std::string_view secret) {
  // Very short values would mask ordinary words; nothing real is that short.
  if (secret.size() < 4) return;
  std::lock_guard lock(mu);
  secrets().emplace_back(secret);
}

void forget_secrets() {
  std::lock_guard lock(mu);
  secrets().clear();
}

std::string redact(std::string_view text) {
  std::string out(text);
  std::lock_guard lock(mu);
  for (const auto& s : secrets()) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
      out.replace(pos, s.size(), "***");
  }
  return out;
}

void write(Level at, std::string_view text) {
  if (current < at) return;
  // Messages quote names and values from the input: no terminal controls in them.
  std::string line = printable_lines(redact(text));
  line.push_back('\n');
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace rt::log

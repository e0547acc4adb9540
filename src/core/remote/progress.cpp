#include "remote/progress.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <unistd.h>

namespace rt::remote {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

Progress::Progress(bool enabled) : enabled_(enabled && isatty(1) && isatty(2)) {}

size_t Progress::start(const std::string& label, int64_t total) {
  if (!enabled_) return 0;
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  lines_.push_back({label, total, 0, "", now, now});
  std::fprintf(stderr, "\n");
  draw(lines_.size() - 1);
  return lines_.size() - 1;
}

void Progress::update(size_t line, int64_t done_bytes) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  auto& l = lines_[line];
  l.done = done_bytes;
  auto now = std::chrono::steady_clock::now();
  // Redraw at most ten times a second per line.
  if (now - l.drawn < std::chrono::milliseconds(100)) return;
  l.drawn = now;
  draw(line);
}

void Progress::done(size_t line, const std::string& status) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  lines_[line].status = status;
  lines_[line].done = lines_[line].total;
  draw(line);
}

void Progress::draw(size_t line) {
  const auto& l = lines_[line];
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - l.started).count();
  std::string text =
      l.status.empty()
          ? fmt::format("{}: {} / {}  {}/s", l.label, human_bytes(static_cast<double>(l.done)),
                        human_bytes(static_cast<double>(l.total)),
                        human_bytes(secs > 0 ? static_cast<double>(l.done) / secs : 0))
          : fmt::format("{}: {} ({})", l.label, l.status,
                        human_bytes(static_cast<double>(l.total)));
  size_t up = lines_.size() - line;
  // Up to the line, clear it, write, and back down.
  std::fprintf(stderr, "\033[%zuA\r\033[2K%s\033[%zuB\r", up, text.c_str(), up);
  std::fflush(stderr);
}

} // namespace rt::remote

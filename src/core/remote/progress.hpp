#pragma once
// Transfer progress on a terminal: one line per blob with bytes sent, total
// and rate, redrawn in place. Silent (and free) when disabled — stdout is not
// a terminal, or --quiet.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace rt::remote {

class Progress {
public:
  // Enabled only if `enabled` and both stdout and stderr are terminals.
  explicit Progress(bool enabled);
  bool enabled() const { return enabled_; }
  // Starts a line; returns its handle for update()/done().
  size_t start(const std::string& label, int64_t total);
  void update(size_t line, int64_t done_bytes);
  void done(size_t line, const std::string& status);

private:
  struct Line {
    std::string label;
    int64_t total = 0;
    int64_t done = 0;
    std::string status;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point drawn;
  };
  void draw(size_t line);

  bool enabled_;
  std::mutex mu_;
  std::vector<Line> lines_;
};

// "12.3 MiB"
std::string human_bytes(double bytes);

} // namespace rt::remote

#include "registry/retry.hpp"

#include "util/interrupt.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>
#include <string>
#include <thread>

namespace rt::registry {

using std::chrono::milliseconds;

RetryPolicy RetryPolicy::fast() {
  RetryPolicy p;
  p.attempts = 3;
  p.initial_backoff = milliseconds(1);
  p.max_backoff = milliseconds(2);
  p.jitter = 0;
  p.max_retry_after = milliseconds(20);
  return p;
}

RetryPolicy RetryPolicy::none() {
  RetryPolicy p;
  p.attempts = 1;
  return p;
}

milliseconds RetryPolicy::backoff(int retry) const {
  double ms = static_cast<double>(initial_backoff.count()) * std::pow(multiplier, retry);
  return std::min(max_backoff, milliseconds(static_cast<int64_t>(std::min(ms, 1e12))));
}

milliseconds RetryPolicy::delay(int retry, const RegistryError& error) const {
  if (auto after = error.retry_after()) return std::min(*after, max_retry_after);
  milliseconds base = backoff(retry);
  if (jitter <= 0) return base;
  // Jitter keeps parallel layer uploads from retrying in lockstep.
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> extra(0, jitter);
  return base + milliseconds(static_cast<int64_t>(static_cast<double>(base.count()) * extra(rng)));
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return milliseconds::max(); // absurd: the cap will apply
    return milliseconds(std::stoll(std::string(value)) * 1000);
  }
  // HTTP-date: IMF-fixdate, then the obsolete RFC 850 and asctime forms (RFC 9110 5.6.7).
  std::string text(value);
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (!end || *end != '\0') continue;
    // In seconds: a far date (year 9999) does not fit the clock's nanoseconds.
    int64_t when = ::timegm(&tm);
    int64_t now_s = std::chrono::system_clock::to_time_t(now);
    if (when <= now_s) return milliseconds(0);
    if (when - now_s > 999'999'999) return milliseconds::max(); // absurd: the cap will apply
    return milliseconds((when - now_s) * 1000);
  }
  return std::nullopt;
}

void wait_before_retry(const RetryPolicy& policy, int retry, const RegistryError& error) {
  milliseconds wait = policy.delay(retry, error);
  std::string shown = wait.count() % 1000 == 0 ? fmt::format("{}s", wait.count() / 1000)
                      : wait.count() >= 1000
                          ? fmt::format("{:.1f}s", static_cast<double>(wait.count()) / 1000)
                          : fmt::format("{}ms", wait.count());
  log::info("retrying in {}: {}", shown, error.what());
  sleep_interruptibly(wait);
}

} // namespace rt::registry

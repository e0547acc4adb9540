#pragma once
// When and how long to wait before trying a registry request again. The policy is
// plain data (go-containerregistry remote/options.go), with a fast variant for tests.
#include "registry/error.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace rt::registry {

struct RetryPolicy {
  int attempts = 5; // in total, the first one included
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  double multiplier = 2.0;
  double jitter = 0.1; // each wait is randomly up to this fraction longer
  // A server's Retry-After is honoured up to this long.
  std::chrono::milliseconds max_retry_after{60000};

  // 5 attempts, waits of 1, 2, 4, 8 s (+ jitter), Retry-After up to 60 s.
  static RetryPolicy standard() { return {}; }
  // For tests: 3 attempts, 1 ms waits, Retry-After capped at 20 ms.
  static RetryPolicy fast();
  // One attempt.
  static RetryPolicy none();

  // The wait before retry number `retry` (0 for the second attempt), without jitter.
  std::chrono::milliseconds backoff(int retry) const;
  // The wait before retry number `retry` after `error`: its Retry-After (capped)
  // when it has one, else backoff() plus jitter.
  std::chrono::milliseconds delay(int retry, const RegistryError& error) const;
};

// Parses a Retry-After value: delta-seconds ("120") or an HTTP date
// ("Wed, 21 Oct 2015 07:28:00 GMT", also the RFC 850 and asctime forms), relative
// to `now`. A date in the past gives 0. nullopt when unparsable.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value,
                  std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Logs "retrying in <delay>: <error>" at normal level and sleeps for the delay.
void wait_before_retry(const RetryPolicy& policy, int retry, const RegistryError& error);

// Calls f(attempt) (attempt = 0, 1, …) until it returns; a retryable RegistryError
// is retried while the policy allows, anything else propagates at once.
template <typename F> auto with_retries(const RetryPolicy& policy, F&& f) -> decltype(f(0)) {
  for (int attempt = 0;; ++attempt) {
    try {
      return f(attempt);
    } catch (const RegistryError& e) {
      if (!e.retryable() || attempt + 1 >= policy.attempts) throw;
      wait_before_retry(policy, attempt, e);
    }
  }
}

} // namespace rt::registry

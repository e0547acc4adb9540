#pragma once
// Retries and verified, streamed downloads for the GitHub client and ADD <url>, on
// top of the registry's libcurl layer (registry/http.hpp).
#include "registry/error.hpp"
#include "registry/http.hpp"
#include "util/sha256.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace rt::github {

using Progress = std::function<void(int64_t bytes, int64_t total)>;

// How hard to try one request. Plain data, with a fast variant for tests.
struct RetrySettings {
  int attempts = 4; // for 5xx answers and connection failures, the first one included
  std::chrono::milliseconds initial_backoff{1000}; // doubled at each retry
  // Rate limits are waited out, in total per request, up to this long.
  std::chrono::seconds max_rate_limit_wait{600};
  // GitHub's rate-limit rules (a 403 with X-RateLimit-Remaining: 0 is a wait, not a
  // refusal); other hosts get only 429/503 + Retry-After.
  bool github = true;

  // 3 attempts, 1 ms backoff; rate limits still waited out (up to 10 s).
  static RetrySettings fast();
};

// The retry loop of one request: decides after each answer or failure whether to
// send it again, and sleeps before saying yes.
class Retrier {
public:
  // `what` names the request in messages ("GET https://api.github.com/…").
  Retrier(RetrySettings settings, std::string what);
  // True (after sleeping) when the answer is a rate limit — logged at info level as
  // "GitHub rate limit reached; waiting Ns (until HH:MM:SS UTC)" — or a transient
  // 5xx with attempts left. False: the caller deals with the answer. Throws
  // RuntimeError when the rate limit lasts beyond max_rate_limit_wait.
  bool retry_response(long status, const registry::Headers& headers, std::string_view body);
  // True (after sleeping) when a failure without an answer (connection, timeout, a
  // body cut short) is worth another attempt; false: rethrow it.
  bool retry_failure(const registry::RegistryError& error);

private:
  void backoff(const std::string& reason);

  RetrySettings settings_;
  std::string what_;
  int transient_ = 0; // transient failures so far
  std::chrono::seconds waited_{0};
};

// "GET <url without query>: HTTP <status>[: GitHub's message]".
std::string http_error_text(std::string_view what, long status, std::string_view body);

// What a download must be to be kept.
struct Expected {
  std::string what;  // names the file in messages ("asset lana-cli of o/r v1")
  int64_t size = -1; // -1: unknown
  std::optional<Digest> digest;
  // Where the digest came from, for messages ("<source> says sha256:…"):
  // "--checksum", "checksums.txt:3", …
  std::string digest_source;
};

// Turns a non-2xx final answer into the exception to throw.
using ErrorFor = std::function<void(long status, const registry::Headers&, const std::string& body,
                                    const std::string& url)>;

// Downloads to `dest` through an AtomicFile, hashing as the bytes arrive (never
// whole in memory), and renames it into place only when size and digest match.
// `first` is sent with its headers and authorization and must not follow redirects;
// a redirect from it is followed (with any further ones) carrying no Authorization
// and none of its headers: a storage host never sees a credential. Transient
// failures restart the whole download. A non-2xx answer goes to `error_for`
// (which throws); a mismatch throws RuntimeError naming `expected.what`, both
// digests or sizes, and leaves no file. Returns the digest of what was written.
Digest download_to_file(const registry::HttpRequest& first, const Expected& expected,
                        const std::string& dest, const RetrySettings& retry,
                        const ErrorFor& error_for, const Progress& progress = {});

} // namespace rt::github

#include "github/http_fetch.hpp"

#include "github/protocol.hpp"
#include "registry/http_stream.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <thread>
#include <vector>

namespace rt::github {

namespace {

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool transient_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501);
}

int64_t now_epoch() {
  return static_cast<int64_t>(std::time(nullptr));
}

} // namespace

RetrySettings RetrySettings::fast() {
  RetrySettings s;
  s.attempts = 3;
  s.initial_backoff = std::chrono::milliseconds(1);
  s.max_rate_limit_wait = std::chrono::seconds(10);
  return s;
}

Retrier::Retrier(RetrySettings settings, std::string what)
    : settings_(settings), what_(std::move(what)) {}

bool Retrier::retry_response(long status, const registry::Headers& headers, std::string_view body) {
  std::optional<RateLimitWait> limit;
  int64_t now = now_epoch();
  if (settings_.github)
    limit = rate_limit_wait(status, headers, body, now);
  else if ((status == 429 || status == 503) && headers.get("retry-after"))
    limit = rate_limit_wait(429, headers, body, now); // only its Retry-After counts
  if (limit) {
    std::string who = settings_.github ? "GitHub rate limit reached" : "rate limited";
    if (waited_ + limit->wait > settings_.max_rate_limit_wait) {
      std::string message = error_message(body);
      throw RuntimeError(fmt::format(
          "{}: {}{}; it ends at {} UTC, in {}s, beyond the {}s release-tool waits", what_, who,
          message.empty() ? "" : " (" + message + ")", utc_clock(limit->until), limit->wait.count(),
          settings_.max_rate_limit_wait.count()));
    }
    log::info("{}; waiting {}s (until {} UTC)", who, limit->wait.count(), utc_clock(limit->until));
    sleep_interruptibly(limit->wait);
    waited_ += limit->wait;
    return true;
  }
  if (transient_status(status) && transient_ + 1 < settings_.attempts) {
    backoff(fmt::format("{}: HTTP {}", what_, status));
    return true;
  }
  return false;
}

bool Retrier::retry_failure(const registry::RegistryError& error) {
  if (!error.retryable() || transient_ + 1 >= settings_.attempts) return false;
  backoff(error.what());
  return true;
}

void Retrier::backoff(const std::string& reason) {
  auto wait = settings_.initial_backoff * (int64_t{1} << std::min(transient_, 5));
  ++transient_;
  log::info("retrying in {}ms: {}", wait.count(), reason);
  sleep_interruptibly(wait);
}

std::string http_error_text(std::string_view what, long status, std::string_view body) {
  std::string message = error_message(body);
  return fmt::format("{}: HTTP {}{}", what, status, message.empty() ? "" : ": " + message);
}

Digest download_to_file(const registry::HttpRequest& first, const Expected& expected,
                        const std::string& dest, const RetrySettings& retry,
                        const ErrorFor& error_for, const Progress& progress) {
  Retrier retrier(retry, "GET " + registry::url_for_message(first.url));
  registry::HttpRequest request = first;
  request.follow_redirects = false; // redirects are followed below, without credentials
  for (;;) {
    try {
      auto stream = registry::HttpStream::open(request);
      if (is_redirect(stream->status()) && stream->headers().get("location")) {
        // The storage host gets a fresh request: no Authorization, no API headers.
        // Its URL is presigned; a token there would leak it to another party (and
        // the real storage refuses a request carrying two kinds of auth).
        registry::HttpRequest hop;
        hop.url = registry::resolve_url(stream->url(), *stream->headers().get("location"));
        hop.tls = request.tls;
        hop.follow_redirects = true;
        log::debug("{} redirected to {}", expected.what, registry::url_for_message(hop.url));
        stream.reset();
        stream = registry::HttpStream::open(hop);
      }
      long status = stream->status();
      if (status < 200 || status >= 300) {
        std::string body = stream->read_rest();
        if (retrier.retry_response(status, stream->headers(), body)) continue;
        if (error_for) error_for(status, stream->headers(), body, stream->url());
        throw RuntimeError(http_error_text(
            fmt::format("downloading {}", registry::url_for_message(stream->url())), status, body));
      }

      int64_t total = expected.size;
      if (auto length = stream->headers().get("content-length"); total < 0 && length)
        total = std::atoll(length->c_str());
      AtomicFile file(dest);
      Sha256 hash;
      std::vector<char> buf(1 << 17);
      int64_t got = 0;
      while (size_t n = stream->read(buf.data(), buf.size())) {
        got += static_cast<int64_t>(n);
        // Stop at once when a server sends more than announced: no disk filled by a liar.
        if (expected.size >= 0 && got > expected.size)
          throw RuntimeError(
              fmt::format("{}: more than the expected {} bytes", expected.what, expected.size));
        hash.update(buf.data(), n);
        file.write(buf.data(), n);
        if (progress) progress(got, total);
      }
      if (expected.size >= 0 && got != expected.size)
        throw RuntimeError(
            fmt::format("{}: got {} bytes, expected {}", expected.what, got, expected.size));
      Digest digest = hash.finish();
      if (expected.digest && digest != *expected.digest)
        throw RuntimeError(fmt::format(
            "{}: digest mismatch: {} {}, downloaded {}", expected.what,
            expected.digest_source.empty() ? "expected" : expected.digest_source + " says",
            expected.digest->str(), digest.str()));
      file.commit();
      return digest;
    } catch (const registry::RegistryError& e) {
      // Only failures without an answer land here (answers are handled above):
      // a refused connection, a timeout, a body cut short. Start over.
      if (e.status() == 0 && retrier.retry_failure(e)) continue;
      throw;
    }
  }
}

} // namespace rt::github

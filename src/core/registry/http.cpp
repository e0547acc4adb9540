#include "registry/http.hpp"
#include "registry/http_detail.hpp"

#include "registry/ca_store.hpp"
#include "registry/error.hpp"
#include "util/error.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"

#include "util/strings.hpp"
#include <cctype>
#include <curl/curl.h>
#include <exception>

#include <fmt/format.h>
#include <mutex>

namespace rt::registry {

using namespace detail;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Idle easy handles. A handle keeps its connection cache across curl_easy_reset(),
// so taking one from here reuses a warm (TLS, HTTP/2) connection to the registry.
class HandlePool {
public:
  CURL* take() {
    global_init();
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (!h) throw RuntimeError("cannot initialise libcurl");
    return h;
  }
  void give_back(CURL* h) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 8)
      idle_.push_back(h);
    else
      curl_easy_cleanup(h);
  }

private:
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

HandlePool& pool() {
  static auto* p = new HandlePool; // never destroyed: threads may outlive static destruction
  return *p;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view line(data, size * n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after 100 Continue, or the next hop): start over.
    x->headers.clear();
    size_t sp = line.find(' ');
    x->status =
        sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
    x->headers_done = false;
  } else if (trim(line).empty()) {
    if (x->status >= 200) x->headers_done = true;
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    x->headers.add(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  size_t len = size * n;
  bool final_ok = x->status >= 200 && x->status < 300;
  if (x->streaming && final_ok) {
    if (x->body.size() - x->body_pos >= x->body_limit) {
      x->paused = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    if (x->body_pos == x->body.size()) {
      x->body.clear();
      x->body_pos = 0;
    }
    x->body.append(data, len);
    return len;
  }
  if (x->body.size() + len > x->body_limit) {
    if (!final_ok) return len; // of an error or redirect body, the start is enough
    x->too_large = true;
    return 0; // aborts the transfer with CURLE_WRITE_ERROR
  }
  x->body.append(data, len);
  return len;
}

// Called by curl about once a second, and as data moves: a signal stops the
// transfer at once (fail_transfer then throws Interrupted).
int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return interrupted() ? 1 : 0;
}

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  try {
    size_t got = x->source->read(buf, size * n);
    x->sent += static_cast<int64_t>(got);
    // curl stops asking once Content-Length bytes went out; read on to the end so
    // that the source can check what it holds (a VerifyingSource checks its digest
    // at EOF) and so that a longer source is an error, not a silent truncation.
    if (got > 0 && x->request->open_body && x->sent == x->request->body_size) {
      char extra;
      if (x->source->read(&extra, 1) != 0)
        throw RuntimeError(
            fmt::format("the body is longer than the {} bytes declared", x->request->body_size));
    }
    if (got > 0 && x->request->progress) x->request->progress(x->sent, x->request->body_size);
    return got;
  } catch (...) {
    x->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

// curl rewinds the body when it re-sends a request by itself (a reused connection
// that turned out dead, an HTTP/2 stream refused): open the source again — never
// replay a consumed stream —, or refuse when the body must not be sent twice.
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* x = static_cast<Exchange*>(user);
  if (offset != 0 || origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  if (!x->request->body_replayable) {
    x->rewind_refused = true;
    return CURL_SEEKFUNC_CANTSEEK;
  }
  try {
    x->source = x->request->open_body ? x->request->open_body()
                                      : std::make_unique<StringSource>(x->request->body);
    x->sent = 0;
    return CURL_SEEKFUNC_OK;
  } catch (...) {
    x->error = std::current_exception();
    return CURL_SEEKFUNC_FAIL;
  }
}

} // namespace

namespace detail {

CURL* take_handle() {
  return pool().take();
}

void give_back_handle(CURL* h) {
  pool().give_back(h);
}

std::string describe(const HttpRequest& r, std::string_view url) {
  return fmt::format("{} {}", r.method, url_for_message(url));
}

// Prepares `h` for one exchange of `r` with `url`.
void setup(CURL* h, const HttpRequest& r, const std::string& url, bool send_auth, Exchange& x) {
  curl_easy_reset(h);
  x.request = &r;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x.errbuf);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "release-tool/" RT_VERSION);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); // redirects are followed by hand
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, r.tls.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, r.tls.stall_timeout_s);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, r.tls.verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, r.tls.verify ? 2L : 0L);
  if (!r.tls.extra_ca_pem.empty()) {
    // The blob replaces the CA file; the system CA directory (CAPATH) still applies.
    curl_blob blob{const_cast<char*>(r.tls.extra_ca_pem.data()), r.tls.extra_ca_pem.size(),
                   CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
  } else if (r.tls.verify) {
    use_system_ca_store(h);
  }
  if (!r.tls.client_cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, r.tls.client_cert.c_str());
  if (!r.tls.client_key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, r.tls.client_key.c_str());

  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);

  for (const auto& [name, value] : r.headers)
    x.header_list = curl_slist_append(x.header_list, (name + ": " + value).c_str());
  if (send_auth)
    x.header_list = curl_slist_append(x.header_list, ("Authorization: " + r.authorization).c_str());

  bool has_body = r.open_body || !r.body.empty() || r.method == "PUT" || r.method == "PATCH";
  int64_t size = r.open_body ? r.body_size : static_cast<int64_t>(r.body.size());
  if (r.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (r.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(size));
  } else if (has_body) {
    // PUT/PATCH with a known size: Content-Length, never Transfer-Encoding: chunked
    // (Artifact Registry refuses chunked uploads, Quay is slow with them).
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    if (r.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (has_body || r.method == "POST") {
    x.source = r.open_body ? r.open_body() : std::make_unique<StringSource>(r.body);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &x);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
    // No "Expect: 100-continue": it costs a round trip (or a 1 s wait) per upload,
    // and we authenticate before sending bodies anyway.
    x.header_list = curl_slist_append(x.header_list, "Expect:");
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, x.header_list);
}

[[noreturn]] void fail_transfer(const HttpRequest& r, const std::string& url, CURLcode code,
                                const Exchange& x) {
  check_interrupted();
  if (x.error) std::rethrow_exception(x.error);
  if (x.too_large)
    throw RegistryError(
        fmt::format("{}: the response is larger than {} bytes", describe(r, url), r.max_body), 0,
        {}, false);
  if (code == CURLE_OPERATION_TIMEDOUT && x.deadline_s > 0)
    // A registry trickling a manifest or a token (issue 11). Not retried: a
    // stuck connection is caught sooner by the stall limit (and retried), so
    // this one is a server too slow to wait for again.
    throw RegistryError(fmt::format("{}: no complete answer within {} s (--registry-timeout)",
                                    describe(r, url), x.deadline_s),
                        0, {}, false, {}, static_cast<int>(code));
  if (x.rewind_refused)
    throw RegistryError(fmt::format("{}: the connection closed before an answer came (the body "
                                    "is not sent to the same URL again)",
                                    describe(r, url)),
                        0, {}, true, {}, static_cast<int>(code));
  std::string detail = x.errbuf[0] ? std::string(trim(x.errbuf)) : curl_easy_strerror(code);
  throw RegistryError(fmt::format("{}: {}", describe(r, url), detail), 0, {},
                      retryable_curl_code(code), {}, static_cast<int>(code));
}

// The next URL of a redirect to follow, or empty when `x` is the final response.
std::string next_hop(const HttpRequest& r, const std::string& url, const Exchange& x, int hop) {
  if (!r.follow_redirects || !(r.method == "GET" || r.method == "HEAD") || !is_redirect(x.status))
    return {};
  auto location = x.headers.get("location");
  if (!location) return {};
  if (hop >= 10) throw RegistryError(describe(r, url) + ": more than 10 redirects", 0, {}, false);
  std::string next = resolve_url(url, *location);
  log::debug("{} redirected to {}", describe(r, url), url_for_message(next));
  return next;
}

// Whether the Authorization header may go to `url`: only to the request's origin.
bool may_send_auth(const HttpRequest& r, const std::string& url) {
  return !r.authorization.empty() && url_origin(url) == url_origin(r.url);
}

} // namespace detail

void Headers::add(std::string_view name, std::string_view value) {
  entries_.emplace_back(ascii_lower(name), std::string(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
  std::string key = ascii_lower(name);
  for (const auto& [n, v] : entries_)
    if (n == key) return v;
  return std::nullopt;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::string key = ascii_lower(name);
  std::vector<std::string> out;
  for (const auto& [n, v] : entries_)
    if (n == key) out.push_back(v);
  return out;
}

HttpResponse http_perform(const HttpRequest& r) {
  CURL* h = take_handle();
  struct Return {
    CURL* h;
    ~Return() { give_back_handle(h); }
  } give_back{h};
  std::string url = r.url;
  for (int hop = 0;; ++hop) {
    Exchange x;
    x.body_limit = r.max_body;
    setup(h, r, url, may_send_auth(r, url), x);
    if (!r.open_body && r.tls.exchange_timeout_s > 0) {
      // Small exchanges (manifests, tokens, JSON, at most max_body) have a
      // deadline: the stall limit alone lets a 1 byte/s answer run for days.
      // Streamed bodies (blobs) have only the stall limit: they can be large.
      x.deadline_s = r.tls.exchange_timeout_s;
      curl_easy_setopt(h, CURLOPT_TIMEOUT, r.tls.exchange_timeout_s);
    }
    CURLcode code = curl_easy_perform(h);
    if (code != CURLE_OK) fail_transfer(r, url, code, x);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x.status);
    if (std::string next = next_hop(r, url, x, hop); !next.empty()) {
      url = next;
      continue;
    }
    return HttpResponse{x.status, std::move(x.headers), std::move(x.body), url};
  }
}

} // namespace rt::registry

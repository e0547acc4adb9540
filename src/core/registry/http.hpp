#pragma once
// HTTP over libcurl for the registry client: one request at a time on pooled
// handles (connections are reused), bodies streamed both ways, redirects followed
// by hand so that credentials never leave the origin they were meant for.
// Streaming GETs (HttpStream) are in registry/http_stream.hpp.
#include "registry/url.hpp"
#include "util/io.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::registry {

// Response headers. Names compare case-insensitively: over HTTP/2 they arrive lowercase.
class Headers {
public:
  void add(std::string_view name, std::string_view value);
  // The first value of `name`, if any.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  void clear() { entries_.clear(); }

private:
  std::vector<std::pair<std::string, std::string>> entries_; // names lowercased
};

// How to talk TLS to one host.
struct TlsConfig {
  bool verify = true;
  std::string extra_ca_pem; // PEM certificates trusted in addition to the system's
  std::string client_cert;  // PEM file for mutual TLS (docker's certs.d client.cert)
  std::string client_key;   // its key (client.key)
  long connect_timeout_s = 30;
  // A transfer slower than 1 byte/s for this long is abandoned.
  long stall_timeout_s = 60;
  // The whole of an http_perform exchange without a streamed body (manifests,
  // tokens, JSON answers; at most max_body bytes) must end within this; 0: no
  // limit. Streamed bodies (blob uploads, HttpStream) have the stall limit only.
  long exchange_timeout_s = 60;
};

struct HttpRequest {
  std::string method = "GET"; // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers; // never secrets
  // The Authorization value. Sent only to the origin (scheme, host, port) of `url`;
  // a redirect elsewhere (a blob storage host) is followed without it.
  std::string authorization;
  std::string body; // a small body (form, manifest); ignored when open_body is set
  // A streamed body, sent with Content-Length: body_size (never chunked). Called
  // again for every attempt, so it must yield the same bytes each time.
  std::function<std::unique_ptr<ByteSource>()> open_body;
  int64_t body_size = 0;
  // Whether libcurl may send the body again by itself, reopened from open_body
  // (a reused connection found dead before the answer, a refused HTTP/2 stream).
  // False for a blob PUT to an upload session: what reached the registry of the
  // first try may be in the session, so the caller starts a new session instead
  // and the request fails (retryable, CURLE_SEND_FAIL_REWIND).
  bool body_replayable = true;
  // Called as the body goes out: (bytes sent, body_size).
  std::function<void(int64_t, int64_t)> progress;
  // GET and HEAD follow up to 10 redirects; other methods return the 3xx.
  bool follow_redirects = true;
  // perform() fails when a response body is larger (manifests are capped at 4 MiB
  // by docker too).
  size_t max_body = 4 << 20;
  TlsConfig tls;
};

struct HttpResponse {
  long status = 0;
  Headers headers;
  std::string body;
  std::string url; // the final URL, after redirects
};

// Performs `request` and returns the final response, whatever its status.
// Throws RegistryError (status 0) when no response arrives: connection, TLS,
// timeout, a body source that fails, or a body above max_body.
HttpResponse http_perform(const HttpRequest& request);

} // namespace rt::registry

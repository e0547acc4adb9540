#pragma once
// The typed error of everything that talks to a registry (after go-containerregistry's
// transport/error.go): HTTP status, the registry's error codes, and whether a
// retry may help.
#include "registry/url.hpp"
#include "util/error.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::registry {

struct HttpResponse;

// One entry of a registry's {"errors":[{"code","message","detail"}]} body.
struct RegistryErrorCode {
  std::string code;    // "MANIFEST_BLOB_UNKNOWN", "UNAUTHORIZED", …
  std::string message; // the registry's human text
};

// A request to a registry failed: an HTTP error status (status() > 0), or no
// response at all (status() == 0: connection, TLS or timeout; curl_code() says which).
class RegistryError : public RuntimeError {
public:
  RegistryError(std::string what, int status, std::vector<RegistryErrorCode> codes, bool retryable,
                std::optional<std::chrono::milliseconds> retry_after = {}, int curl_code = 0);

  int status() const { return status_; }
  const std::vector<RegistryErrorCode>& codes() const { return codes_; }
  bool has_code(std::string_view code) const;
  // True for 408, 429, 5xx (but 501), TOOMANYREQUESTS/UNAVAILABLE codes, and
  // connection-level failures (refused, reset, nothing received, partial body, timeout).
  bool retryable() const { return retryable_; }
  // The server's Retry-After, if it sent one.
  std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }
  int curl_code() const { return curl_code_; }
  // True when the TLS handshake or certificate verification failed.
  bool tls_failure() const;

  // From an HTTP error response to `what` ("PUT https://host/v2/repo/manifests/1.0"):
  // the message is "<what>: HTTP <status>[: CODE: message…]". Never quotes headers.
  static RegistryError from_response(std::string_view what, const HttpResponse& response);

private:
  int status_;
  std::vector<RegistryErrorCode> codes_;
  bool retryable_;
  std::optional<std::chrono::milliseconds> retry_after_;
  int curl_code_;
};

// Parses a registry error body; empty when it is not one.
std::vector<RegistryErrorCode> parse_error_body(std::string_view body);
bool retryable_status(int status);
// True for curl results worth retrying (CURLE_COULDNT_CONNECT, RECV_ERROR, SEND_ERROR,
// PARTIAL_FILE, GOT_NOTHING, OPERATION_TIMEDOUT, HTTP2 stream errors, …).
bool retryable_curl_code(int curl_code);

} // namespace rt::registry

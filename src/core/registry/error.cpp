#include "registry/error.hpp"

#include "registry/http.hpp"
#include "registry/retry.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::registry {

RegistryError::RegistryError(std::string what, int status, std::vector<RegistryErrorCode> codes,
                             bool retryable, std::optional<std::chrono::milliseconds> retry_after,
                             int curl_code)
    : RuntimeError(std::move(what)), status_(status), codes_(std::move(codes)),
      retryable_(retryable), retry_after_(retry_after), curl_code_(curl_code) {}

bool RegistryError::has_code(std::string_view code) const {
  for (const auto& c : codes_)
    if (c.code == code) return true;
  return false;
}

bool RegistryError::tls_failure() const {
  switch (curl_code_) {
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
    return true;
  default:
    return false;
  }
}

RegistryError RegistryError::from_response(std::string_view what, const HttpResponse& response) {
  std::vector<RegistryErrorCode> codes = parse_error_body(response.body);
  std::string message = fmt::format("{}: HTTP {}", what, response.status);
  for (const auto& c : codes) {
    message += ": " + c.code;
    if (!c.message.empty()) message += ": " + c.message;
  }
  if (codes.empty() && response.status != 404 && !response.body.empty() &&
      response.body.size() < 300 && response.body.find('<') == std::string::npos) {
    // A short plain-text body (a proxy's or token server's complaint) says more than
    // the status; an HTML page does not.
    std::string body = response.body;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.pop_back();
    message += ": " + body;
  }
  bool retryable = retryable_status(static_cast<int>(response.status));
  for (const auto& c : codes)
    if (c.code == "TOOMANYREQUESTS" || c.code == "UNAVAILABLE") retryable = true;
  std::optional<std::chrono::milliseconds> after;
  if (auto value = response.headers.get("retry-after")) after = parse_retry_after(*value);
  return RegistryError(std::move(message), static_cast<int>(response.status), std::move(codes),
                       retryable, after);
}

std::vector<RegistryErrorCode> parse_error_body(std::string_view body) {
  std::vector<RegistryErrorCode> out;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return out;
  auto errors = json.find("errors");
  if (errors == json.end() || !errors->is_array()) return out;
  for (const auto& e : *errors) {
    if (!e.is_object()) continue;
    RegistryErrorCode c;
    if (auto code = e.find("code"); code != e.end() && code->is_string()) c.code = *code;
    if (auto msg = e.find("message"); msg != e.end() && msg->is_string()) c.message = *msg;
    if (!c.code.empty() || !c.message.empty()) out.push_back(std::move(c));
  }
  return out;
}

bool retryable_status(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501);
}

bool retryable_curl_code(int code) {
  switch (code) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_SEND_FAIL_REWIND:
    return true;
  default:
    return false;
  }
}

} // namespace rt::registry

#pragma once
// The way to one registry (go-containerregistry remote/transport): picks https or
// http, applies its TLS settings, pings /v2/, authenticates (Basic, or a scoped
// Bearer token), retries what is worth retrying, and turns failures into
// RegistryError. Push and pull code above it never sees a credential.
#include "registry/bearer.hpp"
#include "registry/http.hpp"
#include "registry/http_stream.hpp"
#include "registry/keychain.hpp"
#include "registry/retry.hpp"

#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::registry {

struct TransportOptions {
  // PEM files (--ca-cert) trusted, besides the system's CAs, for every registry.
  std::vector<std::string> ca_files;
  // docker's per-registry TLS directory: <certs_dir>/<host[:port]>/*.crt are CAs,
  // client.cert + client.key a client certificate. A seam for tests.
  std::string certs_dir = "/etc/docker/certs.d";
  // "host" or "host:port" (--insecure-registry): TLS without verification, or
  // plain HTTP. Loopback hosts (localhost, 127.0.0.0/8, ::1) may use plain HTTP
  // too, as in docker, but a loopback registry that speaks TLS has its
  // certificate verified (issue 3: "TLS verified by default"; loopback is allowed
  // plain HTTP, not unverified TLS). An insecure host is pinged over https first,
  // then over http if no TLS answer comes; the scheme that answered is kept for
  // the Transport's life.
  std::vector<std::string> insecure_registries;
  // Whether loopback hosts may use plain HTTP (docker's default). Tests turn it
  // off to require https on 127.0.0.1.
  bool insecure_loopback = true;
  RetryPolicy retry = RetryPolicy::standard();
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;
  long exchange_timeout_s = 60; // TlsConfig::exchange_timeout_s (--registry-timeout)
};

enum class Retry { yes, no };

// Talks to one registry host with one credential. Thread-safe: parallel uploads
// share a Transport (and its tokens and connections).
class Transport {
public:
  // `host` as in a reference ("gcr.io", "localhost:5000"); docker.io is mapped to
  // registry-1.docker.io. Nothing is sent before the first request.
  Transport(std::string host, Credential credential, TransportOptions options = {});

  const std::string& host() const { return host_; }
  const TransportOptions& options() const { return options_; }

  // "<scheme>://<host><path>" for a path such as "/v2/app/tags/list". Pings the
  // registry the first time (to choose https or http). Throws RegistryError when
  // the registry cannot be reached.
  std::string url(std::string_view path);

  // Sends `request` (its url: a "/v2/…" path, or an absolute URL such as an
  // upload location), authorised for `scopes` — the Authorization header goes
  // only to this registry's own origin. Returns the response when its status is
  // in `expected`. Otherwise throws RegistryError (from_response), after retrying
  // retryable failures per the policy unless `retry` is Retry::no. A 401 with a
  // Bearer challenge fetches a token for the scopes it names and tries once more;
  // a 401 after that is "authentication required" (not retryable).
  HttpResponse send(HttpRequest request, const Scopes& scopes, std::initializer_list<long> expected,
                    Retry retry = Retry::yes);

  // The same for a GET whose body is streamed: returns the open stream once a 2xx
  // response's headers have arrived.
  std::unique_ptr<HttpStream> open(HttpRequest request, const Scopes& scopes);

  // The TLS settings for `host_port` (this registry, or its token realm's host).
  TlsConfig tls_for(const std::string& host_port);
  // True for hosts that may use plain HTTP (the insecure list, or loopback).
  bool is_insecure(std::string_view host_port) const;

private:
  const std::string& scheme();
  // True for hosts on the --insecure-registry list: TLS without verification.
  bool listed_insecure(std::string_view host_port) const;
  std::string ping_with(const std::string& scheme);
  std::string authorization(const Scopes& scopes);
  bool retry_unauthorized(const HttpResponse& response, const std::string& used, Scopes& wanted);
  [[noreturn]] void fail_unauthorized(std::string_view what, const HttpResponse& response) const;
  std::optional<Challenge> challenge(std::string_view scheme) const;
  void prepare(HttpRequest& request, bool& same_origin);
  RegistryError explain(const RegistryError& e, std::string_view host_port) const;

  std::string host_;
  Credential credential_;
  TransportOptions options_;
  TokenCache tokens_;
  std::mutex ping_mu_;
  std::string scheme_; // set by the first ping
  mutable std::mutex mu_;
  std::vector<Challenge> challenges_; // from the ping, updated by later 401s
  std::map<std::string, TlsConfig> tls_;
};

// True for localhost, 127.0.0.0/8 and ::1 (with or without a port).
bool is_loopback_host(std::string_view host_port);
// The host without its port: "localhost:5000" → "localhost", "[::1]:5000" → "::1".
std::string strip_port(std::string_view host_port);

} // namespace rt::registry

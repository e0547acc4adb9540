#include "registry/transport.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <curl/curl.h>
#include <fmt/format.h>

namespace rt::registry {

namespace {

// "host[:port]" of an absolute URL, the port left out when it is the default,
// as docker names its certs.d directories.
std::string host_port_of(std::string_view url) {
  std::string origin = url_origin(url); // scheme://host:port
  size_t sep = origin.find("://");
  if (sep == std::string::npos) return {};
  std::string scheme = origin.substr(0, sep);
  std::string hp = origin.substr(sep + 3);
  for (std::string_view def : {":443", ":80"})
    if (hp.ends_with(def) && ((scheme == "https") == (def == ":443")))
      hp.resize(hp.size() - def.size());
  return hp;
}

std::vector<Challenge> challenges_of(const HttpResponse& response) {
  std::vector<Challenge> out;
  for (const auto& value : response.headers.get_all("www-authenticate")) {
    auto parsed = parse_www_authenticate(value);
    out.insert(out.end(), parsed.begin(), parsed.end());
  }
  return out;
}

// For -v: which kind of credentials a request carried, never their value.
std::string credentials_note(const std::string& authorization) {
  if (authorization.empty()) return {};
  return " (Authorization: " + authorization.substr(0, authorization.find(' ')) + " ***)";
}

bool expected_status(std::initializer_list<long> expected, long status) {
  return std::find(expected.begin(), expected.end(), status) != expected.end();
}

} // namespace

Transport::Transport(std::string host, Credential credential, TransportOptions options)
    : host_(host == "docker.io" ? "registry-1.docker.io" : std::move(host)),
      credential_(std::move(credential)), options_(std::move(options)) {
  credential_.register_secrets();
}

bool Transport::is_insecure(std::string_view host_port) const {
  return (options_.insecure_loopback && is_loopback_host(host_port)) || listed_insecure(host_port);
}

bool Transport::listed_insecure(std::string_view host_port) const {
  for (const auto& entry : options_.insecure_registries) {
    std::string e = normalize_registry_key(entry);
    // An entry without a port covers every port of that host.
    if (e == host_port || (e.find(':') == std::string::npos && e == strip_port(host_port)))
      return true;
  }
  return false;
}

TlsConfig Transport::tls_for(const std::string& host_port) {
  std::lock_guard lock(mu_);
  if (auto it = tls_.find(host_port); it != tls_.end()) return it->second;
  TlsConfig t;
  t.verify = !listed_insecure(host_port);
  t.connect_timeout_s = options_.connect_timeout_s;
  t.stall_timeout_s = options_.stall_timeout_s;
  t.exchange_timeout_s = options_.exchange_timeout_s;
  for (const auto& file : options_.ca_files)
    t.extra_ca_pem += read_file(file) + "\n";
  // docker's layout: certs.d/HOST[:PORT]/*.crt are CAs; NAME.cert + NAME.key a client pair.
  std::string dir = options_.certs_dir + "/" + host_port;
  std::error_code ec;
  if (!options_.certs_dir.empty() && fs::is_directory(dir, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (f.extension() == ".crt") {
        t.extra_ca_pem += read_file(f.string()) + "\n";
      } else if (f.extension() == ".cert") {
        fs::path key = fs::path(f).replace_extension(".key");
        if (!path_exists(key.string()))
          throw RuntimeError(fmt::format("{}: client certificate without {}", f.string(),
                                         key.filename().string()));
        t.client_cert = f.string();
        t.client_key = key.string();
      }
    }
    log::debug("TLS settings for {} from {}", host_port, dir);
  }
  tls_[host_port] = t;
  return t;
}

RegistryError Transport::explain(const RegistryError& e, std::string_view host_port) const {
  if (!e.tls_failure()) return e;
  // No advice for a host that may use plain HTTP and did not speak TLS: the
  // caller falls back to http. A rejected certificate deserves it anywhere.
  bool advise = !listed_insecure(host_port) &&
                (!is_insecure(host_port) || e.curl_code() == CURLE_PEER_FAILED_VERIFICATION);
  std::string advice;
  if (advise)
    advice =
        fmt::format("; if the registry uses a private CA, pass --ca-cert FILE (or put it in "
                    "{}/{}/ca.crt); if it has no valid certificate, pass --insecure-registry {}",
                    options_.certs_dir, host_port, host_port);
  return RegistryError(
      fmt::format("TLS connection to {} failed: {}{}", host_port, e.what(), advice), 0, {}, false,
      {}, e.curl_code());
}

// GET /v2/: which scheme works, and which authentication the registry wants.
std::string Transport::ping_with(const std::string& scheme) {
  HttpRequest r;
  r.url = scheme + "://" + host_ + "/v2/";
  r.tls = tls_for(host_);
  if (scheme == "http") r.tls.verify = false;
  HttpResponse res;
  try {
    res = http_perform(r);
  } catch (const RegistryError& e) {
    throw explain(e, host_);
  }
  std::string what = "GET " + r.url;
  if (retryable_status(static_cast<int>(res.status))) throw RegistryError::from_response(what, res);
  // 200: no authentication; 401: challenges. Anything else (some registries answer
  // 404 here) is taken as "no authentication" rather than failing before trying.
  std::vector<Challenge> cs = res.status == 401 ? challenges_of(res) : std::vector<Challenge>();
  log::debug("{}: HTTP {}{}", what, res.status, cs.empty() ? "" : ", auth " + cs.front().scheme);
  std::lock_guard lock(mu_);
  challenges_ = std::move(cs);
  return scheme;
}

const std::string& Transport::scheme() {
  std::lock_guard lock(ping_mu_);
  if (!scheme_.empty()) return scheme_;
  // Insecure and loopback registries: https first, then plain http, as docker and
  // go-containerregistry do. A plain-HTTP registry refuses the TLS handshake at
  // once ("wrong version number"), so this costs one round trip, once. Everything
  // else: https only.
  try {
    scheme_ = with_retries(options_.retry, [&](int) {
      if (!is_insecure(host_)) return ping_with("https");
      try {
        return ping_with("https");
      } catch (const RegistryError& https) {
        if (https.status() != 0) throw;
        // A loopback registry that does speak TLS, with a certificate we do not
        // trust, is a TLS error like anywhere else, not a reason to go plain.
        if (https.curl_code() == CURLE_PEER_FAILED_VERIFICATION) throw;
        log::debug("https://{}/v2/ failed ({}); trying http", host_, https.what());
        return ping_with("http");
      }
    });
  } catch (const RegistryError& e) {
    // No answer at all (refused, unknown host, timeout): say so first. TLS
    // failures say it already ("TLS connection to … failed").
    if (e.status() != 0 || e.tls_failure()) throw;
    throw RegistryError(fmt::format("cannot reach the registry {}: {}", host_, e.what()), 0, {},
                        e.retryable(), {}, e.curl_code());
  }
  return scheme_;
}

std::string Transport::url(std::string_view path) {
  return scheme() + "://" + host_ + std::string(path);
}

std::optional<Challenge> Transport::challenge(std::string_view scheme) const {
  std::lock_guard lock(mu_);
  for (const auto& c : challenges_)
    if (c.scheme == scheme) return c;
  return std::nullopt;
}

std::string Transport::authorization(const Scopes& scopes) {
  scheme(); // the ping tells which challenge applies
  if (auto bearer = challenge("bearer")) {
    if (!credential_.registry_token.empty()) return "Bearer " + credential_.registry_token;
    if (auto token = tokens_.find(scopes)) return "Bearer " + *token;
    std::string realm_host = host_port_of(bearer->param("realm"));
    BearerToken t;
    try {
      t = fetch_token(*bearer, scopes, credential_, tls_for(realm_host));
    } catch (const RegistryError& e) {
      throw explain(e, realm_host);
    }
    tokens_.put(scopes, t.token, t.expires_in);
    return "Bearer " + t.token;
  }
  if (challenge("basic") && credential_.has_basic()) return credential_.basic_authorization();
  return {};
}

// A 401 may carry a challenge worth one more try: a Bearer challenge naming a
// wider scope (error="insufficient_scope", e.g. a mount's source repository), a
// token that expired early, or a registry whose /v2/ was open but whose
// repositories are not. Returns true when the request should be sent again.
bool Transport::retry_unauthorized(const HttpResponse& response, const std::string& used,
                                   Scopes& wanted) {
  std::vector<Challenge> cs = challenges_of(response);
  if (cs.empty()) return false;
  {
    std::lock_guard lock(mu_);
    challenges_ = cs;
  }
  for (const auto& c : cs) {
    if (c.scheme == "bearer" && credential_.registry_token.empty()) {
      if (used.starts_with("Bearer ")) tokens_.drop(used.substr(7));
      wanted.add(c.param("scope"));
      return true;
    }
    if (c.scheme == "basic" && used.empty() && credential_.has_basic()) return true;
  }
  return false;
}

void Transport::fail_unauthorized(std::string_view what, const HttpResponse& response) const {
  RegistryError e = RegistryError::from_response(what, response);
  std::string hint;
  if (credential_.anonymous()) {
    hint = fmt::format(" (no credentials for {} were found: log in with docker or podman, or "
                       "set REGISTRY_AUTH_FILE or DOCKER_CONFIG)",
                       host_);
  } else {
    // The token was issued, but without the access asked for (a pull-only user
    // pushing): say so, rather than leave "authentication required" alone.
    for (const auto& c : challenges_of(response))
      if (c.scheme == "bearer" && c.param("error") == "insufficient_scope") {
        // Sorted: distribution lists the actions in no fixed order.
        Scopes wanted;
        wanted.add(c.param("scope"));
        hint = fmt::format(" (insufficient_scope: the credentials for {} do not grant {})", host_,
                           wanted.empty() ? std::string(c.param("scope")) : wanted.str());
      }
  }
  throw RegistryError(fmt::format("authentication required: {}{}", e.what(), hint), e.status(),
                      e.codes(), false);
}

// Makes the URL absolute and picks its TLS settings. Credentials go only to this
// registry's own origin: an upload location or redirect on another host (blob
// storage) gets none.
void Transport::prepare(HttpRequest& request, bool& same_origin) {
  std::string base = url("/v2/");
  request.url = resolve_url(base, request.url);
  same_origin = url_origin(request.url) == url_origin(base);
  request.tls = tls_for(host_port_of(request.url));
}

HttpResponse Transport::send(HttpRequest request, const Scopes& scopes,
                             std::initializer_list<long> expected, Retry retry) {
  bool same_origin = false;
  prepare(request, same_origin);
  std::string what = request.method + " " + url_for_message(request.url);
  auto attempt = [&](int) {
    Scopes wanted = scopes;
    for (int round = 0;; ++round) {
      request.authorization = same_origin ? authorization(wanted) : std::string();
      HttpResponse res;
      try {
        res = http_perform(request);
      } catch (const RegistryError& e) {
        throw explain(e, host_port_of(request.url));
      }
      log::debug("{}{}: HTTP {}", what, credentials_note(request.authorization), res.status);
      if (res.status == 401 && same_origin && round == 0 &&
          retry_unauthorized(res, request.authorization, wanted))
        continue;
      if (res.status == 401) fail_unauthorized(what, res);
      if (expected_status(expected, res.status)) return res;
      throw RegistryError::from_response(what, res);
    }
  };
  return retry == Retry::yes ? with_retries(options_.retry, attempt) : attempt(0);
}

std::unique_ptr<HttpStream> Transport::open(HttpRequest request, const Scopes& scopes) {
  bool same_origin = false;
  request.method = "GET";
  prepare(request, same_origin);
  std::string what = "GET " + url_for_message(request.url);
  return with_retries(options_.retry, [&](int) {
    Scopes wanted = scopes;
    for (int round = 0;; ++round) {
      request.authorization = same_origin ? authorization(wanted) : std::string();
      std::unique_ptr<HttpStream> stream;
      try {
        stream = HttpStream::open(request);
      } catch (const RegistryError& e) {
        throw explain(e, host_port_of(request.url));
      }
      log::debug("{}{}: HTTP {}", what, credentials_note(request.authorization), stream->status());
      if (stream->status() >= 200 && stream->status() < 300) return stream;
      HttpResponse res{stream->status(), stream->headers(), stream->read_rest(), stream->url()};
      if (res.status == 401 && same_origin && round == 0 &&
          retry_unauthorized(res, request.authorization, wanted))
        continue;
      if (res.status == 401) fail_unauthorized(what, res);
      throw RegistryError::from_response(what, res);
    }
  });
}

bool is_loopback_host(std::string_view host_port) {
  std::string h = strip_port(host_port);
  if (h == "localhost" || h == "::1") return true;
  if (!h.starts_with("127.")) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

std::string strip_port(std::string_view hp) {
  if (hp.starts_with("[")) {
    size_t close = hp.find(']');
    return std::string(hp.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  size_t colon = hp.find(':');
  if (colon == std::string_view::npos || hp.find(':', colon + 1) != std::string_view::npos)
    return std::string(hp); // no port, or a bare IPv6 address
  return std::string(hp.substr(0, colon));
}

} // namespace rt::registry

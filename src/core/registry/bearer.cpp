#include "registry/bearer.hpp"

#include "registry/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::registry {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_token_char(char c) {
  return c != ' ' && c != '\t' && c != ',' && c != '=' && c != '"';
}

// A refreshed token is fetched slightly before the old one expires, so that a
// request does not leave with a token that dies on the way.
constexpr std::chrono::seconds expiry_margin{5};

} // namespace

std::string Challenge::param(std::string_view name) const {
  auto it = params.find(lower(name));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_www_authenticate(std::string_view h) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t'))
      ++i;
  };
  auto read_token = [&] {
    size_t start = i;
    while (i < h.size() && is_token_char(h[i]))
      ++i;
    return h.substr(start, i - start);
  };
  while (i < h.size()) {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ','))
      ++i;
    std::string_view scheme = read_token();
    if (scheme.empty()) {
      ++i; // a stray '=' or '"': skip it
      continue;
    }
    Challenge c{lower(scheme), {}};
    // auth-params: name = token | quoted-string, separated by commas. A token not
    // followed by '=' starts the next challenge.
    for (;;) {
      skip_space();
      size_t mark = i;
      std::string_view name = read_token();
      skip_space();
      if (name.empty() || i >= h.size() || h[i] != '=') {
        i = name.empty() ? i : mark;
        break;
      }
      ++i;
      skip_space();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        for (++i; i < h.size() && h[i] != '"'; ++i) {
          if (h[i] == '\\' && i + 1 < h.size()) ++i;
          value.push_back(h[i]);
        }
        if (i < h.size()) ++i; // closing quote
      } else {
        value = std::string(read_token());
      }
      c.params[lower(name)] = std::move(value);
      skip_space();
      if (i < h.size() && h[i] == ',')
        ++i;
      else
        break;
    }
    out.push_back(std::move(c));
    if (i < h.size() && h[i] != ',' && !is_token_char(h[i])) ++i;
  }
  return out;
}

void Scopes::add(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    std::string_view scope = text.substr(start, end == std::string_view::npos ? end : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    // "type:name:actions"; the name may contain ':' (a registry port in a plugin
    // name), so the actions are after the last ':'.
    size_t colon = scope.rfind(':');
    if (scope.empty() || colon == std::string_view::npos || colon == 0) continue;
    auto& actions = actions_[std::string(scope.substr(0, colon))];
    std::string_view list = scope.substr(colon + 1);
    size_t a = 0;
    while (a <= list.size()) {
      size_t comma = list.find(',', a);
      std::string_view action = list.substr(a, comma == std::string_view::npos ? comma : comma - a);
      if (!action.empty()) actions.emplace(action);
      if (comma == std::string_view::npos) break;
      a = comma + 1;
    }
  }
}

void Scopes::add_repository(std::string_view repository, std::string_view actions) {
  add(fmt::format("repository:{}:{}", repository, actions));
}

void Scopes::add(const Scopes& other) {
  for (const auto& [resource, actions] : other.actions_)
    actions_[resource].insert(actions.begin(), actions.end());
}

bool Scopes::contains(const Scopes& other) const {
  for (const auto& [resource, actions] : other.actions_) {
    auto it = actions_.find(resource);
    if (it == actions_.end()) return false;
    for (const auto& a : actions)
      if (!it->second.count(a) && !it->second.count("*")) return false;
  }
  return true;
}

std::vector<std::string> Scopes::strings() const {
  std::vector<std::string> out;
  for (const auto& [resource, actions] : actions_)
    out.push_back(fmt::format("{}:{}", resource, fmt::join(actions, ",")));
  return out;
}

std::string Scopes::str() const {
  return fmt::format("{}", fmt::join(strings(), " "));
}

std::optional<std::string> TokenCache::find(const Scopes& needed) const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  for (const auto& e : entries_)
    if (e.expires > now && e.scopes.contains(needed)) return e.token;
  return std::nullopt;
}

void TokenCache::put(const Scopes& scopes, std::string token, std::chrono::seconds lifetime) {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(entries_, [&](const Entry& e) { return e.expires <= now; });
  auto margin = lifetime > 2 * expiry_margin ? expiry_margin : std::chrono::seconds(0);
  entries_.push_back({scopes, std::move(token), now + lifetime - margin});
}

void TokenCache::drop(const std::string& token) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const Entry& e) { return e.token == token; });
}

BearerToken parse_token_response(std::string_view body, std::string_view realm) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  BearerToken t;
  if (json.is_object()) {
    // Docker's token servers answer "token"; OAuth2 ones "access_token" (both at times).
    for (const char* key : {"token", "access_token"})
      if (auto it = json.find(key); t.token.empty() && it != json.end() && it->is_string())
        t.token = it->get<std::string>();
    if (auto it = json.find("expires_in");
        it != json.end() && it->is_number_integer() && it->get<int64_t>() > 0)
      t.expires_in = std::chrono::seconds(it->get<int64_t>());
  }
  if (t.token.empty())
    throw RegistryError(
        fmt::format("the token server {} answered without a token", url_for_message(realm)), 0, {},
        false);
  log::add_secret(t.token);
  return t;
}

BearerToken fetch_token(const Challenge& challenge, const Scopes& scopes,
                        const Credential& credential, const TlsConfig& tls) {
  std::string realm = challenge.param("realm");
  if (realm.empty())
    throw RegistryError("the registry asked for a bearer token but named no realm", 0, {}, false);
  std::string service = challenge.param("service");
  HttpRequest req;
  req.tls = tls;
  req.url = realm;
  if (!credential.identity_token.empty()) {
    // OAuth2 refresh-token grant (docker's identity tokens: Docker Hub, ACR, …).
    req.method = "POST";
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = fmt::format("grant_type=refresh_token&refresh_token={}&service={}&client_id="
                           "release-tool&access_type=offline&scope={}",
                           percent_encode(credential.identity_token), percent_encode(service),
                           percent_encode(scopes.str()));
  } else {
    if (!service.empty()) req.url = add_query(req.url, "service", service);
    for (const auto& s : scopes.strings())
      req.url = add_query(req.url, "scope", s);
    if (credential.has_basic()) {
      req.url = add_query(req.url, "account", credential.username);
      req.authorization = credential.basic_authorization();
    }
  }
  log::debug("{} token for {} from {}", req.method, scopes.str(), url_for_message(realm));
  HttpResponse res = http_perform(req);
  if (req.method == "POST" && (res.status == 404 || res.status == 405)) {
    // Not every token server speaks OAuth2; the distribution token spec says to fall
    // back to GET then (as go-containerregistry does).
    log::debug("POST {}: HTTP {}; asking with GET", url_for_message(realm), res.status);
    Credential basic = credential;
    basic.identity_token.clear();
    return fetch_token(challenge, scopes, basic, tls);
  }
  std::string what = fmt::format("{} {}", req.method, url_for_message(realm));
  if (res.status == 401 || res.status == 403) {
    RegistryError e = RegistryError::from_response(what, res);
    throw RegistryError(
        fmt::format("authentication failed for {} at the token server: {}", scopes.str(), e.what()),
        e.status(), e.codes(), false);
  }
  if (res.status != 200) throw RegistryError::from_response(what, res);
  return parse_token_response(res.body, realm);
}

} // namespace rt::registry

#pragma once
// Registry authentication pieces (go-containerregistry transport/bearer.go):
// WWW-Authenticate challenges, token scopes, fetching and caching bearer tokens.
#include "registry/http.hpp"
#include "registry/keychain.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rt::registry {

// One challenge of a WWW-Authenticate header: `Bearer realm="…",service="…"`.
struct Challenge {
  std::string scheme;                        // lowercased: "basic", "bearer"
  std::map<std::string, std::string> params; // names lowercased, values unquoted

  // The value of a parameter, or "" when absent.
  std::string param(std::string_view name) const;
};

// Parses a WWW-Authenticate value: one or more challenges, parameters as tokens
// or quoted strings (which may hold commas and \-escapes). Never throws; what it
// cannot read is skipped.
std::vector<Challenge> parse_www_authenticate(std::string_view header);

// The access a token grants: resources ("repository:NAME") with their actions.
class Scopes {
public:
  // Adds "repository:NAME:pull" or "repository:NAME:pull,push"; `text` may hold
  // several scopes separated by spaces (as in an insufficient_scope challenge).
  void add(std::string_view text);
  void add_repository(std::string_view repository, std::string_view actions);
  void add(const Scopes& other);
  // True if every action of `other` is granted here.
  bool contains(const Scopes& other) const;
  // One "type:name:action,action" per resource, sorted: the token request's scope=.
  std::vector<std::string> strings() const;
  std::string str() const; // strings() joined by ' '
  bool empty() const { return actions_.empty(); }

private:
  std::map<std::string, std::set<std::string>> actions_; // "repository:app" → {pull, push}
};

// Bearer tokens of one registry, each with the scopes it was issued for.
// Thread-safe: parallel uploads share it.
class TokenCache {
public:
  // An unexpired token whose scopes contain `needed`, if any.
  std::optional<std::string> find(const Scopes& needed) const;
  void put(const Scopes& scopes, std::string token, std::chrono::seconds lifetime);
  // Forgets a token the registry refused.
  void drop(const std::string& token);

private:
  struct Entry {
    Scopes scopes;
    std::string token;
    std::chrono::steady_clock::time_point expires;
  };
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

struct BearerToken {
  std::string token;
  std::chrono::seconds expires_in{60};
};

// Exchanges `credential` for a token at the challenge's realm, for `scopes`:
// POST grant_type=refresh_token when the credential is an identity token, else GET
// ?service=&scope=… with Basic auth when there is a username/password (anonymous
// otherwise). The token is registered with log::add_secret().
// Throws RegistryError: 401/403 → "authentication … failed"; other failures as
// from_response (retryable for 5xx); also when the realm is missing or the answer
// has no token.
BearerToken fetch_token(const Challenge& challenge, const Scopes& scopes,
                        const Credential& credential, const TlsConfig& tls);

// Parses a token endpoint's JSON answer ("token" or "access_token", "expires_in"
// defaulting to 60 s). Throws RegistryError when there is no token.
BearerToken parse_token_response(std::string_view body, std::string_view realm);

} // namespace rt::registry

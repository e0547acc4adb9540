#pragma once
// Registry credentials, resolved as docker and podman do: auth files
// (auths, credHelpers, credsStore) and docker-credential-* helpers.
#include <string>
#include <string_view>
#include <vector>

namespace rt::registry {

// What to authenticate with at one registry. All empty: anonymous.
struct Credential {
  std::string username;
  std::string password;
  // An OAuth2 refresh token (docker's "identitytoken", or a helper's Secret with
  // Username "<token>"): exchanged at the token realm with grant_type=refresh_token.
  std::string identity_token;
  // A bearer token to send as is (docker's "registrytoken").
  std::string registry_token;

  bool anonymous() const {
    return username.empty() && password.empty() && identity_token.empty() && registry_token.empty();
  }
  bool has_basic() const { return !username.empty() || !password.empty(); }
  // "Basic <base64(username:password)>" for an Authorization header.
  std::string basic_authorization() const;
  // Registers every secret in this credential with log::add_secret().
  void register_secrets() const;
};

// Finds credentials for a registry host. Each auth file is consulted in order and
// the first one with an entry for the host wins; anonymous when none has one.
class Keychain {
public:
  // Files from the environment, in order: $REGISTRY_AUTH_FILE (podman's auth.json),
  // then $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
  static Keychain from_environment();
  // Exactly these files (missing ones are skipped). A seam for tests.
  explicit Keychain(std::vector<std::string> auth_files);
  // A keychain that always answers anonymous.
  Keychain() = default;

  // Credentials for `registry` ("gcr.io", "localhost:5000", "docker.io" or
  // "registry-1.docker.io"; a scheme or path is ignored). Looks, in each file,
  // at credHelpers[host], then auths (keys normalised as docker does: "https://host",
  // "host/v2/", "https://index.docker.io/v1/" for Docker Hub), then credsStore.
  // Secrets found are registered with log::add_secret().
  // Throws RuntimeError naming the file if one cannot be parsed, or naming the
  // helper (never the secret) if a docker-credential-* helper fails.
  Credential resolve(std::string_view registry) const;

  const std::vector<std::string>& files() const { return files_; }

private:
  std::vector<std::string> files_;
};

// docker's ConvertToHostname: "https://host/v2/" → "host". Also maps Docker Hub's
// names (index.docker.io, registry-1.docker.io, https://index.docker.io/v1/) to "docker.io".
std::string normalize_registry_key(std::string_view key);

// Runs `docker-credential-<helper> get` (found on PATH) with `server` on stdin and
// parses its JSON answer. "credentials not found" → anonymous.
// Throws RuntimeError naming the helper if it cannot run, fails or answers garbage.
Credential run_credential_helper(const std::string& helper, const std::string& server);

std::string base64_encode(std::string_view bytes);
// Throws RuntimeError on malformed input (the text is never quoted: it may be a secret).
std::string base64_decode(std::string_view text);

} // namespace rt::registry

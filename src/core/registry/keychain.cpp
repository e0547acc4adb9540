#include "registry/keychain.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/interrupt.hpp"
#include "util/log.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rt::registry {

namespace {

using nlohmann::json;

// The key docker stores Docker Hub credentials under, and the server name it
// hands to credential helpers for Docker Hub.
constexpr std::string_view docker_hub_key = "https://index.docker.io/v1/";

std::string string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One "auths" entry: {"auth": base64(user:pass)} or {"username","password"},
// plus "identitytoken" / "registrytoken".
Credential from_auth_entry(const json& entry, const std::string& file) {
  Credential c;
  if (!entry.is_object()) return c;
  c.username = string_field(entry, "username");
  c.password = string_field(entry, "password");
  if (std::string auth = string_field(entry, "auth"); !auth.empty()) {
    std::string decoded;
    try {
      decoded = base64_decode(auth);
    } catch (const RuntimeError&) {
      throw RuntimeError(fmt::format("{}: an \"auth\" value is not valid base64", file));
    }
    size_t colon = decoded.find(':');
    if (colon == std::string::npos)
      throw RuntimeError(fmt::format("{}: an \"auth\" value is not base64 of user:password", file));
    c.username = decoded.substr(0, colon);
    c.password = decoded.substr(colon + 1);
  }
  c.identity_token = string_field(entry, "identitytoken");
  c.registry_token = string_field(entry, "registrytoken");
  return c;
}

// The server name a helper expects: Docker Hub's legacy URL, else the host.
std::string helper_server(const std::string& host) {
  return host == "docker.io" ? std::string(docker_hub_key) : host;
}

Credential resolve_in_file(const std::string& file, const std::string& host) {
  if (!path_exists(file)) return {};
  std::string text = read_file(file);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  json config;
  try {
    config = json::parse(text);
  } catch (const json::exception& e) {
    throw RuntimeError(fmt::format("cannot parse {}: {}", file, e.what()));
  }
  if (!config.is_object()) throw RuntimeError(fmt::format("{}: not a JSON object", file));

  // credHelpers names a helper per registry and takes precedence over everything.
  if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object())
    for (const auto& [key, helper] : helpers->items())
      if (helper.is_string() && normalize_registry_key(key) == host) {
        Credential c = run_credential_helper(helper.get<std::string>(), helper_server(host));
        if (!c.anonymous()) return c;
      }

  // auths: an exact key first (docker's fast path), then any key naming the same host.
  if (auto auths = config.find("auths"); auths != config.end() && auths->is_object()) {
    const json* entry = nullptr;
    if (auto exact = auths->find(host); exact != auths->end()) entry = &*exact;
    for (const auto& [key, value] : auths->items())
      if (!entry && normalize_registry_key(key) == host) entry = &value;
    if (entry) {
      Credential c = from_auth_entry(*entry, file);
      if (!c.anonymous()) return c;
    }
  }

  // credsStore: one helper for every registry (docker writes an empty auths entry
  // beside it, which is why an empty entry falls through to here).
  if (std::string store = string_field(config, "credsStore"); !store.empty())
    return run_credential_helper(store, helper_server(host));
  return {};
}

} // namespace

std::string Credential::basic_authorization() const {
  return "Basic " + base64_encode(username + ":" + password);
}

void Credential::register_secrets() const {
  log::add_secret(password);
  log::add_secret(identity_token);
  log::add_secret(registry_token);
  if (has_basic()) {
    std::string header = basic_authorization();
    log::add_secret(header.substr(6));
  }
}

Keychain::Keychain(std::vector<std::string> auth_files) : files_(std::move(auth_files)) {}

Keychain Keychain::from_environment() {
  std::vector<std::string> files;
  if (const char* podman = std::getenv("REGISTRY_AUTH_FILE"); podman && *podman)
    files.emplace_back(podman);
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir)
    files.push_back(std::string(dir) + "/config.json");
  else if (const char* home = std::getenv("HOME"); home && *home)
    files.push_back(std::string(home) + "/.docker/config.json");
  return Keychain(std::move(files));
}

Credential Keychain::resolve(std::string_view registry) const {
  std::string host = normalize_registry_key(registry);
  for (const auto& file : files_) {
    Credential c = resolve_in_file(file, host);
    if (!c.anonymous()) {
      c.register_secrets();
      log::debug("credentials for {} from {}", host, file);
      return c;
    }
  }
  log::debug("no credentials for {}: anonymous", host);
  return {};
}

std::string normalize_registry_key(std::string_view key) {
  std::string_view s = key;
  if (s.substr(0, 7) == "http://")
    s.remove_prefix(7);
  else if (s.substr(0, 8) == "https://")
    s.remove_prefix(8);
  s = s.substr(0, s.find('/'));
  std::string host(s);
  if (host == "index.docker.io" || host == "registry-1.docker.io") host = "docker.io";
  return host;
}

Credential run_credential_helper(const std::string& helper, const std::string& server) {
  const std::string program = "docker-credential-" + helper;
  // stdin is a socket so that writing to a helper that exited early fails with
  // EPIPE (MSG_NOSIGNAL) instead of killing us with SIGPIPE.
  int in[2], out[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    throw RuntimeError(fmt::format("cannot run {}: {}", program, std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[1], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string arg_get = "get";
  char* argv[] = {const_cast<char*>(program.c_str()), arg_get.data(), nullptr};
  // SIGINT and SIGTERM are blocked here for the watcher thread; not in the helper.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, static_cast<const sigset_t*>(child_signal_mask()));
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[1]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[0]);
    ::close(out[0]);
    throw RuntimeError(rc == ENOENT ? fmt::format("credential helper {} not found on PATH", program)
                                    : fmt::format("cannot run {}: {}", program, std::strerror(rc)));
  }
  std::string input = server + "\n";
  (void)::send(in[0], input.data(), input.size(), MSG_NOSIGNAL);
  ::close(in[0]);
  std::string output;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n > 0)
      output.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // docker-credential-helpers report a missing entry this way; it is not an error.
    if (output.find("credentials not found") != std::string::npos) return {};
    std::string first_line = output.substr(0, output.find('\n')).substr(0, 200);
    throw RuntimeError(fmt::format("credential helper {} failed for {} (exit status {}){}{}",
                                   program, server, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                   first_line.empty() ? "" : ": ", first_line));
  }
  json answer;
  try {
    answer = json::parse(output);
  } catch (const json::exception&) {
    // Never quote the output: it may hold the secret.
    throw RuntimeError(
        fmt::format("credential helper {} answered something that is not JSON", program));
  }
  if (!answer.is_object())
    throw RuntimeError(fmt::format("credential helper {} answered a non-object", program));
  Credential c;
  std::string user = string_field(answer, "Username");
  std::string secret = string_field(answer, "Secret");
  // A helper returns an OAuth2 refresh token as Username "<token>".
  if (user == "<token>") {
    c.identity_token = secret;
  } else {
    c.username = user;
    c.password = secret;
  }
  return c;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0})
      out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (size_t left = bytes.size() - i; left > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (left == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && (text.back() == '=' || text.back() == '\n'))
    text.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) throw RuntimeError("malformed base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) throw RuntimeError("malformed base64");
  return out;
}

} // namespace rt::registry

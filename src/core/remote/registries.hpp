#pragma once
// One registry client per host for the whole run, sharing tokens and
// connections; credentials come from the keychain and never leave the transport.
#include "registry/client.hpp"
#include "registry/reference.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace rt::remote {

class Registries {
public:
  Registries(registry::Keychain keychain, registry::TransportOptions options)
      : keychain_(std::move(keychain)), options_(std::move(options)) {}
  // The client for a registry host ("gcr.io", "localhost:5000"). Thread-safe.
  registry::Client& client(const std::string& registry);
  const registry::TransportOptions& options() const { return options_; }

private:
  registry::Keychain keychain_;
  registry::TransportOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<registry::Client>> clients_;
};

} // namespace rt::remote

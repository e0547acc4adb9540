#include "remote/registries.hpp"

namespace rt::remote {

registry::Client& Registries::client(const std::string& host) {
  std::lock_guard lock(mu_);
  auto& c = clients_[host];
  if (!c) c = std::make_unique<registry::Client>(host, keychain_, options_);
  return *c;
}

} // namespace rt::remote

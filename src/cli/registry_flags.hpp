#pragma once
#include "commands/registry_setup.hpp"

#include <CLI/CLI.hpp>

namespace rt::cli {

// The flags every command that talks to registries takes.
inline void add_registry_flags(CLI::App* cmd, commands::RegistryFlags& f) {
  cmd->add_option("--ca-cert", f.ca_certs, "Trust this CA (PEM) for registries (repeatable)");
  cmd->add_option("--insecure-registry", f.insecure_registries,
                  "Allow plain HTTP or unverified TLS for HOST[:PORT] (repeatable)");
  cmd->add_option("--jobs", f.jobs, "Blobs transferred in parallel")->capture_default_str();
  cmd->add_option("--registry-timeout", f.timeout_s,
                  "Seconds a manifest, token or other small answer may take in all (blobs "
                  "have a stall limit instead)")
      ->capture_default_str()
      ->check(CLI::Range(1L, 86400L));
}

} // namespace rt::cli

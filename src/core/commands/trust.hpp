#pragma once
// `release-tool verify --key cosign.pub IMAGE` (like `cosign verify --key`) and
// `release-tool sbom IMAGE` (an SPDX 2.3 document for any image, ours or not).
#include "commands/registry_setup.hpp"

#include <string>

namespace rt::commands {

struct VerifyOptions {
  std::string key;   // PEM public key
  std::string image; // REF or docker://REF (a tag is resolved to its digest)
  RegistryFlags registry;
};

// Checks REPO:sha256-<hex>.sig for a signature by `key` over a payload naming
// the image's digest. Returns the verified digest. Throws InputError (bad key,
// bad reference) or RuntimeError naming each signature's fault (exit 1).
Digest verify(const VerifyOptions& options);

struct SbomCommandOptions {
  std::string image; // oci:DIR[:TAG], docker-archive:FILE, docker://REF, or REF
  std::string platform = "linux/amd64";
  std::string cache_dir;
  RegistryFlags registry;
};

// The image's SPDX 2.3 JSON (created from SOURCE_DATE_EPOCH, default 0).
std::string sbom(const SbomCommandOptions& options);

} // namespace rt::commands

#pragma once
// `release-tool base lock RECIPE` and `release-tool base build RECIPE --output DEST`:
// distroless-style bases from Debian packages (src/core/debian/).
#include "commands/registry_setup.hpp"
#include "debian/archive.hpp"
#include "layer/compression.hpp"

#include <string>
#include <vector>

namespace rt::commands {

struct BaseOptions {
  std::string recipe;
  debian::MirrorOptions mirror;
  std::string store_root; // --cache-dir; default BlobStore::default_root()
};

// Resolves the recipe against the archive's signed indexes and writes its lock
// (RECIPE.lock.json) atomically. Returns a one-line summary per architecture.
std::vector<std::string> base_lock(const BaseOptions& options);

struct BaseBuildOptions {
  BaseOptions base;
  std::string platform = "linux/amd64";
  std::vector<std::string> outputs;                     // skopeo transport syntax
  layer::Compression gzip = layer::Compression::gzip(); // always gzip: bases are for any runtime
  RegistryFlags registry;
};

// Builds the base of one platform from the recipe's lock and writes it to
// every output. Returns the manifest digest.
Digest base_build(BaseBuildOptions options);

} // namespace rt::commands

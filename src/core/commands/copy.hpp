#pragma once
// `release-tool copy SRC DEST`, like `skopeo copy`: any of oci:, docker-archive:,
// docker:// to any other. Returns the manifest digest at the destination.
#include "commands/registry_setup.hpp"

namespace rt::commands {

struct CopyOptions {
  std::string source;
  std::string destination;
  std::string platform = "linux/amd64";
  std::string cache_dir; // default: the blob cache
  // --compression gzip|zstd[:LEVEL]: layers in another codec are recompressed;
  // empty: every blob is copied as it is.
  std::string compression;
  unsigned threads = 0; // compression threads, 0: one per core
  RegistryFlags registry;
  std::string sign_key; // --sign-key: sign the copy (docker:// destinations)
};

Digest copy(const CopyOptions& options);

} // namespace rt::commands

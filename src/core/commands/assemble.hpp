#pragma once
// `release-tool assemble`: a Dockerfile and a context in, an image out to one
// or more destinations (oci:, docker-archive:, docker://).
#include "build/builder.hpp"
#include "commands/registry_setup.hpp"
#include "layout/destination.hpp"

#include <functional>
#include <string>
#include <vector>

namespace rt::commands {

struct AssembleOptions {
  build::BuildOptions build;
  std::vector<std::string> build_arg_flags;     // "K=V" or "K" (then from the environment)
  std::string build_arg_file;                   // a .env file; --build-arg wins over it
  std::vector<std::string> build_context_flags; // NAME=oci-layout://DIR[:TAG] ...
  std::vector<std::string> outputs;             // skopeo transport syntax
  std::string platform = "linux/amd64";
  std::string compression; // --compression gzip|zstd[:LEVEL]; empty: gzip's default
  RegistryFlags registry;
  std::string sign_key; // --sign-key: sign what is pushed to docker:// outputs
};

// Checks an --output value (docker:// references included); InputError if bad.
layout::Destination parse_output(const std::string& text);

// Parses every flag first (bad input → InputError, nothing written), builds,
// then writes the outputs all or nothing (see write_outputs in assemble.cpp):
// a failure leaves every oci: and docker-archive: destination as it was.
// Returns the manifest digest.
Digest assemble(AssembleOptions options);

// A docker-archive cannot carry zstd layers (docker load before 23.0 rejects
// them, and `docker save` never writes them): InputError naming the output.
void require_archive_can_carry(const layer::Compression& c, const layout::Destination& dest);

// Reads SOURCE_DATE_EPOCH from the environment (0 when unset); InputError if malformed.
int64_t source_date_epoch_from_env();
// "K=V" → {K, V}; "K" → {K, $K} (skipped when unset, as docker does). InputError if malformed.
std::optional<std::pair<std::string, std::string>> parse_build_arg(const std::string& flag);

} // namespace rt::commands

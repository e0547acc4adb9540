#pragma once
#include <functional>
// What the registry-facing commands share: the registry flags, one set of
// clients for the run, and reading/writing images wherever they live.
#include "build/builder.hpp"
#include "layer/blob_store.hpp"
#include "layout/destination.hpp"
#include "remote/pusher.hpp"
#include "remote/registries.hpp"
#include "sign/keys.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rt::commands {

struct RegistryFlags {
  std::vector<std::string> ca_certs;            // --ca-cert FILE
  std::vector<std::string> insecure_registries; // --insecure-registry HOST[:PORT]
  unsigned jobs = 4;                            // --jobs
  long timeout_s = 60;                          // --registry-timeout (manifests, tokens)
  bool quiet = false;
};

// The registry side of one run.
struct RegistrySession {
  explicit RegistrySession(const RegistryFlags& flags);
  remote::Registries registries;
  remote::PushOptions push;
  remote::Progress progress;
  remote::PushStats stats;
};

// Reads an image from oci:, docker-archive: or docker:// (`cache` stores
// registry blobs when they must be read, and docker-archive layers).
oci::Image read_image(RegistrySession& session, const layout::Destination& src,
                      const oci::Platform& platform, const layer::BlobStore& cache);
// Writes an image to oci:, docker-archive: or docker:// (push by digest, then
// the tag). With `key`, a docker:// image is signed as cosign does
// (REPO:sha256-<hex>.sig) after its push and before its tag moves.
void write_image_to(RegistrySession& session, const oci::Image& image,
                    const layout::Destination& dest, const sign::SigningKey* key = nullptr);
// Lets builds resolve FROM <registry image> through the session. `rewrite`, if
// given, maps a reference as written to the one looked up (--registry-rewrite).
build::ImageResolver registry_resolver(RegistrySession& session, const layer::BlobStore& cache,
                                       std::function<std::string(const std::string&)> rewrite = {});

} // namespace rt::commands

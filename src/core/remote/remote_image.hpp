#pragma once
// Images in a registry (go-containerregistry's remote): reading one fetches
// the manifest (an index is resolved to the platform asked for) and the config,
// both verified; layers are fetched only when someone opens them.
#include "layer/blob_store.hpp"
#include "oci/image.hpp"
#include "remote/registries.hpp"

namespace rt::remote {

// A layer that lives in a registry. open() streams it through the blob cache
// (later opens read the cached file, verified again); open_direct() streams
// from the registry without touching the disk (registry-to-registry copies).
class RemoteLayer : public oci::Layer {
public:
  RemoteLayer(Registries& registries, registry::Reference ref, oci::Descriptor desc, Digest diff_id,
              const layer::BlobStore* cache);
  const oci::Descriptor& descriptor() const override { return desc_; }
  const Digest& diff_id() const override { return diff_id_; }
  std::unique_ptr<ByteSource> open() const override;
  std::unique_ptr<ByteSource> open_direct() const;
  std::optional<std::string> local_path() const override;
  std::optional<oci::BlobOrigin> origin() const override;

private:
  Registries& registries_;
  registry::Reference ref_;
  oci::Descriptor desc_;
  Digest diff_id_;
  const layer::BlobStore* cache_;
};

// Reads `ref` for `platform`. Throws RegistryError (404: not found, 401:
// authentication required) or RuntimeError (no manifest for the platform,
// malformed or mismatched content).
oci::Image read_remote_image(Registries& registries, const registry::Reference& ref,
                             const oci::Platform& platform, const layer::BlobStore* cache);

} // namespace rt::remote

#pragma once
// Pushing an image to a registry, as named steps (go-containerregistry's
// remote/write.go): for each blob, HEAD (skip if present) → mount from the
// base's repository on the same registry → POST + PUT upload; layers in
// parallel (capped), each digest once; then the config; the manifest last,
// by digest. Tags are moved separately, so a release can tag all-or-nothing.
#include "oci/image.hpp"
#include "registry/reference.hpp"
#include "remote/progress.hpp"
#include "remote/registries.hpp"

#include <atomic>

namespace rt::remote {

struct PushOptions {
  unsigned jobs = 4;
};

// What a push did, for reports, benchmarks and tests.
struct PushStats {
  std::atomic<int64_t> uploaded_bytes{0};
  std::atomic<int> uploaded{0}, mounted{0}, skipped{0};
};

// Pushes every blob and then the manifest by digest to `dest`'s repository.
// Returns the manifest digest. Nothing is tagged. Throws RegistryError or
// RuntimeError; a manifest is never sent before all its blobs are present.
Digest push_image(Registries& registries, const oci::Image& image, const registry::Reference& dest,
                  const PushOptions& options, Progress& progress, PushStats* stats = nullptr);

// Points `dest`'s tag at the already pushed manifest (PUT by tag), unless a
// HEAD finds it there already: tag_is_current, then put_tag.
void tag_image(Registries& registries, const oci::Image& image, const registry::Reference& dest);
// Whether `dest`'s tag already names `image` (HEAD; true without a tag: nothing
// to move). Lets a caller read the tags before it may move them.
bool tag_is_current(Registries& registries, const oci::Image& image,
                    const registry::Reference& dest);
// PUT of `image`'s manifest by `dest`'s tag.
void put_tag(Registries& registries, const oci::Image& image, const registry::Reference& dest);

} // namespace rt::remote

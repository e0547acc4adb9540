#pragma once
// Images attached to another image by tag, as cosign stores them (sigstore's
// "Signature Specification", storage by tag): REPO:sha256-<hex>.sig holds
// signatures, REPO:sha256-<hex>.att attestations. Each is an OCI manifest whose
// layers are small blobs (a payload, an envelope) with annotations.
#include "registry/reference.hpp"
#include "remote/registries.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rt::sign {

inline constexpr const char* kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr const char* kDsseMediaType = "application/vnd.dsse.envelope.v1+json";
inline constexpr const char* kSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr const char* kPredicateTypeAnnotation = "predicateType";

// One layer of an attached image: the blob's bytes, its media type and annotations.
struct AttachedLayer {
  std::string media_type;
  std::string bytes;
  std::map<std::string, std::string> annotations;
  Digest digest;     // as read from a manifest; empty for a new layer
  int64_t size = -1; // likewise
  friend bool operator==(const AttachedLayer&, const AttachedLayer&) = default;
};

// "sha256-<hex>.<suffix>": the tag cosign derives from the subject's digest.
std::string attached_tag(const Digest& subject, std::string_view suffix);

// Reads REPO:sha256-<hex>.<suffix> (`repo`'s tag and digest are ignored): its
// layers in order, each blob verified against its digest. Empty when the tag
// does not exist. Throws RegistryError, or RuntimeError when the manifest is
// malformed or too large (at most 256 layers of at most 64 MiB).
// `fetch`, if given, sees each layer (media type, annotations, digest, size)
// first: when it returns false the blob is not downloaded and `bytes` stays empty.
// `manifest`, if given, gets the attached manifest's digest (empty when none).
std::vector<AttachedLayer>
read_attached(remote::Registries& registries, const registry::Reference& repo,
              const Digest& subject, std::string_view suffix,
              const std::function<bool(const AttachedLayer&)>& fetch = {},
              Digest* manifest = nullptr);

// Writes REPO:sha256-<hex>.<suffix> holding `layers`: the blobs (skipped when
// present; a layer read without its bytes is referred to by its digest), the
// config, then the manifest by tag. Returns the manifest's digest. Throws RegistryError.
Digest write_attached(remote::Registries& registries, const registry::Reference& repo,
                      const Digest& subject, std::string_view suffix,
                      const std::vector<AttachedLayer>& layers);

} // namespace rt::sign

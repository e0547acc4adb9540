#pragma once
// Image indexes (OCI image index, Docker manifest list): picking the manifest for a platform.
#include "oci/descriptor.hpp"

#include <string_view>

namespace rt::oci {

// The entry of an image index (its bytes) for `platform`: the first whose platform matches, as
// docker pull picks it. Throws RuntimeError naming `what` when the index is malformed (not a
// JSON object, 'manifests' not an array, an entry not a descriptor) or has no entry for the
// platform (the message lists those it has).
Descriptor select_manifest(std::string_view index, const Platform& platform, std::string_view what);

} // namespace rt::oci

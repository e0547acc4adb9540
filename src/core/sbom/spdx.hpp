#pragma once
// An SPDX 2.3 JSON document for an image: the image as the described package,
// each package found in it, and every regular file (path, SHA-1 and SHA-256,
// size in the file's comment: SPDX 2.3 has no size field). Deterministic: the
// same image and options give the same bytes.
#include "sbom/packages.hpp"

#include <nlohmann/json.hpp>

namespace rt::sbom {

inline constexpr const char* kSpdxPredicateType = "https://spdx.dev/Document";

struct SbomOptions {
  std::string name;    // what the document is about: the image's reference or name
  int64_t created = 0; // SOURCE_DATE_EPOCH → creationInfo.created
  std::vector<KnownArtifact> artifacts;
};

// Builds the document. Throws nothing but std::bad_alloc.
nlohmann::json make_spdx(const oci::Image& image, const Inventory& inventory,
                         const SbomOptions& options);

// Reads the image (see read_inventory) and builds its document.
nlohmann::json image_sbom(const oci::Image& image, const SbomOptions& options);

// What two documents disagree on, ignoring the creator tool's version: the
// first differing file, package or field, as one line; "" when equal.
std::string compare_spdx(const nlohmann::json& expected, const nlohmann::json& actual);

} // namespace rt::sbom

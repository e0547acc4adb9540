#pragma once
// SLSA provenance v1 (https://slsa.dev/provenance/v1) for an image, as an
// in-toto statement v1 (https://in-toto.io/Statement/v1) whose subject is the
// image's manifest digest. Deterministic: no wall-clock time, no host names.
#include "util/sha256.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rt::attest {

inline constexpr const char* kSlsaPredicateType = "https://slsa.dev/provenance/v1";
inline constexpr const char* kStatementType = "https://in-toto.io/Statement/v1";
// The build type: what externalParameters mean (documented in docs/trust.md).
inline constexpr const char* kBuildType = "urn:release-tool:buildtype:release:v1";
inline constexpr const char* kBuilderId = "urn:release-tool:builder";

// An input the build resolved, with its digest.
struct Dependency {
  std::string uri;       // git+https://github.com/O/R@COMMIT, https://github.com/.../asset, REF
  std::string algorithm; // "sha256" or "gitCommit"
  std::string digest;    // hex
  std::string name;      // asset name or image reference as written ("" for the commit)
  friend bool operator==(const Dependency&, const Dependency&) = default;
};

struct ProvenanceInputs {
  std::string mode; // "rc" or "final"
  std::string version;
  std::string github_repository; // owner/name
  std::string commit;
  std::string image_name; // images.json name
  std::string target;     // Dockerfile stage
  std::string dockerfile; // path relative to images.json
  Digest dockerfile_digest;
  Digest images_json_digest; // after overlays: of the first file
  std::string platform;
  int64_t source_date_epoch = 0;
  // Build args as given (.env, GitHub, --build-arg); values of names that look
  // secret (TOKEN, PASSWORD, SECRET, KEY, CREDENTIAL) are never recorded.
  std::vector<std::pair<std::string, std::string>> build_args;
  std::vector<Dependency> assets; // GitHub release assets
  std::vector<Dependency> bases;  // registry images the build read
};

// True if a build arg's name suggests a secret (its value is left out).
bool secret_name(std::string_view name);

// The statement for `repository`@`digest`.
nlohmann::json provenance_statement(const std::string& repository, const Digest& digest,
                                    const ProvenanceInputs& inputs);

// An in-toto statement v1 for `repository`@`digest` carrying `predicate`.
nlohmann::json statement(const std::string& repository, const Digest& digest,
                         const std::string& predicate_type, nlohmann::json predicate);

// What `published` says differently from `expected` about the commit, the
// assets and the base images (resolvedDependencies), and the external
// parameters, one line per difference; empty when they agree.
std::vector<std::string> compare_provenance(const nlohmann::json& expected,
                                            const nlohmann::json& published);

} // namespace rt::attest

#pragma once
// The release commands: `rc` (binary built here), `final --version V` (binary
// from the GitHub Release), `reproduce --version V` (rebuild final from GitHub
// artifacts and compare with the registry).
#include "commands/registry_setup.hpp"

#include <string>
#include <vector>

namespace rt::release {

struct ReleaseOptions {
  std::vector<std::string> configs = {"images.json"}; // the file, then overlays in order
  std::string version;
  bool skip_build = false;                  // rc: use the artifact already in place
  bool describe = false;                    // rc: VERSION from git describe instead of the next rc
  std::vector<std::string> images;          // --image NAME: a subset
  std::vector<std::string> build_arg_flags; // extra --build-arg (after .env)
  std::vector<std::string> registry_rewrites; // FROM=TO
  std::string output;                         // "oci:DIR" instead of pushing
  std::string digests_file;
  bool allow_unverified = false; // final: accept assets without a checksum
  bool create_release = false;   // final: run github-release first when V is not published
  std::string notes_file;        // github-release: the release notes
  bool prerelease = false;       // github-release
  std::string assets_dir;        // github-release: make the assets here (default: the cache)
  bool no_publish = false;       // github-release: make the assets only; GitHub is not asked
  std::string platform = "linux/amd64";
  std::string cache_dir;
  unsigned threads = 0;
  std::string sign_key;   // --sign-key: cosign-compatible signing and attestations (rc, final)
  std::string verify_key; // --key: reproduce checks signatures, provenance and SBOM
  // rc/final --compression gzip|zstd[:LEVEL]: every image's new layers, over
  // images.json's per-image "compression"; empty: images.json's, else gzip.
  std::string compression;
  commands::RegistryFlags registry;
};

// Each returns the process exit code (reproduce: 1 when an image differs);
// errors are thrown as usual.
int run_rc(const ReleaseOptions& options);
int run_final(const ReleaseOptions& options);
int run_reproduce(const ReleaseOptions& options);
// `github-release --version V`: makes the assets images.json lists from this
// checkout and publishes the GitHub Release V (draft, uploads, digests checked,
// published); resumable and idempotent. Returns 0; throws as usual.
int run_github_release(const ReleaseOptions& options);

} // namespace rt::release

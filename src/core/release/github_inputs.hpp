#pragma once
// What `final` and `reproduce` take from GitHub, and only from GitHub: the
// release's commit and time, and its assets, each verified.
#include "build/builder.hpp"
#include "release/pipeline.hpp"

namespace rt::release {

struct GithubInputs {
  BuildMetadata meta;
  // Build args: GITHUB_REPOSITORY and <ASSET>_SHA256 for each asset (name
  // upper-cased, other characters as '_': lana-cli → LANA_CLI_SHA256).
  std::vector<std::pair<std::string, std::string>> args;
  std::map<std::string, std::string> files; // asset name → verified local file
  build::UrlFetcher fetcher;                // serves release download URLs from `files`
  std::map<std::string, Digest> digests;    // asset name → digest, as downloaded
  std::map<std::string, std::string> urls;  // asset name → its release download URL
};

// Reads release `version`, its commit, downloads and verifies each asset of
// images.json into `staging` (and, when `into_context`, into its destination in
// the build context). Throws RuntimeError: unknown tag, missing asset, digest
// mismatch, no checksum without --allow-unverified.
GithubInputs prepare_github_inputs(ReleaseRun& run, const std::string& version,
                                   const std::string& staging, bool into_context);

// The build-arg name for an asset's checksum: "admin-panel.tar.gz" → "ADMIN_PANEL_TAR_GZ_SHA256".
std::string checksum_arg_name(const std::string& asset);

} // namespace rt::release

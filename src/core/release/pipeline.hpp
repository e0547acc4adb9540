#pragma once
// The steps rc, final and reproduce share: the build metadata (.env), building
// the selected images, publishing them all-or-nothing, and reporting.
#include "build/builder.hpp"
#include "release/evidence.hpp"
#include "release/images_config.hpp"
#include "release/release.hpp"
#include "release/rewrite.hpp"

#include <map>
#include <string_view>

namespace rt::release {

// VERSION, COMMITHASH, BUILDTIME and the time every mtime and `created` gets.
struct BuildMetadata {
  std::string version;
  std::string commit;            // full sha
  int64_t epoch = 0;             // the commit's time (SOURCE_DATE_EPOCH overrides in rc)
  std::string buildtime() const; // UTC "%F-%T", e.g. 2026-11-24-12:37:17
  std::string created() const;   // RFC 3339
};

struct BuiltImage {
  ImageSpec spec;
  std::string repository;        // after --registry-rewrite
  std::vector<std::string> tags; // expanded
  oci::Image image;
  std::vector<attest::Dependency> bases;                       // registry images the build read
  std::vector<std::pair<std::string, std::string>> build_args; // as passed to the build
};

// One release run: configuration, flags checked, registry session.
struct ReleaseRun {
  explicit ReleaseRun(const ReleaseOptions& options);
  const ReleaseOptions& options;
  ImagesConfig config;
  std::vector<ImageSpec> selected;
  Rewrites rewrites;
  std::vector<std::pair<std::string, std::string>> extra_args; // --build-arg
  commands::RegistrySession session;
  layer::BlobStore cache;
  // reproduce: per image name, the base the release used — its recorded
  // base.name and base.digest. build_all fetches that name by that digest (the
  // name, hence the image, stays as recorded) whatever its tag names today.
  std::map<std::string, std::pair<std::string, std::string>> base_pins;
  Evidence evidence; // --sign-key / --key, and what the SBOM and provenance need
  std::optional<layer::Compression> compression; // --compression, over images.json's

  // Checks the Dockerfile before anything runs (the build command, the GitHub
  // downloads): it is there, valid, with a stage for every selected image.
  // Throws InputError (exit 2). (Contexts are not checked: the build command or
  // the release assets may make them.)
  void check_inputs(const std::string& dockerfile) const;
  // Runs the build command (unless --skip-build) and copies its artifact to
  // binary.destination in the build context (0755). Returns the artifact's path.
  // Throws RuntimeError when the command fails or the artifact is not there.
  std::string build_binary() const;
  // Writes BASE_DIR/.env (atomically) and returns its path.
  std::string write_env_file(const BuildMetadata& meta) const;
  // Builds every selected image from `dockerfile`, with the .env and the extra args;
  // their tags are those of `mode` ("rc", or "final" for final and reproduce).
  std::vector<BuiltImage> build_all(const std::string& dockerfile, const std::string& env_file,
                                    const BuildMetadata& meta,
                                    const std::vector<std::pair<std::string, std::string>>& args,
                                    build::UrlFetcher fetch, std::string_view mode);
  // Pushes all blobs and manifests by digest, then moves every tag — or writes
  // to --output. With --sign-key, every image is signed and attested (SBOM,
  // provenance) before the tags move; with --output, both are written unsigned.
  // Then prints the table and writes --digests-file.
  void publish(const std::vector<BuiltImage>& images, const BuildMetadata& meta,
               const std::string& mode);
};

// Whether the GitHub Release `version` of config.github_repository is published
// (drafts do not count): what `final --create-release` asks before it runs
// github-release.
bool github_release_published(const ImagesConfig& config, const std::string& version);

} // namespace rt::release

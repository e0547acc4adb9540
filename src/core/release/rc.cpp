// `release-tool rc`: build the binary here, write .env, assemble the images
// from the rc Dockerfile, push them all-or-nothing.
#include "commands/assemble.hpp"
#include "registry/error.hpp"
#include "registry/reference.hpp"
#include "release/git.hpp"
#include "release/next_version.hpp"
#include "release/pipeline.hpp"
#include "release/release_assets.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

#include <fmt/format.h>

namespace rt::release {

namespace {

// The version cocogitto would give the next rc: the next release from the
// conventional commits since the last final tag, then "-rc.N" one past the
// highest rc of it in the first image's repository.
std::string next_rc_version(ReleaseRun& run) {
  NextRelease next = next_release(run.config.base_dir);
  const ImageSpec& first = run.selected.front();
  auto ref = registry::Reference::parse(run.rewrites.apply(first.repository));
  std::vector<std::string> tags;
  try {
    tags = run.session.registries.client(ref.registry_host()).list_tags(ref.repository);
  } catch (const registry::RegistryError& e) {
    throw RuntimeError(
        fmt::format("listing the tags of {} (for the next rc number): {}", ref.name(), e.what()));
  }
  long n = next_rc_number(tags, next.version);
  std::string version = fmt::format("{}-rc.{}", next.version.core(), n);
  log::info("version {}: {} commit(s) since {} call for a {} bump; rc.{} is next in {}", version,
            next.commits, next.last_tag.empty() ? "the first commit" : next.last_tag,
            next.bump == Bump::major   ? "major"
            : next.bump == Bump::minor ? "minor"
                                       : "patch",
            n, ref.name());
  return version;
}

} // namespace

int run_rc(const ReleaseOptions& o) {
  ReleaseRun run(o);
  const ImagesConfig& c = run.config;

  // 0. The Dockerfile and contexts are checked before a possibly long build.
  std::string dockerfile = c.resolve(c.dockerfile_rc);
  run.check_inputs(dockerfile);

  // 1. Build the binary (output shown live) and put it into the build context.
  run.build_binary();

  // 2. The build metadata: from git, never from the wall clock.
  BuildMetadata meta;
  meta.commit = git_head(c.base_dir);
  meta.version = !o.version.empty() ? o.version
                 : o.describe       ? git_describe(c.base_dir)
                                    : next_rc_version(run);
  const char* sde = std::getenv("SOURCE_DATE_EPOCH");
  meta.epoch =
      sde && *sde ? commands::source_date_epoch_from_env() : git_commit_time(c.base_dir, "HEAD");
  std::string env_file = run.write_env_file(meta);
  log::info("VERSION={} COMMITHASH={} BUILDTIME={}", meta.version, meta.commit, meta.buildtime());

  // 3. The tarball assets github-release would upload, into the build context:
  // the rc Dockerfile ADDs them as the release Dockerfile ADDs their URLs, so
  // that an rc and the final of one commit have the same layers.
  place_tarball_assets(c, git_commit_time(c.base_dir, "HEAD"), o.threads);

  // 4. Assemble and publish (the binary is named in the SBOM by its digest).
  run.evidence.dockerfile = c.dockerfile_rc;
  run.evidence.artifacts.push_back(
      {fs::path(c.binary.destination).filename().string(), "", "", "",
       sha256_of_file(c.resolve(c.context) + "/" + c.binary.destination)});
  auto images = run.build_all(dockerfile, env_file, meta, {}, nullptr, "rc");
  run.publish(images, meta, "rc");
  return 0;
}

} // namespace rt::release

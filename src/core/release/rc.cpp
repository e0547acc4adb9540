// `release-tool rc`: build the binary here, write .env, assemble the images
// from the rc Dockerfile, push them all-or-nothing.
#include "commands/assemble.hpp"
#include "release/git.hpp"
#include "release/pipeline.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

#include <fmt/format.h>

namespace rt::release {

int run_rc(const ReleaseOptions& o) {
  ReleaseRun run(o);
  const ImagesConfig& c = run.config;

  // 0. The Dockerfile and contexts are checked before a possibly long build.
  std::string dockerfile = c.resolve(c.dockerfile_rc);
  run.check_inputs(dockerfile);

  // 1. Build the binary (output shown live), unless told it is already built.
  std::string workdir = c.resolve(c.binary.working_directory);
  if (!o.skip_build) {
    log::info("running {} in {}", quote_argv(c.binary.command), workdir);
    int status = run_live(c.binary.command, workdir);
    if (status != 0)
      throw RuntimeError(fmt::format("the build command {} failed with exit status {}",
                                     quote_argv(c.binary.command), status));
  }
  // 2. Put the artifact into the build context.
  std::string artifact = workdir + "/" + c.binary.artifact;
  if (!fs::is_regular_file(artifact))
    throw RuntimeError(fmt::format("{} does not exist: {}", artifact,
                                   o.skip_build ? "build it first, or drop --skip-build"
                                                : "the build command did not produce it"));
  std::string dest = c.resolve(c.context) + "/" + c.binary.destination;
  make_dirs(fs::path(dest).parent_path().string());
  if (fs::weakly_canonical(artifact) != fs::weakly_canonical(dest)) {
    AtomicFile out(dest);
    InputFile in(artifact);
    copy_stream(in, out);
    out.commit(0755);
  }

  // 3. The build metadata: from git, never from the wall clock.
  BuildMetadata meta;
  meta.commit = git_head(c.base_dir);
  meta.version = o.version.empty() ? git_describe(c.base_dir) : o.version;
  const char* sde = std::getenv("SOURCE_DATE_EPOCH");
  meta.epoch =
      sde && *sde ? commands::source_date_epoch_from_env() : git_commit_time(c.base_dir, "HEAD");
  std::string env_file = run.write_env_file(meta);
  log::info("VERSION={} COMMITHASH={} BUILDTIME={}", meta.version, meta.commit, meta.buildtime());

  // 4. Assemble and publish.
  auto images = run.build_all(dockerfile, env_file, meta, {}, nullptr);
  run.publish(images, meta, "rc");
  return 0;
}

} // namespace rt::release

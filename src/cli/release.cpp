#include "release/release.hpp"
#include "commands.hpp"
#include "registry_flags.hpp"

#include <memory>

namespace rt::cli {

namespace {
// The flags rc, final and reproduce share.
void add_release_flags(CLI::App* cmd, release::ReleaseOptions& o) {
  cmd->add_option("--config", o.configs,
                  "images.json, then overlay files applied in order (repeatable)")
      ->capture_default_str();
  cmd->add_option("--image", o.images, "Only this image (repeatable; default: all)");
  cmd->add_option("--build-arg", o.build_arg_flags, "Extra build argument NAME=VALUE");
  cmd->add_option("--registry-rewrite", o.registry_rewrites,
                  "Rewrite image references with this prefix FROM=TO (repeatable)");
  cmd->add_option("--platform", o.platform, "Target platform")->capture_default_str();
  cmd->add_option("--cache-dir", o.cache_dir, "Blob cache (default: $XDG_CACHE_HOME/release-tool)");
  cmd->add_option("--threads", o.threads, "Compression threads (0: one per core)");
  add_registry_flags(cmd, o.registry);
}

void add_publish_flags(CLI::App* cmd, release::ReleaseOptions& o) {
  cmd->add_option("--output", o.output, "Write to oci:DIR (tags NAME:TAG) instead of pushing");
  cmd->add_option("--digests-file", o.digests_file,
                  "Write version, mode and each image's repository, tags and digest as JSON");
}

template <typename Run>
void add_release_command(CLI::App& app, Action& action, const char* name, const char* help,
                         bool version_required, bool publishes, Run run) {
  auto o = std::make_shared<release::ReleaseOptions>();
  auto* cmd = app.add_subcommand(name, help);
  auto* v = cmd->add_option(
      "--version", o->version,
      version_required ? "Release version: the tag of the GitHub Release"
                       : "Release version (default: git describe --tags --always --dirty)");
  if (version_required) v->required();
  add_release_flags(cmd, *o);
  if (publishes) add_publish_flags(cmd, *o);
  cmd->callback([o, &action, cmd, run]() {
    action = [o, cmd, run]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      return run(*o);
    };
  });
  if (std::string(name) == "rc")
    cmd->add_flag("--skip-build", o->skip_build, "Use the artifact already built");
  if (std::string(name) == "final")
    cmd->add_flag("--allow-unverified", o->allow_unverified,
                  "Accept release assets that have no digest or checksums file");
}
} // namespace

void add_release(CLI::App& app, Action& action) {
  add_release_command(app, action, "rc",
                      "Build the binary here, assemble the images from Dockerfile.rc, push them",
                      false, true, release::run_rc);
  add_release_command(app, action, "final",
                      "Assemble the images of release V from its GitHub Release, push them", true,
                      true, release::run_final);
  add_release_command(app, action, "reproduce",
                      "Rebuild release V from GitHub artifacts and compare with the registry", true,
                      false, release::run_reproduce);
}

} // namespace rt::cli

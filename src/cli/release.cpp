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
  cmd->add_option("--compression", o.compression,
                  "Layer compression of every image: gzip[:LEVEL] or zstd[:LEVEL] (default: "
                  "images.json's \"compression\", else gzip:1)");
  cmd->add_option("--digests-file", o.digests_file,
                  "Write version, mode and each image's repository, tags and digest as JSON");
  cmd->add_option("--sign-key", o.sign_key,
                  "Sign each image and attach its SBOM and provenance, as cosign does (PEM EC "
                  "P-256 or cosign key; password from COSIGN_PASSWORD)");
}

// github-release's own flags (final --create-release takes them too).
void add_github_release_flags(CLI::App* cmd, release::ReleaseOptions& o) {
  cmd->add_option("--notes-file", o.notes_file, "Release notes (Markdown) from this file");
  cmd->add_flag("--prerelease", o.prerelease, "Mark the GitHub Release as a prerelease");
}

template <typename Run>
void add_release_command(CLI::App& app, Action& action, const char* name, const char* help,
                         bool version_required, bool publishes, Run run) {
  auto o = std::make_shared<release::ReleaseOptions>();
  auto* cmd = app.add_subcommand(name, help);
  auto* v = cmd->add_option(
      "--version", o->version,
      version_required ? "Release version: the tag of the GitHub Release"
                       : "Release version (default: the next rc from the conventional commits "
                         "since the last release, X.Y.Z-rc.N)");
  if (version_required) v->required();
  add_release_flags(cmd, *o);
  if (publishes) add_publish_flags(cmd, *o);
  cmd->callback([o, &action, cmd, run]() {
    action = [o, cmd, run]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      return run(*o);
    };
  });
  if (std::string(name) == "rc" || std::string(name) == "final")
    cmd->add_flag("--skip-build", o->skip_build, "Use the artifact already built");
  if (std::string(name) == "reproduce")
    cmd->add_option("--key", o->verify_key,
                    "Also check each image's signature, provenance and SBOM (cosign.pub)");
  if (std::string(name) == "rc")
    cmd->add_flag("--describe", o->describe,
                  "VERSION from git describe --tags --always --dirty instead of the next rc");
  if (std::string(name) == "final") {
    cmd->add_flag("--allow-unverified", o->allow_unverified,
                  "Accept release assets that have no digest or checksums file");
    cmd->add_flag("--create-release", o->create_release,
                  "Publish the GitHub Release V from this checkout first (github-release), "
                  "unless it is published");
    add_github_release_flags(cmd, *o);
  }
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

  auto o = std::make_shared<release::ReleaseOptions>();
  auto* cmd = app.add_subcommand(
      "github-release",
      "Make the release assets images.json lists from this checkout and publish the GitHub "
      "Release V (draft, upload, check digests, publish; resumable)");
  cmd->add_option("--version", o->version, "Release version: the tag to create")->required();
  cmd->add_option("--config", o->configs,
                  "images.json, then overlay files applied in order (repeatable)")
      ->capture_default_str();
  cmd->add_flag("--skip-build", o->skip_build, "Use the artifact already built");
  cmd->add_option("--assets-dir", o->assets_dir,
                  "Make the assets in this directory (default: in the cache)");
  cmd->add_flag("--no-publish", o->no_publish,
                "Only make the assets (with --assets-dir): nothing is sent to GitHub");
  cmd->add_option("--cache-dir", o->cache_dir,
                  "Where the assets are made (default: $XDG_CACHE_HOME/release-tool)");
  cmd->add_option("--threads", o->threads, "Compression threads (0: one per core)");
  add_github_release_flags(cmd, *o);
  cmd->callback([o, &action, cmd]() {
    action = [o, cmd]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      return release::run_github_release(*o);
    };
  });
}

} // namespace rt::cli

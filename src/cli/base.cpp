#include "commands/base.hpp"
#include "commands.hpp"
#include "registry_flags.hpp"

#include <cstdio>
#include <memory>

namespace rt::cli {

namespace {

void add_archive_flags(CLI::App* cmd, commands::BaseOptions& o) {
  cmd->add_option("--mirror", o.mirror.mirrors,
                  "URL or SUITE=URL of the archive (default: the apt source serving the suite)");
  cmd->add_option("--keyring", o.mirror.keyring,
                  "Keyring gpgv checks InRelease with (default: the source's Signed-By)");
  cmd->add_option("--cache-dir", o.store_root,
                  "Cache of indexes, .debs and blobs (default: $XDG_CACHE_HOME/release-tool)");
  cmd->add_option("recipe", o.recipe, "Base recipe (JSON)")->required();
}

} // namespace

void add_base(CLI::App& app, Action& action) {
  auto* base = app.add_subcommand("base", "Distroless-style bases from Debian packages");
  base->require_subcommand(1);

  auto lock = std::make_shared<commands::BaseOptions>();
  auto* lock_cmd = base->add_subcommand(
      "lock", "Resolve a recipe against the archive's signed index; write RECIPE.lock.json");
  add_archive_flags(lock_cmd, *lock);
  lock_cmd->callback([lock, &action]() {
    action = [lock]() {
      for (const auto& line : commands::base_lock(*lock))
        std::printf("%s\n", line.c_str());
      return 0;
    };
  });

  auto build = std::make_shared<commands::BaseBuildOptions>();
  auto* build_cmd = base->add_subcommand(
      "build", "Build a base image from a recipe's lock, no maintainer scripts");
  add_archive_flags(build_cmd, build->base);
  build_cmd->add_option("--platform", build->platform, "Platform os/arch[/variant] of the image")
      ->capture_default_str();
  build_cmd
      ->add_option("-o,--output", build->outputs,
                   "Destination: oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], docker://REF")
      ->required();
  build_cmd->add_option("--threads", build->gzip.threads,
                        "Compression threads (0: one per core; never changes the output)");
  add_registry_flags(build_cmd, build->registry);
  build_cmd->callback([build, &action, build_cmd]() {
    action = [build, build_cmd]() {
      build->registry.quiet =
          build_cmd->get_parent()->get_parent()->get_option("--quiet")->as<bool>();
      Digest d = commands::base_build(*build);
      std::printf("%s\n", d.str().c_str());
      return 0;
    };
  });
}

} // namespace rt::cli

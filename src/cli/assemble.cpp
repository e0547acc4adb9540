#include "commands/assemble.hpp"
#include "commands.hpp"
#include "commands/assemble.hpp"
#include "registry_flags.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <memory>
#include <thread>

namespace rt::cli {

void add_assemble(CLI::App& app, Action& action) {
  auto o = std::make_shared<commands::AssembleOptions>();
  auto* cmd = app.add_subcommand("assemble", "Assemble an image from a Dockerfile, no daemon");
  cmd->add_option("-f,--file", o->build.dockerfile, "Dockerfile (default: CONTEXT/Dockerfile)");
  cmd->add_option("--target", o->build.target, "Build this stage");
  cmd->add_option("--build-arg", o->build_arg_flags, "Set a build argument (NAME=VALUE or NAME)");
  cmd->add_option("--build-arg-file", o->build_arg_file, "Read build arguments from a .env file");
  cmd->add_option("--platform", o->platform, "Target platform os/arch[/variant]")
      ->capture_default_str();
  cmd->add_option("--build-context", o->build_context_flags,
                  "NAME=oci-layout://DIR[:TAG] or NAME=docker-image://REF");
  cmd->add_option("-o,--output", o->outputs,
                  "Destination: oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], docker://REF")
      ->required();
  cmd->add_option("--cache-dir", o->build.store_root,
                  "Blob cache (default: $XDG_CACHE_HOME/release-tool)");
  cmd->add_option("--compression", o->compression,
                  "Layer compression: gzip[:LEVEL] (default gzip:1) or zstd[:LEVEL] (zstd:1)");
  cmd->add_option("--threads", o->build.compression.threads,
                  "Compression threads (0: one per core; never changes the output)")
      ->capture_default_str();
  cmd->add_option("--sign-key", o->sign_key,
                  "Sign what is pushed, as cosign does (PEM EC P-256 or cosign key; password from "
                  "COSIGN_PASSWORD)");
  cmd->add_option("context", o->build.context_dir, "Build context directory")->required();
  add_registry_flags(cmd, o->registry);
  cmd->callback([o, &action, cmd]() {
    action = [o, cmd]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      if (o->build.dockerfile.empty()) o->build.dockerfile = o->build.context_dir + "/Dockerfile";
      o->build.source_date_epoch = commands::source_date_epoch_from_env();
      Digest d = commands::assemble(*o);
      std::printf("%s\n", d.str().c_str());
      return 0;
    };
  });
}

} // namespace rt::cli

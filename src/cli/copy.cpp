#include "commands/copy.hpp"
#include "commands.hpp"
#include "registry_flags.hpp"

#include <cstdio>
#include <memory>

namespace rt::cli {

void add_copy(CLI::App& app, Action& action) {
  auto o = std::make_shared<commands::CopyOptions>();
  auto* cmd =
      app.add_subcommand("copy", "Copy an image between oci:, docker-archive: and docker://");
  cmd->add_option("source", o->source, "oci:DIR[:TAG], docker-archive:FILE, docker://REF")
      ->required();
  cmd->add_option("destination", o->destination,
                  "oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], docker://REF")
      ->required();
  cmd->add_option("--platform", o->platform, "Platform to pick from a multi-platform source")
      ->capture_default_str();
  cmd->add_option("--cache-dir", o->cache_dir,
                  "Blob cache (default: $XDG_CACHE_HOME/release-tool)");
  cmd->add_option("--sign-key", o->sign_key,
                  "Sign what is pushed, as cosign does (PEM EC P-256 or cosign key; password from "
                  "COSIGN_PASSWORD)");
  cmd->add_option("--compression", o->compression,
                  "Recompress layers not in this codec: gzip[:LEVEL] or zstd[:LEVEL] "
                  "(default: copy every blob as it is)");
  cmd->add_option("--threads", o->threads,
                  "Compression threads (0: one per core; never changes the output)")
      ->capture_default_str();
  add_registry_flags(cmd, o->registry);
  cmd->callback([o, &action, cmd]() {
    action = [o, cmd]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      Digest d = commands::copy(*o);
      std::printf("%s\n", d.str().c_str());
      return 0;
    };
  });
}

} // namespace rt::cli

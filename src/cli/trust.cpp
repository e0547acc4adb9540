#include "commands/trust.hpp"
#include "commands.hpp"
#include "registry_flags.hpp"

#include <cstdio>
#include <memory>

namespace rt::cli {

void add_verify(CLI::App& app, Action& action) {
  auto o = std::make_shared<commands::VerifyOptions>();
  auto* cmd = app.add_subcommand(
      "verify", "Check an image's cosign signature (REPO:sha256-<hex>.sig) with a public key");
  cmd->add_option("--key", o->key, "The public key (PEM, cosign.pub)")->required();
  cmd->add_option("image", o->image, "REF or docker://REF")->required();
  add_registry_flags(cmd, o->registry);
  cmd->callback([o, &action, cmd]() {
    action = [o, cmd]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      Digest d = commands::verify(*o);
      std::printf("%s: signature verified with %s\n", d.str().c_str(), o->key.c_str());
      return 0;
    };
  });
}

void add_sbom(CLI::App& app, Action& action) {
  auto o = std::make_shared<commands::SbomCommandOptions>();
  auto* cmd = app.add_subcommand("sbom", "Print an SPDX 2.3 JSON SBOM of any image");
  cmd->add_option("image", o->image, "oci:DIR[:TAG], docker-archive:FILE, docker://REF or REF")
      ->required();
  cmd->add_option("--platform", o->platform, "Platform to pick from a multi-platform image")
      ->capture_default_str();
  cmd->add_option("--cache-dir", o->cache_dir,
                  "Blob cache (default: $XDG_CACHE_HOME/release-tool)");
  add_registry_flags(cmd, o->registry);
  cmd->callback([o, &action, cmd]() {
    action = [o, cmd]() {
      o->registry.quiet = cmd->get_parent()->get_option("--quiet")->as<bool>();
      std::string doc = commands::sbom(*o);
      std::fwrite(doc.data(), 1, doc.size(), stdout);
      return 0;
    };
  });
}

} // namespace rt::cli

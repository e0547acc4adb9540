#include "commands/trust.hpp"

#include "commands/assemble.hpp"
#include "registry/error.hpp"
#include "sbom/spdx.hpp"
#include "sign/cosign.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace rt::commands {

namespace {
// cosign takes a plain reference; skopeo's docker:// form is accepted too.
std::string without_transport(const std::string& image) {
  return image.rfind("docker://", 0) == 0 ? image.substr(9) : image;
}
} // namespace

Digest verify(const VerifyOptions& o) {
  sign::VerifyKey key = sign::VerifyKey::load(o.key);
  auto ref = registry::Reference::parse(without_transport(o.image));
  RegistrySession session(o.registry);
  Digest digest;
  try {
    if (ref.digest) {
      digest = *ref.digest;
    } else {
      auto head = session.registries.client(ref.registry).head_manifest(ref.repository, ref.tag);
      if (!head) throw RuntimeError(fmt::format("{}: no such image in the registry", ref.str()));
      digest = head->digest;
    }
    std::string why = sign::check_signature(session.registries, ref, digest, key);
    if (!why.empty()) throw RuntimeError(fmt::format("{}@{}: {}", ref.name(), digest.str(), why));
  } catch (const registry::RegistryError& e) {
    throw RuntimeError(fmt::format("verifying {}: {}", ref.str(), e.what()));
  }
  return digest;
}

std::string sbom(const SbomCommandOptions& o) {
  std::string text = o.image;
  if (text.rfind("oci:", 0) != 0 && text.rfind("docker-archive:", 0) != 0 &&
      text.rfind("docker://", 0) != 0)
    text = "docker://" + text;
  layout::Destination src = parse_output(text);
  oci::Platform platform = oci::Platform::parse(o.platform);
  layer::BlobStore cache(o.cache_dir.empty() ? layer::BlobStore::default_root() : o.cache_dir);
  RegistrySession session(o.registry);
  oci::Image image = read_image(session, src, platform, cache);
  sbom::SbomOptions so;
  so.name = o.image;
  so.created = source_date_epoch_from_env();
  return sbom::image_sbom(image, so).dump(2) + "\n";
}

} // namespace rt::commands

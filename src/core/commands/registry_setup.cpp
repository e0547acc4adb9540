#include "commands/registry_setup.hpp"

#include "sign/cosign.hpp"

#include "layout/docker_archive.hpp"
#include "layout/oci_layout.hpp"
#include "registry/keychain.hpp"
#include "remote/remote_image.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace rt::commands {

namespace {
registry::TransportOptions transport_options(const RegistryFlags& f) {
  registry::TransportOptions o;
  o.ca_files = f.ca_certs;
  o.insecure_registries = f.insecure_registries;
  o.exchange_timeout_s = f.timeout_s;
  // A seam for tests: where docker's per-registry certificates live.
  if (const char* d = std::getenv("RT_DOCKER_CERTS_DIR"); d && *d) o.certs_dir = d;
  return o;
}
// A registry failure says which image it was about: "pushing to docker://REF: why".
// The type, status and codes stay (callers may look at them).
[[noreturn]] void rethrow_about(const registry::RegistryError& e, const std::string& doing) {
  std::string why = e.what();
  if (e.status() == 404 && (e.has_code("MANIFEST_UNKNOWN") || e.has_code("NAME_UNKNOWN")))
    why = "no such image in the registry: " + why;
  throw registry::RegistryError(fmt::format("{}: {}", doing, why), e.status(), e.codes(),
                                e.retryable(), e.retry_after(), e.curl_code());
}

} // namespace

RegistrySession::RegistrySession(const RegistryFlags& flags)
    : registries(registry::Keychain::from_environment(), transport_options(flags)),
      push{flags.jobs}, progress(!flags.quiet && log::level() >= log::Level::normal) {
  for (const auto& ca : flags.ca_certs)
    if (!fs::exists(ca)) throw InputError(fmt::format("--ca-cert {}: no such file", ca));
}

oci::Image read_image(RegistrySession& session, const layout::Destination& src,
                      const oci::Platform& platform, const layer::BlobStore& cache) {
  switch (src.kind) {
  case layout::Destination::Kind::oci:
    return layout::read_oci_layout(src.path, src.tag, platform);
  case layout::Destination::Kind::docker_archive:
    return layout::read_docker_archive(src.path, src.tag, cache);
  case layout::Destination::Kind::docker:
    try {
      return remote::read_remote_image(session.registries, registry::Reference::parse(src.ref),
                                       platform, &cache);
    } catch (const registry::RegistryError& e) {
      rethrow_about(e, "reading " + src.str());
    }
  }
  throw RuntimeError("unknown image source");
}

void write_image_to(RegistrySession& session, const oci::Image& image,
                    const layout::Destination& dest, const sign::SigningKey* key) {
  switch (dest.kind) {
  case layout::Destination::Kind::oci:
    layout::write_oci_layout(image, dest.path, dest.tag);
    return;
  case layout::Destination::Kind::docker_archive:
    layout::write_docker_archive(image, dest.path, dest.tag);
    return;
  case layout::Destination::Kind::docker: {
    auto ref = registry::Reference::parse(dest.ref);
    if (ref.digest && *ref.digest != image.digest())
      throw InputError(fmt::format("{} names digest {}, but the image is {}", dest.ref,
                                   ref.digest->str(), image.digest().str()));
    try {
      remote::push_image(session.registries, image, ref, session.push, session.progress,
                         &session.stats);
      if (key) sign::sign_image(session.registries, ref, image.digest(), *key);
      if (!ref.digest) remote::tag_image(session.registries, image, ref);
    } catch (const registry::RegistryError& e) {
      rethrow_about(e, "pushing to " + dest.str());
    }
    return;
  }
  }
}

build::ImageResolver registry_resolver(RegistrySession& session, const layer::BlobStore& cache,
                                       std::function<std::string(const std::string&)> rewrite) {
  return [&session, &cache, rewrite](const std::string& text, const oci::Platform& platform) {
    std::string looked_up = rewrite ? rewrite(text) : text;
    try {
      return remote::read_remote_image(session.registries, registry::Reference::parse(looked_up),
                                       platform, &cache);
    } catch (const registry::RegistryError& e) {
      rethrow_about(e, looked_up == text
                           ? "reading image " + text
                           : fmt::format("reading image {} (for {})", looked_up, text));
    }
  };
}

} // namespace rt::commands

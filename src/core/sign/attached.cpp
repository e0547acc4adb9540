#include "sign/attached.hpp"

#include "oci/descriptor.hpp"
#include "registry/error.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::sign {

namespace {

constexpr size_t kMaxLayers = 256;
constexpr int64_t kMaxLayerBytes = 64 << 20;

std::string read_blob(registry::Client& client, const std::string& repo, const Digest& digest,
                      int64_t size) {
  auto src = client.open_blob(repo, digest, size);
  std::string out;
  char buf[65536];
  for (size_t n; (n = src->read(buf, sizeof buf)) > 0;) {
    out.append(buf, n);
    if (int64_t(out.size()) > kMaxLayerBytes)
      throw RuntimeError(fmt::format("{}@{}: a signature layer over {} bytes", repo, digest.str(),
                                     kMaxLayerBytes));
  }
  return out;
}

} // namespace

std::string attached_tag(const Digest& subject, std::string_view suffix) {
  return fmt::format("sha256-{}.{}", subject.hex, suffix);
}

std::vector<AttachedLayer> read_attached(remote::Registries& registries,
                                         const registry::Reference& repo, const Digest& subject,
                                         std::string_view suffix,
                                         const std::function<bool(const AttachedLayer&)>& fetch,
                                         Digest* manifest) {
  auto& client = registries.client(repo.registry);
  std::string tag = attached_tag(subject, suffix);
  std::string what = fmt::format("{}:{}", repo.name(), tag);
  registry::Manifest m;
  try {
    m = client.get_manifest(repo.repository, tag);
  } catch (const registry::RegistryError& e) {
    if (e.status() == 404) return {};
    throw;
  }
  if (manifest) *manifest = m.digest;
  nlohmann::json j = oci::parse_json(m.bytes, what);
  if (!j.contains("layers") || !j["layers"].is_array())
    throw RuntimeError(fmt::format("{}: a manifest without layers", what));
  if (j["layers"].size() > kMaxLayers)
    throw RuntimeError(fmt::format("{}: more than {} layers", what, kMaxLayers));
  std::vector<AttachedLayer> out;
  for (const auto& lj : j["layers"]) {
    oci::Descriptor d = oci::Descriptor::from_json(lj, what);
    if (d.size > kMaxLayerBytes)
      throw RuntimeError(fmt::format("{}: a layer of {} bytes", what, d.size));
    AttachedLayer l{d.media_type, "", d.annotations, d.digest, d.size};
    if (!fetch || fetch(l)) l.bytes = read_blob(client, repo.repository, d.digest, d.size);
    out.push_back(std::move(l));
  }
  return out;
}

Digest write_attached(remote::Registries& registries, const registry::Reference& repo,
                      const Digest& subject, std::string_view suffix,
                      const std::vector<AttachedLayer>& layers) {
  auto& client = registries.client(repo.registry);
  // The config cosign writes: empty platform, one history entry and diff_id per layer.
  nlohmann::json config = {{"architecture", ""},
                           {"os", ""},
                           {"created", "0001-01-01T00:00:00Z"},
                           {"config", nlohmann::json::object()},
                           {"history", nlohmann::json::array()},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}}}};
  nlohmann::json manifest_layers = nlohmann::json::array();
  auto upload = [&](const std::string& bytes) {
    Digest d = sha256_of(bytes);
    // HEAD first: an unchanged layer (earlier signatures) is already there.
    if (!client.blob_exists(repo.repository, d))
      client.upload_blob(repo.repository, d, int64_t(bytes.size()),
                         [&bytes] { return std::make_unique<StringSource>(bytes); });
    return d;
  };
  for (const auto& l : layers) {
    // A layer read without its bytes is already in the repository.
    bool unread = l.bytes.empty() && !l.digest.empty();
    Digest d = unread ? l.digest : upload(l.bytes);
    int64_t size = unread ? l.size : int64_t(l.bytes.size());
    oci::Descriptor desc{l.media_type, d, size, l.annotations, std::nullopt};
    manifest_layers.push_back(desc.to_json());
    config["rootfs"]["diff_ids"].push_back(d.str());
    config["history"].push_back({{"created", "0001-01-01T00:00:00Z"}});
  }
  std::string config_bytes = oci::canonical(config);
  Digest cd = upload(config_bytes);
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", registry::media_type::oci_manifest},
                             {"config", oci::Descriptor{"application/vnd.oci.image.config.v1+json",
                                                        cd,
                                                        int64_t(config_bytes.size()),
                                                        {},
                                                        std::nullopt}
                                            .to_json()},
                             {"layers", manifest_layers}};
  return client.put_manifest(repo.repository, attached_tag(subject, suffix),
                             oci::canonical(manifest), registry::media_type::oci_manifest);
}

} // namespace rt::sign

#include "oci/image.hpp"

#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

namespace rt::oci {

FileLayer::FileLayer(Descriptor desc, Digest diff_id, std::string path,
                     std::optional<BlobOrigin> origin)
    : desc_(std::move(desc)), diff_id_(std::move(diff_id)), path_(std::move(path)),
      origin_(std::move(origin)) {}

std::unique_ptr<ByteSource> FileLayer::open() const {
  return std::make_unique<VerifyingSource>(std::make_unique<InputFile>(path_), desc_.digest,
                                           desc_.size, path_);
}

LazyLayer::LazyLayer(Descriptor desc, Digest diff_id, Opener open, std::optional<BlobOrigin> origin)
    : desc_(std::move(desc)), diff_id_(std::move(diff_id)), open_(std::move(open)),
      origin_(std::move(origin)) {}

std::unique_ptr<ByteSource> LazyLayer::open() const {
  return std::make_unique<VerifyingSource>(open_(), desc_.digest, desc_.size,
                                           "layer " + desc_.digest.str());
}

Descriptor Image::config_descriptor() const {
  auto m = parse_json(manifest, "image manifest");
  if (!m.contains("config")) throw RuntimeError("image manifest has no config");
  return Descriptor::from_json(m.at("config"), "image manifest config");
}

Descriptor Image::descriptor() const {
  Descriptor d;
  d.media_type = manifest_media_type;
  d.digest = digest();
  d.size = static_cast<int64_t>(manifest.size());
  return d;
}

Image make_image(std::string config, std::vector<LayerPtr> layers,
                 const std::map<std::string, std::string>& annotations) {
  Descriptor cfg;
  cfg.media_type = std::string(kOciConfig);
  cfg.digest = sha256_of(config);
  cfg.size = static_cast<int64_t>(config.size());
  nlohmann::json m = {{"schemaVersion", 2},
                      {"mediaType", std::string(kOciManifest)},
                      {"config", cfg.to_json()},
                      {"layers", nlohmann::json::array()}};
  for (const auto& l : layers) {
    Descriptor d = l->descriptor();
    // A Docker-typed base layer is the same bytes; an OCI manifest names them
    // with the OCI type, as buildah and BuildKit do when they write OCI.
    if (d.media_type == kDockerLayerGzip) d.media_type = std::string(kOciLayerGzip);
    m["layers"].push_back(d.to_json());
  }
  if (!annotations.empty()) m["annotations"] = annotations;
  Image img;
  img.manifest = canonical(m);
  img.manifest_media_type = std::string(kOciManifest);
  img.config = std::move(config);
  img.layers = std::move(layers);
  return img;
}

void check_diff_id(const std::string& what, const Digest& got, const Digest& expected) {
  if (got != expected)
    throw RuntimeError(fmt::format("{}: content does not match the config's diff_id (got {}, "
                                   "expected {})",
                                   what, got.str(), expected.str()));
}

std::vector<std::pair<Descriptor, Digest>>
manifest_layers(const std::string& manifest, const std::string& config, std::string_view what) {
  auto m = parse_json(manifest, what);
  auto c = parse_json(config, std::string(what) + " config");
  std::vector<std::pair<Descriptor, Digest>> out;
  try {
    const auto& ls = m.at("layers");
    const auto& ids = c.at("rootfs").at("diff_ids");
    if (ls.size() != ids.size())
      throw RuntimeError(fmt::format("{} layers but {} diff_ids", ls.size(), ids.size()));
    for (size_t i = 0; i < ls.size(); ++i)
      out.emplace_back(Descriptor::from_json(ls[i], what),
                       Digest::parse(ids[i].get<std::string>(), "diff_id"));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: malformed manifest or config: {}", what, e.what()));
  }
  return out;
}

} // namespace rt::oci

#include "remote/remote_image.hpp"

#include "oci/index.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace rt::remote {

namespace {

// Copies what passes into the cache; the blob is committed only at a verified
// end of stream (the inner source throws on a size or digest mismatch first).
class CachingSource : public ByteSource {
public:
  CachingSource(std::unique_ptr<ByteSource> inner, const layer::BlobStore& cache, Digest digest)
      : inner_(std::move(inner)), cache_(cache), digest_(std::move(digest)), file_(cache.begin()) {}
  size_t read(char* buf, size_t len) override {
    size_t n = inner_->read(buf, len);
    if (n > 0)
      file_->write(buf, n);
    else if (!committed_) {
      cache_.commit(*file_, digest_);
      committed_ = true;
    }
    return n;
  }

private:
  std::unique_ptr<ByteSource> inner_;
  const layer::BlobStore& cache_;
  Digest digest_;
  std::unique_ptr<AtomicFile> file_;
  bool committed_ = false;
};

} // namespace

RemoteLayer::RemoteLayer(Registries& registries, registry::Reference ref, oci::Descriptor desc,
                         Digest diff_id, const layer::BlobStore* cache)
    : registries_(registries), ref_(std::move(ref)), desc_(std::move(desc)),
      diff_id_(std::move(diff_id)), cache_(cache) {}

std::unique_ptr<ByteSource> RemoteLayer::open_direct() const {
  return registries_.client(ref_.registry).open_blob(ref_.repository, desc_.digest, desc_.size);
}

std::unique_ptr<ByteSource> RemoteLayer::open() const {
  if (!cache_) return open_direct();
  if (cache_->has(desc_.digest))
    return std::make_unique<VerifyingSource>(
        std::make_unique<InputFile>(cache_->path(desc_.digest)), desc_.digest, desc_.size,
        "cached blob " + desc_.digest.str());
  log::info("fetching {} from {}", desc_.digest.str().substr(0, 19), ref_.name());
  return std::make_unique<CachingSource>(open_direct(), *cache_, desc_.digest);
}

std::optional<std::string> RemoteLayer::local_path() const {
  if (cache_ && cache_->has(desc_.digest)) return cache_->path(desc_.digest);
  return std::nullopt;
}

std::optional<oci::BlobOrigin> RemoteLayer::origin() const {
  return oci::BlobOrigin{ref_.registry, ref_.repository};
}

oci::Image read_remote_image(Registries& registries, const registry::Reference& ref,
                             const oci::Platform& platform, const layer::BlobStore* cache) {
  auto& client = registries.client(ref.registry);
  registry::Manifest m = client.get_manifest(ref.repository, ref.identifier());
  if (oci::is_index(m.media_type))
    m = client.get_manifest(ref.repository,
                            oci::select_manifest(m.bytes, platform, ref.str()).digest.str());
  if (!oci::is_manifest(m.media_type))
    throw RuntimeError(fmt::format("{}: unsupported manifest type '{}'", ref.str(), m.media_type));
  oci::Image img;
  img.manifest = m.bytes;
  img.manifest_media_type = m.media_type;
  auto cfg_desc = img.config_descriptor();
  std::string cfg;
  if (cache && cache->has(cfg_desc.digest)) {
    cfg = read_file(cache->path(cfg_desc.digest));
  } else {
    auto src = client.open_blob(ref.repository, cfg_desc.digest, cfg_desc.size);
    char buf[65536];
    while (size_t n = src->read(buf, sizeof buf))
      cfg.append(buf, n);
    if (cache) cache->put(cfg);
  }
  if (sha256_of(cfg) != cfg_desc.digest)
    throw RuntimeError(fmt::format("{}: config does not match its digest", ref.str()));
  img.config = std::move(cfg);
  for (auto& [desc, diff_id] : oci::manifest_layers(img.manifest, img.config, ref.str()))
    img.layers.push_back(std::make_shared<RemoteLayer>(registries, ref, desc, diff_id, cache));
  img.origin = oci::BlobOrigin{ref.registry, ref.repository};
  return img;
}

} // namespace rt::remote

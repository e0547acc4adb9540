#include "remote/pusher.hpp"

#include "remote/remote_image.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <future>
#include <set>

namespace rt::remote {

namespace {

// One blob to send: its descriptor and how to read it.
struct Blob {
  oci::Descriptor desc;
  std::function<std::unique_ptr<ByteSource>()> open;
  std::optional<oci::BlobOrigin> origin;
};

void push_blob(Registries& registries, const registry::Reference& dest, const Blob& blob,
               Progress& progress, PushStats* stats) {
  auto& client = registries.client(dest.registry);
  std::string short_digest = blob.desc.digest.hex.substr(0, 12);
  // HEAD /v2/<repo>/blobs/<digest>: already there, nothing to send.
  if (client.blob_exists(dest.repository, blob.desc.digest)) {
    if (stats) ++stats->skipped;
    log::debug("{}: already present", short_digest);
    return;
  }
  // POST ?mount=&from=: the base's repository on the same registry has it.
  if (blob.origin && blob.origin->registry == dest.registry &&
      blob.origin->repository != dest.repository) {
    if (client.mount_blob(dest.repository, blob.desc.digest, blob.origin->repository)) {
      if (stats) ++stats->mounted;
      log::debug("{}: mounted from {}", short_digest, blob.origin->repository);
      return;
    }
  }
  // POST, then one PUT with Content-Length, streamed (the client re-HEADs before retrying).
  size_t line = progress.start(short_digest, blob.desc.size);
  client.upload_blob(dest.repository, blob.desc.digest, blob.desc.size, blob.open,
                     [&](int64_t sent, int64_t) { progress.update(line, sent); });
  progress.done(line, "pushed");
  if (stats) {
    ++stats->uploaded;
    stats->uploaded_bytes += blob.desc.size;
  }
}

// Runs push_blob over `blobs` with at most `jobs` at a time; rethrows the first failure.
void push_all(Registries& registries, const registry::Reference& dest,
              const std::vector<Blob>& blobs, unsigned jobs, Progress& progress, PushStats* stats) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (size_t i; !failed && (i = next++) < blobs.size();) {
      try {
        push_blob(registries, dest, blobs[i], progress, stats);
      } catch (...) {
        failed = true;
        throw;
      }
    }
  };
  std::vector<std::future<void>> running;
  for (unsigned j = 0; j < std::max(1u, jobs); ++j)
    running.push_back(std::async(std::launch::async, worker));
  std::exception_ptr first;
  for (auto& f : running) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

} // namespace

Digest push_image(Registries& registries, const oci::Image& image, const registry::Reference& dest,
                  const PushOptions& options, Progress& progress, PushStats* stats) {
  // HEAD /v2/<repo>/manifests/<digest>: a registry only accepts a manifest whose
  // blobs it has, so if the manifest is there, everything is (crane does the same).
  auto& client = registries.client(dest.registry);
  if (auto there = client.head_manifest(dest.repository, image.digest().str());
      there && there->digest == image.digest()) {
    log::debug("{}@{}: already present", dest.name(), image.digest().str());
    if (stats) stats->skipped += static_cast<int>(image.layers.size()) + 1;
    return image.digest();
  }
  std::vector<Blob> layers;
  std::set<Digest> seen;
  for (const auto& l : image.layers) {
    if (!seen.insert(l->descriptor().digest).second) continue;
    // A layer of a registry image goes registry to registry without touching the disk.
    auto* remote = dynamic_cast<const RemoteLayer*>(l.get());
    oci::LayerPtr keep = l;
    layers.push_back({l->descriptor(),
                      [keep, remote]() { return remote ? remote->open_direct() : keep->open(); },
                      l->origin()});
  }
  push_all(registries, dest, layers, options.jobs, progress, stats);

  oci::Descriptor cfg = image.config_descriptor();
  std::string config = image.config;
  push_all(registries, dest,
           {{cfg, [config]() { return std::make_unique<StringSource>(config); }, image.origin}}, 1,
           progress, stats);

  // PUT /v2/<repo>/manifests/<digest>: last, once every blob is in.
  Digest d = registries.client(dest.registry)
                 .put_manifest(dest.repository, image.digest().str(), image.manifest,
                               image.manifest_media_type);
  if (d != image.digest())
    throw RuntimeError(fmt::format("{} stored the manifest as {}, expected {}", dest.name(),
                                   d.str(), image.digest().str()));
  return d;
}

bool tag_is_current(Registries& registries, const oci::Image& image,
                    const registry::Reference& dest) {
  if (dest.tag.empty()) return true;
  auto there = registries.client(dest.registry).head_manifest(dest.repository, dest.tag);
  return there && there->digest == image.digest();
}

void put_tag(Registries& registries, const oci::Image& image, const registry::Reference& dest) {
  if (dest.tag.empty()) return;
  registries.client(dest.registry)
      .put_manifest(dest.repository, dest.tag, image.manifest, image.manifest_media_type);
}

void tag_image(Registries& registries, const oci::Image& image, const registry::Reference& dest) {
  // HEAD the tag first: an unchanged rerun moves nothing.
  if (!tag_is_current(registries, image, dest)) put_tag(registries, image, dest);
}

} // namespace rt::remote

#include "layer/blob_store.hpp"

#include "util/error.hpp"

#include <cstdlib>

namespace rt::layer {

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {
  make_dirs(root_ + "/blobs/sha256");
}

std::string BlobStore::default_root() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/release-tool";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw RuntimeError("neither XDG_CACHE_HOME nor HOME is set");
  return std::string(home) + "/.cache/release-tool";
}

std::string BlobStore::path(const Digest& d) const { return root_ + "/blobs/sha256/" + d.hex; }

bool BlobStore::has(const Digest& d) const { return path_exists(path(d)); }

std::unique_ptr<AtomicFile> BlobStore::begin() const {
  return std::make_unique<AtomicFile>(root_ + "/blobs/sha256/incoming");
}

void BlobStore::commit(AtomicFile& file, const Digest& d) const { file.commit_as(path(d), 0644); }

Digest BlobStore::put(std::string_view bytes) const {
  Digest d = sha256_of(bytes);
  if (!has(d)) write_file_atomic(path(d), bytes);
  return d;
}

std::optional<std::string> BlobStore::get_record(const std::string& kind,
                                                 const std::string& key) const {
  std::string p = root_ + "/" + kind + "/" + key;
  if (!path_exists(p)) return std::nullopt;
  return read_file(p);
}

void BlobStore::put_record(const std::string& kind, const std::string& key,
                           std::string_view value) const {
  make_dirs(root_ + "/" + kind);
  write_file_atomic(root_ + "/" + kind + "/" + key, value);
}

} // namespace rt::layer

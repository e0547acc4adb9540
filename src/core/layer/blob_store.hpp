#pragma once
// A content-addressed directory of blobs (blobs/sha256/<hex>), the same shape
// as an OCI layout's. Used as the build cache and the staging area of outputs.
#include "util/fs.hpp"
#include "util/sha256.hpp"

#include <memory>
#include <optional>
#include <string>

namespace rt::layer {

class BlobStore {
public:
  // Creates `root`/blobs/sha256 if needed; throws RuntimeError if it cannot.
  explicit BlobStore(std::string root);
  // $XDG_CACHE_HOME/release-tool, else ~/.cache/release-tool.
  static std::string default_root();

  const std::string& root() const { return root_; }
  std::string path(const Digest& d) const;
  bool has(const Digest& d) const;
  // Starts a new blob; hash what you write and call commit() with the digest.
  std::unique_ptr<AtomicFile> begin() const;
  void commit(AtomicFile& file, const Digest& d) const;
  // Stores small bytes (configs, manifests); returns their digest.
  Digest put(std::string_view bytes) const;
  // Small named records (e.g. cache keys → results) under root/<kind>/<key>.
  std::optional<std::string> get_record(const std::string& kind, const std::string& key) const;
  void put_record(const std::string& kind, const std::string& key, std::string_view value) const;

private:
  std::string root_;
};

// A sink that writes to a file while hashing and counting what passes.
class HashingFileSink : public ByteSink {
public:
  explicit HashingFileSink(AtomicFile& file) : file_(file) {}
  void write(const char* buf, size_t len) override {
    hash_.update(buf, len);
    size_ += static_cast<int64_t>(len);
    file_.write(buf, len);
  }
  Digest finish() { return hash_.finish(); }
  int64_t size() const { return size_; }

private:
  AtomicFile& file_;
  Sha256 hash_;
  int64_t size_ = 0;
};

} // namespace rt::layer

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

  // Like commit(), for a blob whose digest was computed over the bytes as they
  // were written (the layer writer's), and records the blob's stamp so that
  // intact() can vouch for it later without reading it. If an intact blob with
  // that digest is already there, `file` is dropped instead: outputs hard
  // linked to the blob keep sharing it.
  void commit_stamped(AtomicFile& file, const Digest& d) const;
  // True if the blob is there and stat still says what it said when
  // commit_stamped() wrote it. Outputs hard link blobs, so a blob can be
  // written through an output (an edit in place); that changes its mtime (or
  // size), and the blob is then no longer intact. A stat and a small read.
  bool intact(const Digest& d) const;
  // The same, for a file that may be any store's blob: true only if `path` is
  // ROOT/blobs/sha256/<hex of d>, ROOT a store whose stamp of it still holds.
  static bool intact_at(const std::string& path, const Digest& d);
  // Stores small bytes (configs, manifests); returns their digest.
  Digest put(std::string_view bytes) const;
  // Small named records (e.g. cache keys → results) under root/<kind>/<key>.
  std::optional<std::string> get_record(const std::string& kind, const std::string& key) const;
  void put_record(const std::string& kind, const std::string& key, std::string_view value) const;
  // A record naming a blob ({"digest", "size"}): nullopt when there is none or
  // it is damaged (only a cache miss). Whether the blob is still here is the
  // caller's check (has, intact).
  struct BlobRef {
    Digest digest;
    int64_t size = -1;
  };
  std::optional<BlobRef> get_blob_record(const std::string& kind, const std::string& key) const;
  void put_blob_record(const std::string& kind, const std::string& key, const BlobRef& ref) const;

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

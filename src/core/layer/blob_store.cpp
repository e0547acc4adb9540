#include "layer/blob_store.hpp"

#include "util/error.hpp"

#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace rt::layer {

namespace {

// Blobs being written are ".incoming.tmp-<random>" (AtomicFile) until renamed
// to their digest. One left by a run that was killed (SIGKILL, a crash, a
// power cut: SIGINT and SIGTERM clean up) is removed by the next run that
// opens the store, once nothing can still be writing it: a run writing a blob
// touches it at least every few minutes (the stall limit is 60 s).
constexpr std::string_view kIncomingPrefix = ".incoming.tmp-";
constexpr int64_t kStaleAfterSeconds = 6 * 3600;

void sweep_stale_incoming(const std::string& dir) {
  std::error_code ec;
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with(kIncomingPrefix)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (now - static_cast<int64_t>(st.st_mtime) < kStaleAfterSeconds) continue;
    std::error_code ignored; // another run may sweep it at the same time
    fs::remove(it->path(), ignored);
  }
}

} // namespace

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {
  make_dirs(root_ + "/blobs/sha256");
  sweep_stale_incoming(root_ + "/blobs/sha256");
}

std::string BlobStore::default_root() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::string(x) + "/release-tool";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw RuntimeError("neither XDG_CACHE_HOME nor HOME is set");
  return std::string(home) + "/.cache/release-tool";
}

std::string BlobStore::path(const Digest& d) const {
  return root_ + "/blobs/sha256/" + d.hex;
}

bool BlobStore::has(const Digest& d) const {
  return path_exists(path(d));
}

std::unique_ptr<AtomicFile> BlobStore::begin() const {
  return std::make_unique<AtomicFile>(root_ + "/blobs/sha256/incoming");
}

void BlobStore::commit(AtomicFile& file, const Digest& d) const {
  file.commit_as(path(d), 0644);
}

namespace {

constexpr std::string_view kBlobsDir = "/blobs/sha256/";
constexpr const char* kStamps = "blob-stamps";

// What a blob's stamp holds: inode, size and mtime (ns), as git's index keeps
// for its files. Not the ctime: linking the blob into an output, or removing
// that output, changes it, and both happen all the time to a healthy blob.
std::optional<std::string> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return fmt::format("v1 ino={} size={} mtime={}.{:09}", st.st_ino, st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

} // namespace

void BlobStore::commit_stamped(AtomicFile& file, const Digest& d) const {
  if (intact(d)) return; // `file` is removed when it is destroyed
  file.commit_as(path(d), 0644);
  auto stamp = stamp_of(path(d));
  if (!stamp) throw RuntimeError(fmt::format("cannot stat {} after writing it", path(d)));
  put_record(kStamps, d.hex, *stamp);
}

bool BlobStore::intact(const Digest& d) const {
  return intact_at(path(d), d);
}

bool BlobStore::intact_at(const std::string& path, const Digest& d) {
  std::string suffix = std::string(kBlobsDir) + d.hex;
  if (d.hex.empty() || !path.ends_with(suffix)) return false;
  std::string record = path.substr(0, path.size() - suffix.size()) + "/" + kStamps + "/" + d.hex;
  auto stamp = stamp_of(path);
  if (!stamp || !path_exists(record)) return false;
  try {
    return read_file(record) == *stamp;
  } catch (const Error&) {
    return false; // unreadable: not vouched for
  }
}

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

std::optional<BlobStore::BlobRef> BlobStore::get_blob_record(const std::string& kind,
                                                             const std::string& key) const {
  auto rec = get_record(kind, key);
  if (!rec) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(*rec);
    return BlobRef{Digest::parse(j.at("digest").get<std::string>()), j.at("size").get<int64_t>()};
  } catch (const std::exception&) {
    return std::nullopt; // a damaged record is only a cache miss
  }
}

void BlobStore::put_blob_record(const std::string& kind, const std::string& key,
                                const BlobRef& ref) const {
  put_record(kind, key, nlohmann::json{{"digest", ref.digest.str()}, {"size", ref.size}}.dump());
}

} // namespace rt::layer

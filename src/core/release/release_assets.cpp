#include "release/release_assets.hpp"

#include "layer/layer_writer.hpp"
#include "layer/parallel_compress.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace rt::release {

namespace {

using layer::EntryType;
using layer::TarEntry;

// Deeper trees than this are a loop or a mistake, never an app.
constexpr int kMaxDepth = 256;

class Packer {
public:
  Packer(const ReleaseAsset& asset, const std::string& context_dir, int64_t epoch)
      : asset_(asset), context_(context_dir), epoch_(epoch) {}

  std::vector<TarEntry> entries() {
    for (const AssetContent& item : asset_.contents)
      add_item(item);
    std::vector<TarEntry> out;
    for (auto& [path, e] : by_path_)
      out.push_back(std::move(e));
    layer::sort_entries(out);
    return out;
  }

private:
  [[noreturn]] void fail(const AssetContent& item, const std::string& what) const {
    throw InputError::located(asset_.file, item.line, item.column,
                              fmt::format("release asset '{}': {}", asset_.name, what));
  }

  void put(const AssetContent& item, TarEntry e) {
    auto [it, fresh] = by_path_.emplace(e.path, e);
    if (fresh) return;
    // Directories from two items merge (same metadata); anything else collides.
    if (it->second.type == EntryType::directory && e.type == EntryType::directory) return;
    fail(item, fmt::format("'{}' is put into the archive twice ('to' paths of 'contents' "
                           "overlap)",
                           e.path));
  }

  TarEntry dir_entry(const std::string& path) const {
    return TarEntry{path, EntryType::directory, 0755, 0, 0, epoch_, 0, "", ""};
  }

  void add_parents(const AssetContent& item, const std::string& path) {
    for (size_t k = path.find('/'); k != std::string::npos; k = path.find('/', k + 1))
      put(item, dir_entry(path.substr(0, k)));
  }

  void add_item(const AssetContent& item) {
    std::string src = item.from == "." ? context_ : context_ + "/" + item.from;
    struct stat st {};
    if (::lstat(src.c_str(), &st) != 0)
      fail(item, fmt::format("{} does not exist in the build context ({})", item.from, context_));
    std::string root = item.to == "." ? "" : item.to;
    if (!root.empty()) add_parents(item, root);
    add(item, src, root, st, 0);
  }

  void add(const AssetContent& item, const std::string& host, const std::string& path,
           const struct stat& st, int depth) {
    if (depth > kMaxDepth)
      fail(item, fmt::format("{} is nested more than {} directories deep", host, kMaxDepth));
    if (S_ISDIR(st.st_mode)) {
      if (!path.empty()) put(item, dir_entry(path));
      std::vector<std::string> names;
      for (const auto& d : fs::directory_iterator(host))
        names.push_back(d.path().filename().string());
      std::sort(names.begin(), names.end());
      for (const auto& name : names) {
        std::string child = host + "/" + name;
        struct stat cst {};
        if (::lstat(child.c_str(), &cst) != 0)
          throw RuntimeError(fmt::format("cannot stat {}", child));
        add(item, child, path.empty() ? name : path + "/" + name, cst, depth + 1);
      }
      return;
    }
    if (path.empty())
      fail(item, fmt::format("{} is a file: give it a name in the archive with 'to'", item.from));
    if (S_ISREG(st.st_mode)) {
      put(item, TarEntry{path, EntryType::file, (st.st_mode & 0111) ? 0755u : 0644u, 0, 0, epoch_,
                         static_cast<int64_t>(st.st_size), "", host});
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
      if (n < 0) throw RuntimeError(fmt::format("cannot read the symlink {}", host));
      target.resize(static_cast<size_t>(n));
      put(item, TarEntry{path, EntryType::symlink, 0777, 0, 0, epoch_, 0, target, ""});
    } else {
      fail(item, fmt::format("{} is not a file, directory or symlink (a FIFO, socket or "
                             "device cannot go into a release asset)",
                             host));
    }
  }

  const ReleaseAsset& asset_;
  std::string context_;
  int64_t epoch_;
  std::map<std::string, TarEntry> by_path_;
};

// Counts and hashes what goes to the file.
class CountingHashSink : public ByteSink {
public:
  explicit CountingHashSink(ByteSink& out) : out_(out) {}
  void write(const char* buf, size_t len) override {
    out_.write(buf, len);
    hash.update(buf, len);
    size += static_cast<int64_t>(len);
  }
  Sha256 hash;
  int64_t size = 0;

private:
  ByteSink& out_;
};

MadeAsset copy_asset(const std::string& name, const std::string& from, const std::string& dest) {
  AtomicFile out(dest);
  CountingHashSink sink(out);
  InputFile in(from);
  copy_stream(in, sink);
  Digest d = sink.hash.finish();
  out.commit(0755);
  return {name, dest, d, sink.size};
}

} // namespace

MadeAsset pack_tarball_asset(const ReleaseAsset& asset, const std::string& context_dir,
                             int64_t epoch, const std::string& dest, unsigned threads) {
  std::vector<TarEntry> entries = Packer(asset, context_dir, epoch).entries();
  make_dirs(fs::path(dest).parent_path().string());
  AtomicFile out(dest);
  CountingHashSink sink(out);
  layer::Compression gzip = layer::Compression::gzip(kAssetGzipLevel);
  gzip.threads = threads;
  layer::ParallelCompressSink gz(sink, gzip);
  layer::write_tar(entries, gz);
  gz.finish();
  Digest d = sink.hash.finish();
  out.commit(0644);
  log::info("packed {} ({} entries, {} bytes, {})", asset.name, entries.size(), sink.size, d.str());
  return {asset.name, dest, d, sink.size};
}

std::vector<MadeAsset> make_release_assets(const ImagesConfig& config,
                                           const std::string& binary_file, int64_t epoch,
                                           const std::string& out_dir, unsigned threads) {
  make_dirs(out_dir);
  std::vector<MadeAsset> made;
  for (const ReleaseAsset& asset : config.release_assets) {
    std::string dest = out_dir + "/" + asset.name;
    made.push_back(asset.binary ? copy_asset(asset.name, binary_file, dest)
                                : pack_tarball_asset(asset, config.resolve(config.context), epoch,
                                                     dest, threads));
  }
  std::vector<const MadeAsset*> sorted;
  for (const auto& m : made)
    sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const MadeAsset* a, const MadeAsset* b) { return a->name < b->name; });
  std::string sums;
  for (const MadeAsset* m : sorted)
    sums += fmt::format("{}  {}\n", m->digest.hex, m->name);
  std::string path = out_dir + "/" + kChecksumsAssetName;
  write_file_atomic(path, sums);
  made.push_back({kChecksumsAssetName, path, sha256_of(sums), static_cast<int64_t>(sums.size())});
  return made;
}

std::vector<MadeAsset> place_tarball_assets(const ImagesConfig& config, int64_t epoch,
                                            unsigned threads) {
  std::vector<MadeAsset> made;
  std::string context = config.resolve(config.context);
  for (const ReleaseAsset& asset : config.release_assets) {
    if (asset.binary) continue;
    // An unchanged tarball keeps its file (and mtime): the layer cache, keyed on
    // stat data, then knows the ADD of it without reading it again.
    std::string dest = context + "/" + asset.destination;
    MadeAsset m = pack_tarball_asset(asset, context, epoch, dest + ".packing", threads);
    std::error_code ec;
    if (fs::is_regular_file(dest, ec) && sha256_of_file(dest) == m.digest)
      fs::remove(m.path);
    else
      fs::rename(m.path, dest);
    m.path = dest;
    made.push_back(m);
  }
  return made;
}

} // namespace rt::release

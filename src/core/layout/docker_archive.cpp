#include "layout/docker_archive.hpp"

#include "layer/parallel_compress.hpp"
#include "layer/tar_entry.hpp"
#include "layer/tar_reader.hpp"
#include "layout/destination.hpp"
#include "layout/gunzip.hpp"
#include "oci/media_types.hpp"
#include "registry/reference.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <cstring>
#include <fmt/format.h>
#include <functional>
#include <map>

namespace rt::layout {

namespace {

using nlohmann::json;

constexpr int64_t kMaxJsonFile = 16 << 20; // manifest.json and configs are read whole
constexpr int kMaxLinkHops = 16;

std::string archive_error(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown error";
}

// ---- reading -----------------------------------------------------------------

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

using EntryFn = std::function<bool(const std::string& name, archive* a, archive_entry* e)>;

// Calls `fn` for each entry in order until it returns false. Data `fn` does not
// read is skipped (by seeking, when the archive is not compressed).
void scan(const std::string& file, const EntryFn& fn) {
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get()); // docker save | gzip > f.tar.gz
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    throw RuntimeError(fmt::format("cannot read {}: {}", file, archive_error(a.get())));
  archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) return;
    if (rc < ARCHIVE_WARN)
      throw RuntimeError(fmt::format("{}: not a readable tar: {}", file, archive_error(a.get())));
    const char* raw = archive_entry_pathname(e); // the header's bytes, never converted
    if (!raw) continue;
    auto name = layer::contained_path(raw);
    if (!name)
      throw RuntimeError(fmt::format("{}: entry '{}' escapes the archive", file, printable(raw)));
    if (!fn(*name, a.get(), e)) return;
  }
}

// The data of the entry libarchive is positioned at.
class EntrySource : public ByteSource {
public:
  EntrySource(archive* a, std::string what) : a_(a), what_(std::move(what)) {}
  size_t read(char* buf, size_t len) override {
    la_ssize_t n = archive_read_data(a_, buf, len);
    if (n < 0) throw RuntimeError(fmt::format("{}: {}", what_, archive_error(a_)));
    return static_cast<size_t>(n);
  }

private:
  archive* a_;
  std::string what_;
};

std::string read_entry(archive* a, archive_entry* e, const std::string& what) {
  if (archive_entry_size(e) > kMaxJsonFile) throw RuntimeError(what + ": too large");
  EntrySource src(a, what);
  std::string out;
  char buf[1 << 16];
  while (size_t n = src.read(buf, sizeof buf))
    out.append(buf, n);
  return out;
}

struct Member {
  enum class Type { file, symlink, hardlink, other } type = Type::other;
  std::string link; // cleaned archive path of the target
};

// First pass: what the archive holds, and manifest.json.
struct ArchiveIndex {
  std::map<std::string, Member> members;
  std::string manifest;
};

ArchiveIndex index_archive(const std::string& file) {
  ArchiveIndex idx;
  scan(file, [&](const std::string& name, archive* a, archive_entry* e) {
    Member m;
    if (const char* hard = archive_entry_hardlink(e)) {
      m = {Member::Type::hardlink, layer::contained_path(hard).value_or("")};
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      // docker save links a layer shared with an earlier image: <id>/layer.tar ->
      // ../<id2>/layer.tar
      std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      std::string base = target.starts_with('/') ? "" : fs::path(name).parent_path().string();
      m = {Member::Type::symlink, layer::contained_path(base + "/" + target).value_or("")};
    } else if (archive_entry_filetype(e) == AE_IFREG) {
      m.type = Member::Type::file;
    }
    idx.members[name] = m;
    if (name == "manifest.json" && m.type == Member::Type::file)
      idx.manifest = read_entry(a, e, file + ": manifest.json");
    return true;
  });
  if (!idx.members.count("manifest.json"))
    throw RuntimeError(fmt::format("{} is not a docker-archive (no manifest.json)", file));
  return idx;
}

// Follows links to the regular file holding the data of `name`.
std::string resolve(const ArchiveIndex& idx, const std::string& file, std::string name) {
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    auto it = idx.members.find(layer::contained_path(name).value_or(""));
    if (it == idx.members.end())
      throw RuntimeError(
          fmt::format("{}: manifest.json names {}, which is not there", file, printable(name)));
    if (it->second.type == Member::Type::file) return it->first;
    if (it->second.type == Member::Type::other)
      throw RuntimeError(fmt::format("{}: {} is not a regular file", file, name));
    name = it->second.link;
  }
  throw RuntimeError(fmt::format("{}: too many links from {}", file, name));
}

bool same_image_name(const std::string& a, const std::string& b) {
  if (a == b) return true;
  try {
    return registry::Reference::parse(a).str() == registry::Reference::parse(b).str();
  } catch (const Error&) {
    return false; // a malformed RepoTags entry matches nothing
  }
}

// The manifest.json entry to read: the only one, or the one named name_tag.
json pick_entry(const json& manifest, const std::string& file, const std::string& name_tag) {
  if (!manifest.is_array() || manifest.empty())
    throw RuntimeError(fmt::format("{}: manifest.json lists no images", file));
  std::vector<std::string> names;
  for (const auto& entry : manifest) {
    auto tags = entry.is_object() ? entry.value("RepoTags", json::array()) : json::array();
    for (const auto& t : tags.is_array() ? tags : json::array()) {
      if (!t.is_string()) continue;
      if (!name_tag.empty() && same_image_name(t.get<std::string>(), name_tag)) return entry;
      names.push_back(t.get<std::string>());
    }
  }
  std::string listed = names.empty() ? "no names" : fmt::format("{}", fmt::join(names, ", "));
  if (!name_tag.empty())
    throw RuntimeError(
        fmt::format("{}: no image named {} (names there: {})", file, name_tag, listed));
  if (manifest.size() > 1)
    throw RuntimeError(
        fmt::format("{} holds {} images; name one as docker-archive:{}:NAME:TAG ({})", file,
                    manifest.size(), file, listed));
  return manifest.front();
}

std::vector<Digest> config_diff_ids(const std::string& config, const std::string& what) {
  auto c = oci::parse_json(config, what);
  std::vector<Digest> out;
  try {
    for (const auto& d : c.at("rootfs").at("diff_ids")) {
      auto text = d.get<std::string>();
      if (!Digest::valid(text)) throw RuntimeError(fmt::format("bad diff_id '{}'", text));
      out.push_back(Digest::parse(text));
    }
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: malformed config: {}", what, e.what()));
  }
  return out;
}

struct Imported {
  Digest digest;
  int64_t size = 0;
};

// Third pass, per layer file: into the scratch store as a gzip blob, checked
// against its diff_id. See the header for the two cases.
Imported import_layer(ByteSource& src, const Digest& diff_id, const layer::BlobStore& scratch,
                      const layer::Compression& gzip, const std::string& what) {
  // Peek at the first bytes to tell gzip from tar (a tar starts with a name).
  std::vector<char> head(512);
  size_t have = 0;
  for (size_t n = 1; have < head.size() && n > 0; have += n)
    n = src.read(head.data() + have, head.size() - have);
  static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
  if (have >= 4 && std::memcmp(head.data(), zstd_magic, 4) == 0)
    throw RuntimeError(what + ": zstd-compressed layers are not supported here");

  bool gzipped = looks_gzipped(head.data(), have);
  std::string key = fmt::format("{}-g{}-l{}-c{}", diff_id.hex, layer::kGzipFormatVersion,
                                gzip.level, gzip.chunk_size);
  if (auto rec = gzipped ? std::nullopt : scratch.get_blob_record("docker-archive-gzip", key);
      rec && scratch.has(rec->digest))
    return Imported{rec->digest, rec->size}; // the rest of the entry is skipped

  auto file = scratch.begin();
  layer::HashingFileSink blob(*file);
  HashSink diff;
  if (gzipped) { // the bytes go in as they are; inflated only to check the diff_id
    GunzipSink gunzip(diff, what);
    TeeSink tee(blob, gunzip);
    tee.write(head.data(), have);
    copy_stream(src, tee);
    gunzip.finish();
  } else { // compressed into the blob, hashed beside it on the sink's writer thread
    layer::ParallelCompressSink gz(blob, gzip, &diff);
    gz.write(head.data(), have);
    copy_stream(src, gz);
    gz.finish();
  }
  oci::check_diff_id(what, diff.hash.finish(), diff_id);
  Imported r{blob.finish(), blob.size()};
  scratch.commit(*file, r.digest);
  if (!gzipped) scratch.put_blob_record("docker-archive-gzip", key, {r.digest, r.size});
  return r;
}

} // namespace

oci::Image read_docker_archive(const std::string& file, const std::string& name_tag,
                               const layer::BlobStore& scratch, const layer::Compression& gzip) {
  // Pass 1: the table of contents and manifest.json.
  ArchiveIndex idx = index_archive(file);
  json entry = pick_entry(oci::parse_json(idx.manifest, file + ": manifest.json"), file, name_tag);
  std::string config_name;
  std::vector<std::string> layer_files;
  try {
    config_name = resolve(idx, file, entry.at("Config").get<std::string>());
    for (const auto& l : entry.at("Layers"))
      layer_files.push_back(resolve(idx, file, l.get<std::string>()));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& ex) {
    throw RuntimeError(fmt::format("{}: malformed manifest.json: {}", file, ex.what()));
  }

  // Pass 2: the config (docker save puts it after the layers, so it has a pass
  // of its own; on a plain tar, skipping is seeking).
  std::string config;
  scan(file, [&](const std::string& name, archive* a, archive_entry* e) {
    if (name != config_name) return true;
    config = read_entry(a, e, file + ": " + name);
    return false;
  });
  std::vector<Digest> diff_ids = config_diff_ids(config, file + ": " + config_name);
  if (diff_ids.size() != layer_files.size())
    throw RuntimeError(fmt::format("{}: manifest.json lists {} layers but the config {} diff_ids",
                                   file, layer_files.size(), diff_ids.size()));
  std::map<std::string, Digest> wanted; // layer file → diff_id
  for (size_t i = 0; i < layer_files.size(); ++i) {
    const Digest& d = diff_ids[i];
    auto [it, fresh] = wanted.emplace(layer_files[i], d);
    if (!fresh && it->second != d)
      throw RuntimeError(fmt::format("{}: {} is listed with two diff_ids", file, layer_files[i]));
  }

  // Pass 3: every layer file, in archive order, into the scratch store.
  std::map<std::string, Imported> done;
  scan(file, [&](const std::string& name, archive* a, archive_entry*) {
    auto it = wanted.find(name);
    if (it == wanted.end() || done.count(name)) return true;
    EntrySource src(a, file + ": " + name);
    done[name] = import_layer(src, it->second, scratch, gzip, file + ": " + name);
    return done.size() < wanted.size();
  });

  std::vector<oci::LayerPtr> layers;
  for (size_t i = 0; i < layer_files.size(); ++i) {
    auto it = done.find(layer_files[i]);
    if (it == done.end())
      throw RuntimeError(fmt::format("{}: could not read {}", file, layer_files[i]));
    oci::Descriptor d{std::string(oci::kOciLayerGzip), it->second.digest, it->second.size};
    layers.push_back(
        std::make_shared<oci::FileLayer>(d, wanted.at(layer_files[i]), scratch.path(d.digest)));
  }
  return oci::make_image(std::move(config), std::move(layers));
}

} // namespace rt::layout

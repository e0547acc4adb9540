#include "layer/layer_writer.hpp"

#include "layer/parallel_compress.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <locale.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace rt::layer {

namespace {

// Bump when the bytes write_tar produces for the same entries change, so stale
// cache records are not reused.
// 2: symlinks are always 0777; names are bytes (non-ASCII names crashed before).
constexpr int kTarFormatVersion = 2;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive calls back into C; exceptions are parked here and rethrown after.
struct WriteContext {
  ByteSink* out;
  std::exception_ptr error;
};

la_ssize_t on_write(archive*, void* ctx, const void* buf, size_t len) {
  auto* c = static_cast<WriteContext*>(ctx);
  try {
    c->out->write(static_cast<const char*>(buf), len);
    return static_cast<la_ssize_t>(len);
  } catch (...) {
    c->error = std::current_exception();
    return -1;
  }
}

void check(archive* a, int rc, WriteContext& ctx, const std::string& what,
           int worst_accepted = ARCHIVE_OK) {
  if (ctx.error) std::rethrow_exception(ctx.error);
  if (rc < worst_accepted)
    throw RuntimeError(
        fmt::format("{}: {}", printable(what),
                    archive_error_string(a) ? archive_error_string(a) : "tar error"));
}

// Names are bytes, written as they are. libarchive converts names from the
// locale's charset to UTF-8 for pax headers; under the program's "C" locale
// every non-ASCII name would fail that (and archive_entry_set_pathname_utf8 of
// one that is not UTF-8 leaves libarchive a NULL name: the crash of issue 11).
// Under C.UTF-8, a UTF-8 name goes into the pax `path` record as itself (as
// Go's archive/tar writes it) and any other bytes go there raw, with
// `hdrcharset=BINARY` (POSIX pax; GNU tar, Go and libarchive all take the
// bytes as they are). Thread-local (uselocale), for the writing thread only.
class Utf8Names {
public:
  Utf8Names() {
    static locale_t utf8 = newlocale(LC_ALL_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8) old_ = uselocale(utf8);
  }
  ~Utf8Names() {
    if (old_) uselocale(old_);
  }
  Utf8Names(const Utf8Names&) = delete;
  Utf8Names& operator=(const Utf8Names&) = delete;
  // Without C.UTF-8 the bytes would depend on the machine: refuse instead.
  void check(const TarEntry& t) const {
    auto ascii = [](const std::string& s) {
      for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
      return true;
    };
    if (!old_ && !(ascii(t.path) && ascii(t.link)))
      throw RuntimeError(fmt::format("{}: a name that is not ASCII needs the C.UTF-8 locale, "
                                     "which this system lacks",
                                     printable(t.path)));
  }

private:
  locale_t old_ = nullptr;
};

void fill_header(archive_entry* e, const TarEntry& t) {
  archive_entry_copy_pathname(e, t.path.c_str());
  archive_entry_set_uid(e, t.uid);
  archive_entry_set_gid(e, t.gid);
  archive_entry_set_mtime(e, t.mtime, 0);
  switch (t.type) {
  case EntryType::file:
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, t.size);
    break;
  case EntryType::directory:
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_size(e, 0);
    break;
  case EntryType::symlink:
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_copy_symlink(e, t.link.c_str());
    archive_entry_set_size(e, 0);
    break;
  case EntryType::hardlink:
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_copy_hardlink(e, t.link.c_str());
    archive_entry_set_size(e, 0);
    break;
  }
  // A symlink's own mode means nothing on Linux; buildah and BuildKit (which
  // extract to disk, where symlinks are 0777) write 0777 whatever the source said.
  archive_entry_set_perm(e, t.type == EntryType::symlink ? 0777 : t.mode & 07777);
}

void copy_content(archive* a, const TarEntry& t, WriteContext& ctx) {
  InputFile in(t.source);
  std::vector<char> buf(1 << 18);
  int64_t total = 0;
  while (size_t n = in.read(buf.data(), buf.size())) {
    total += static_cast<int64_t>(n);
    if (total > t.size) break;
    la_ssize_t w = archive_write_data(a, buf.data(), n);
    if (w < 0) check(a, ARCHIVE_FATAL, ctx, t.source);
  }
  if (total != t.size)
    throw RuntimeError(fmt::format("{} changed while it was being read ({} bytes, expected {})",
                                   t.source, total, t.size));
}

} // namespace

void write_tar(const std::vector<TarEntry>& entries, ByteSink& out) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
  WriteContext ctx{&out, nullptr};
  // pax (restricted): plain ustar headers unless a path, link or id needs an
  // extended header; libarchive names those without the pid, so they are stable.
  archive_write_set_format_pax_restricted(a.get());
  // No blocking: no padding to 10 KiB records, as Go's archive/tar (docker) writes.
  archive_write_set_bytes_per_block(a.get(), 0);
  check(a.get(), archive_write_open(a.get(), &ctx, nullptr, on_write, nullptr), ctx, "tar");
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  Utf8Names names;
  for (const auto& t : entries) {
    names.check(t);
    archive_entry_clear(e.get());
    fill_header(e.get(), t);
    // ARCHIVE_WARN: a name that is not UTF-8, written raw with hdrcharset=BINARY.
    check(a.get(), archive_write_header(a.get(), e.get()), ctx, t.path, ARCHIVE_WARN);
    if (t.type == EntryType::file && t.link.empty() && t.size > 0) copy_content(a.get(), t, ctx);
  }
  check(a.get(), archive_write_close(a.get()), ctx, "tar");
}

LayerResult write_layer(const std::vector<TarEntry>& entries, const BlobStore& store,
                        const Compression& compression) {
  auto file = store.begin();
  HashingFileSink compressed(*file);
  HashSink diff;
  {
    // The diff_id is hashed on the sink's writer thread, beside the digest.
    ParallelCompressSink gz(compressed, compression, &diff);
    write_tar(entries, gz);
    gz.finish();
  }
  LayerResult r{compressed.finish(), diff.hash.finish(), compressed.size()};
  store.commit_stamped(*file, r.digest);
  return r;
}

LayerResult write_layer_cached(const std::vector<TarEntry>& entries, const BlobStore& store,
                               const Compression& compression) {
  Sha256 key;
  // The compressor's identity names the codec, level, chunk size, library
  // version and our format version: a layer cached under another is a miss.
  key.update(fmt::format("tar-v{} {}\n", kTarFormatVersion, compressor_identity(compression)));
  // Length-prefixed fields: no path can forge another entry's fields.
  auto field = [&key](const std::string& v) {
    key.update(fmt::format("{}:", v.size()));
    key.update(v);
  };
  for (const auto& t : entries) {
    field(t.path);
    field(fmt::format("{} {:o} {} {} {} {}", static_cast<int>(t.type), t.mode, t.uid, t.gid,
                      t.mtime, t.size));
    field(t.link);
    if (t.type == EntryType::file && !t.source.empty()) {
      struct stat st {};
      if (::stat(t.source.c_str(), &st) != 0)
        throw RuntimeError(fmt::format("cannot stat {}", t.source));
      field(t.source);
      field(fmt::format("{} {} {}.{} {}.{}", st.st_dev, st.st_ino, st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec));
    }
  }
  std::string k = key.finish().hex;
  if (auto rec = store.get_record("layers", k)) {
    try {
      auto j = nlohmann::json::parse(*rec);
      LayerResult r{Digest::parse(j.at("digest").get<std::string>()),
                    Digest::parse(j.at("diff_id").get<std::string>()), j.at("size").get<int64_t>()};
      // A blob written to since the store wrote it (through an output's hard
      // link) is a miss: the layer is built again and the blob replaced.
      if (store.intact(r.digest)) return r;
    } catch (const std::exception&) {
      // A damaged record is only a cache miss.
    }
  }
  LayerResult r = write_layer(entries, store, compression);
  nlohmann::json j = {{"digest", r.digest.str()}, {"diff_id", r.diff_id.str()}, {"size", r.size}};
  store.put_record("layers", k, j.dump());
  return r;
}

} // namespace rt::layer

#include "layer/tar_reader.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <memory>
#include <vector>

namespace rt::layer {

namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct ReadContext {
  ByteSource* src;
  std::vector<char> buf = std::vector<char>(1 << 17);
  std::exception_ptr error;
};

la_ssize_t on_read(archive*, void* ctx, const void** out) {
  auto* c = static_cast<ReadContext*>(ctx);
  try {
    size_t n = c->src->read(c->buf.data(), c->buf.size());
    *out = c->buf.data();
    return static_cast<la_ssize_t>(n);
  } catch (...) {
    c->error = std::current_exception();
    return -1;
  }
}

class ArchiveEntryData : public EntryData {
public:
  ArchiveEntryData(archive* a, ReadContext& ctx, const std::string& what)
      : a_(a), ctx_(ctx), what_(what) {}
  size_t read(char* buf, size_t len) override {
    la_ssize_t n = archive_read_data(a_, buf, len);
    if (n < 0) {
      if (ctx_.error) std::rethrow_exception(ctx_.error);
      throw RuntimeError(fmt::format("{}: {}", what_, archive_error_string(a_)));
    }
    return static_cast<size_t>(n);
  }

private:
  archive* a_;
  ReadContext& ctx_;
  const std::string& what_;
};

std::unique_ptr<archive, ReadDeleter> new_reader() {
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

} // namespace

void EntryData::save_to(const std::string& path) {
  AtomicFile f(path);
  std::vector<char> buf(1 << 17);
  while (size_t n = read(buf.data(), buf.size())) f.write(buf.data(), n);
  f.commit(0600);
}

Digest EntryData::digest() {
  Sha256 h;
  std::vector<char> buf(1 << 17);
  while (size_t n = read(buf.data(), buf.size())) h.update(buf.data(), n);
  return h.finish();
}

void read_tar(ByteSource& src, const EntryCallback& on_entry, const std::string& what) {
  auto a = new_reader();
  ReadContext ctx{&src};
  auto fail = [&](const char* doing) {
    if (ctx.error) std::rethrow_exception(ctx.error);
    const char* msg = archive_error_string(a.get());
    throw RuntimeError(fmt::format("{}: {}: {}", what, doing, msg ? msg : "not a tar archive"));
  };
  if (archive_read_open(a.get(), &ctx, nullptr, on_read, nullptr) != ARCHIVE_OK) fail("cannot open");
  archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) fail("cannot read");
    TarEntry t;
    const char* name = archive_entry_pathname_utf8(e);
    if (!name) name = archive_entry_pathname(e);
    t.path = clean_entry_path(name ? name : "");
    if (t.path.empty()) continue; // "./" itself: the root is not an entry
    t.mode = archive_entry_perm(e);
    t.uid = static_cast<uint32_t>(archive_entry_uid(e));
    t.gid = static_cast<uint32_t>(archive_entry_gid(e));
    t.mtime = archive_entry_mtime(e);
    if (const char* hl = archive_entry_hardlink(e)) {
      t.type = EntryType::hardlink;
      t.link = clean_entry_path(hl);
    } else {
      switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        t.type = EntryType::file;
        t.size = archive_entry_size(e);
        break;
      case AE_IFDIR:
        t.type = EntryType::directory;
        break;
      case AE_IFLNK:
        t.type = EntryType::symlink;
        t.link = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        break;
      default:
        log::warn("{}: skipping {}: devices, fifos and sockets cannot be reproduced here", what,
                  t.path);
        continue;
      }
    }
    ArchiveEntryData data(a.get(), ctx, what);
    on_entry(t, data);
    archive_read_data_skip(a.get());
  }
}

bool looks_like_tar_archive(const std::string& path) {
  auto a = new_reader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) return false;
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(a.get(), &e);
  return rc == ARCHIVE_OK || rc == ARCHIVE_WARN;
}

} // namespace rt::layer

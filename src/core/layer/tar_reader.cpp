#include "layer/tar_reader.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/printable.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <memory>
#include <optional>
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

std::optional<std::string> contained_path(std::string_view path) {
  std::string out;
  for (size_t i = 0; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (out.empty()) return std::nullopt;
      size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (!seg.empty() && seg != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(seg);
    }
    i = j + 1;
  }
  return out;
}

namespace {

// The header's fields as a TarEntry, or nullopt for what is skipped (the root
// itself, devices, fifos). Names are libarchive's "mbs" forms: the bytes of the
// header, whatever the locale (the _utf8 and _w forms convert, and are NULL
// for names that are not UTF-8).
std::optional<TarEntry> entry_of(archive_entry* e, const std::string& what) {
  const char* raw = archive_entry_pathname(e);
  std::string name = raw ? raw : "";
  auto path = contained_path(name);
  if (!path)
    throw BadEntry(what, fmt::format("entry '{}' escapes the destination", printable(name)));
  if (path->empty()) return std::nullopt; // "./" itself: the root is not an entry
  TarEntry t;
  t.path = std::move(*path);
  t.mode = archive_entry_perm(e);
  t.uid = static_cast<uint32_t>(archive_entry_uid(e));
  t.gid = static_cast<uint32_t>(archive_entry_gid(e));
  t.mtime = archive_entry_mtime(e);
  if (const char* hl = archive_entry_hardlink(e)) {
    auto target = contained_path(hl);
    if (!target || target->empty())
      throw BadEntry(what, fmt::format("entry '{}' links to '{}', outside the destination",
                                       printable(name), printable(hl)));
    t.type = EntryType::hardlink;
    t.link = std::move(*target);
    return t;
  }
  switch (archive_entry_filetype(e)) {
  case AE_IFREG:
    t.type = EntryType::file;
    t.size = archive_entry_size(e);
    return t;
  case AE_IFDIR:
    t.type = EntryType::directory;
    return t;
  case AE_IFLNK:
    t.type = EntryType::symlink;
    t.mode = 0777;
    t.link = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    return t;
  default:
    log::warn("{}: skipping {}: devices, fifos and sockets cannot be reproduced here", what,
              printable(t.path));
    return std::nullopt;
  }
}

} // namespace

void EntryData::save_to(const std::string& path) {
  ScratchFile f(path, 0600);
  std::vector<char> buf(1 << 17);
  while (size_t n = read(buf.data(), buf.size()))
    f.write(buf.data(), n);
  f.close();
}

Digest EntryData::digest() {
  Sha256 h;
  std::vector<char> buf(1 << 17);
  while (size_t n = read(buf.data(), buf.size()))
    h.update(buf.data(), n);
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
  if (archive_read_open(a.get(), &ctx, nullptr, on_read, nullptr) != ARCHIVE_OK)
    fail("cannot open");
  archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) fail("cannot read");
    auto t = entry_of(e, what);
    if (!t) continue;
    ArchiveEntryData data(a.get(), ctx, what);
    on_entry(*t, data);
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

#include "debian/deb.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <atomic>
#include <fmt/format.h>
#include <memory>
#include <openssl/evp.h>

namespace rt::debian {

namespace {

// control.tar members are small; a bigger one is not a package.
constexpr size_t kMaxControlFile = 16 << 20;

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Archive = std::unique_ptr<archive, ReadDeleter>;

std::string error_of(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "malformed archive";
}

// An inner tar read straight from the outer ar member's data.
struct Nested {
  archive* outer;
  std::vector<char> buf = std::vector<char>(1 << 17);
};

la_ssize_t read_nested(archive*, void* ctx, const void** out) {
  auto* n = static_cast<Nested*>(ctx);
  la_ssize_t got = archive_read_data(n->outer, n->buf.data(), n->buf.size());
  *out = n->buf.data();
  return got;
}

Archive open_nested(Nested& nested, const std::string& what, const std::string& member) {
  Archive a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open(a.get(), &nested, nullptr, read_nested, nullptr) != ARCHIVE_OK)
    throw RuntimeError(fmt::format("{}: {}: {}", what, member, error_of(a.get())));
  return a;
}

// The entry's path: refused when absolute or climbing, else cleaned.
std::string safe_path(const char* raw, const std::string& what, const char* kind) {
  std::string name = raw ? raw : "";
  if (!name.empty() && name.front() == '/')
    throw RuntimeError(
        fmt::format("{}: data.tar holds the absolute {} '{}': refused", what, kind, name));
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string::npos) j = name.size();
    if (name.compare(i, j - i, "..") == 0 && j - i == 2)
      throw RuntimeError(
          fmt::format("{}: data.tar holds the {} '{}' with '..': refused", what, kind, name));
    i = j + 1;
  }
  return layer::clean_entry_path(name);
}

std::string md5_hex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned k = 0; k < len; ++k) {
    out += hex[md[k] >> 4];
    out += hex[md[k] & 15];
  }
  return out;
}

void read_control(archive* a, DebContents& out, const std::string& what) {
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    std::string name =
        layer::clean_entry_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    std::string* dest = name == "control"   ? &out.control
                        : name == "md5sums" ? &out.md5sums
                                            : nullptr;
    if (!dest || archive_entry_filetype(e) != AE_IFREG) continue;
    if (archive_entry_size(e) > static_cast<la_int64_t>(kMaxControlFile))
      throw RuntimeError(fmt::format("{}: control.tar's {} is too large", what, name));
    dest->resize(static_cast<size_t>(archive_entry_size(e)));
    la_ssize_t n = archive_read_data(a, dest->data(), dest->size());
    if (n != static_cast<la_ssize_t>(dest->size()))
      throw RuntimeError(fmt::format("{}: control.tar: {}", what, error_of(a)));
  }
  if (rc != ARCHIVE_EOF) throw RuntimeError(fmt::format("{}: control.tar: {}", what, error_of(a)));
}

void read_data(archive* a, DebContents& out, const std::string& staging, const std::string& what) {
  static std::atomic<uint64_t> counter{0};
  std::string computed_md5sums;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md5(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::vector<char> buf(1 << 17);
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    layer::TarEntry t;
    t.path = safe_path(archive_entry_pathname(e), what, "path");
    if (t.path.empty()) continue; // "./": the root itself
    t.mode = archive_entry_perm(e);
    t.uid = static_cast<uint32_t>(archive_entry_uid(e));
    t.gid = static_cast<uint32_t>(archive_entry_gid(e));
    t.mtime = archive_entry_mtime(e);
    if (const char* hl = archive_entry_hardlink(e)) {
      t.type = layer::EntryType::hardlink;
      t.link = safe_path(hl, what, "hard link target");
    } else {
      switch (archive_entry_filetype(e)) {
      case AE_IFREG: {
        t.type = layer::EntryType::file;
        t.size = archive_entry_size(e);
        t.source = fmt::format("{}/{}", staging, counter++);
        ScratchFile f(t.source); // in the build's staging TempDir
        EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
        int64_t got = 0;
        for (;;) {
          la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
          if (n < 0) throw RuntimeError(fmt::format("{}: data.tar: {}", what, error_of(a)));
          if (n == 0) break;
          got += n;
          f.write(buf.data(), static_cast<size_t>(n));
          EVP_DigestUpdate(md5.get(), buf.data(), static_cast<size_t>(n));
        }
        if (got != t.size)
          throw RuntimeError(fmt::format("{}: data.tar: {} is cut short", what, t.path));
        f.close();
        computed_md5sums += md5_hex(md5.get()) + "  " + t.path + "\n";
        break;
      }
      case AE_IFDIR:
        t.type = layer::EntryType::directory;
        break;
      case AE_IFLNK:
        t.type = layer::EntryType::symlink;
        t.link = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        break;
      default:
        throw RuntimeError(fmt::format(
            "{}: data.tar holds {}, a device, fifo or socket: refused (a base holds none)", what,
            t.path));
      }
    }
    out.entries.push_back(std::move(t));
  }
  if (rc != ARCHIVE_EOF) throw RuntimeError(fmt::format("{}: data.tar: {}", what, error_of(a)));
  if (out.md5sums.empty()) out.md5sums = computed_md5sums;
}

} // namespace

DebContents read_deb(const std::string& path, const std::string& staging_dir,
                     const std::string& what) {
  Archive outer(archive_read_new());
  archive_read_support_format_ar(outer.get());
  if (archive_read_open_filename(outer.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw RuntimeError(fmt::format("{}: not a .deb: {}", what, error_of(outer.get())));
  DebContents out;
  bool control = false, data = false;
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(outer.get(), &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    std::string member = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    bool is_control = member.rfind("control.tar", 0) == 0;
    bool is_data = member.rfind("data.tar", 0) == 0;
    if (!is_control && !is_data) continue;
    if ((is_control && control) || (is_data && data))
      throw RuntimeError(fmt::format("{}: two {} members", what, member));
    Nested nested{outer.get()};
    Archive inner = open_nested(nested, what, member);
    if (is_control) {
      read_control(inner.get(), out, what);
      control = true;
    } else {
      read_data(inner.get(), out, staging_dir, what);
      data = true;
    }
  }
  if (rc != ARCHIVE_EOF)
    throw RuntimeError(fmt::format("{}: not a .deb: {}", what, error_of(outer.get())));
  if (!control || !data || out.control.empty())
    throw RuntimeError(fmt::format("{}: not a .deb: no control.tar or data.tar", what));
  return out;
}

} // namespace rt::debian

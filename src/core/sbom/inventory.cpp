#include "sbom/inventory.hpp"

#include "layer/tar_reader.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <openssl/evp.h>
#include <set>

namespace rt::sbom {

namespace {

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";
constexpr size_t kMaxMetadataBytes = 16 << 20;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string base_name(std::string_view p) {
  size_t s = p.rfind('/');
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}
std::string parent_of(std::string_view p) {
  size_t s = p.rfind('/');
  return s == std::string_view::npos ? "" : std::string(p.substr(0, s));
}

// A layer's entry as far as the inventory cares.
struct Entry {
  bool regular = false;
  std::string hardlink; // target path, for hardlinks
  FileFacts facts;
  std::optional<std::string> content;
};

template <typename Map>
void erase_subtree(Map& m, const std::string& p, const std::set<std::string>* keep = nullptr) {
  if (!keep || !keep->count(p)) m.erase(p);
  std::string prefix = p.empty() ? "" : p + "/";
  for (auto it = m.lower_bound(prefix);
       it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    if (keep && keep->count(it->first))
      ++it;
    else
      it = m.erase(it);
  }
}

std::string to_hex(const unsigned char* d, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += digits[d[i] >> 4];
    out += digits[d[i] & 15];
  }
  return out;
}

} // namespace

bool is_package_metadata(std::string_view path) {
  if (path == "var/lib/dpkg/status") return true;
  if (parent_of(path) == "var/lib/dpkg/status.d") return !ends_with(path, ".md5sums");
  if (ends_with(path, ".dist-info/METADATA")) return true;
  if (!ends_with(path, "/package.json")) return false;
  // node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json
  std::string dir = parent_of(path);
  std::string up = parent_of(dir);
  if (base_name(up) == "node_modules") return true;
  return !base_name(up).empty() && base_name(up)[0] == '@' &&
         base_name(parent_of(up)) == "node_modules";
}

Inventory read_inventory(const oci::Image& image) {
  // Every path the image has, regular or not: a later layer's directory or
  // symlink replaces a file, and whiteouts delete subtrees.
  std::map<std::string, Entry> fs;
  for (const auto& layer : image.layers) {
    std::set<std::string> added; // an opaque whiteout hides lower layers only
    auto src = layer->open();
    layer::read_tar(
        *src,
        [&](const layer::TarEntry& e, layer::EntryData& data) {
          std::string name = base_name(e.path);
          std::string dir = parent_of(e.path);
          if (name == kOpaque) {
            erase_subtree(fs, dir, &added);
            return;
          }
          if (name.compare(0, kWhiteout.size(), kWhiteout) == 0) {
            erase_subtree(fs, (dir.empty() ? "" : dir + "/") + name.substr(kWhiteout.size()));
            return;
          }
          if (e.type != layer::EntryType::directory) erase_subtree(fs, e.path);
          added.insert(e.path);
          Entry out;
          if (e.type == layer::EntryType::hardlink) {
            out.hardlink = e.link;
          } else if (e.type == layer::EntryType::file) {
            out.regular = true;
            bool keep = is_package_metadata(e.path);
            std::string content;
            Sha256 sha256;
            std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha1(EVP_MD_CTX_new(),
                                                                         EVP_MD_CTX_free);
            EVP_DigestInit_ex(sha1.get(), EVP_sha1(), nullptr);
            char buf[1 << 16];
            int64_t size = 0;
            for (size_t n; (n = data.read(buf, sizeof buf)) > 0;) {
              sha256.update(buf, n);
              EVP_DigestUpdate(sha1.get(), buf, n);
              size += int64_t(n);
              if (keep && content.size() + n <= kMaxMetadataBytes)
                content.append(buf, n);
              else if (keep) {
                log::warn("{}: over {} bytes, left out of the SBOM's packages", e.path,
                          kMaxMetadataBytes);
                keep = false;
              }
            }
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned len = 0;
            EVP_DigestFinal_ex(sha1.get(), md, &len);
            out.facts = {size, sha256.finish(), to_hex(md, len)};
            if (keep) out.content = std::move(content);
          }
          // A directory over a directory keeps it; over anything else replaces it.
          auto it = fs.find(e.path);
          if (e.type != layer::EntryType::directory || it == fs.end() || it->second.regular ||
              !it->second.hardlink.empty())
            fs[e.path] = std::move(out);
        },
        "layer " + layer->descriptor().digest.str());
  }
  Inventory inv;
  for (const auto& [path, e] : fs) {
    const Entry* f = &e;
    if (!e.hardlink.empty()) {
      // A hardlink is the same regular file under another name.
      auto t = fs.find(e.hardlink);
      if (t == fs.end() || !t->second.regular) continue;
      f = &t->second;
    }
    if (!f->regular) continue;
    inv.files[path] = f->facts;
    if (f->content) inv.metadata[path] = *f->content;
  }
  return inv;
}

} // namespace rt::sbom

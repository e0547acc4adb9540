#include "layout/oci_stage.hpp"

#include "layer/blob_store.hpp"
#include "layout/destination.hpp"
#include "layout/oci_layout.hpp"
#include "layout/oci_layout_detail.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rt::layout {

namespace {

using nlohmann::json;
using namespace detail;

bool has_blob(const std::string& path, int64_t size) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// A hard link is atomic (the name appears pointing at complete bytes) and
// costs no space. A source the layer cache vouches for (`intact`: its stat
// stamp unchanged since the cache wrote it) is linked as is; any other (another
// layout's blob, a registry blob cached when read) is outside data and hashed
// first. Returns false when linking is not possible (another filesystem, no
// permission) or the source does not hash right, so the caller copies instead.
bool try_link(const std::string& src, const std::string& target, const oci::Descriptor& d,
              bool intact) {
  if (!has_blob(src, d.size) || (!intact && sha256_of_file(src) != d.digest)) return false;
  if (::link(src.c_str(), target.c_str()) == 0) return true;
  if (errno == EEXIST) return has_blob(target, d.size);
  log::debug("cannot link {} to {} ({}); copying", src, target, std::strerror(errno));
  return false;
}

// The layout already has the blob, but not the cache's intact file: it may be
// an old link to a cache blob that was then edited in place through this
// layout (the edit is what made the cache rebuild it). Point the name at the
// intact file; the name keeps naming the same content, so this is no change to
// the layout. Best effort: on any failure the blob stays as it is.
void relink(const std::string& src, const std::string& target) {
  if (same_file(src, target)) return;
  std::string temp = target + fmt::format(".relink-{}", ::getpid());
  if (::link(src.c_str(), temp.c_str()) != 0) return;
  if (::rename(temp.c_str(), target.c_str()) != 0) ::unlink(temp.c_str());
}

// The platform of the index entry, from the config: readers that pick by
// platform (containerd's import, skopeo --override-arch) then find the image.
std::optional<oci::Platform> config_platform(const std::string& config) {
  auto c = oci::parse_json(config, "image config");
  if (!c.is_object()) return std::nullopt;
  oci::Platform p{string_field(c, "os"), string_field(c, "architecture"),
                  string_field(c, "variant")};
  if (p.os.empty() || p.architecture.empty()) return std::nullopt;
  return p;
}

} // namespace

OciStage::OciStage(std::string dir)
    : dir_(std::move(dir)), index_({{"schemaVersion", 2},
                                    {"mediaType", std::string(oci::kOciIndex)},
                                    {"manifests", json::array()}}) {
  if (path_exists(dir_ + "/oci-layout")) check_layout_file(dir_);
  if (path_exists(dir_ + "/index.json")) index_ = read_index(dir_ + "/index.json");
}

void OciStage::create() {
  if (created_) return;
  created_ = true;
  // What is missing now is what discard() may remove.
  fs::path p = fs::absolute(dir_);
  while (!path_exists(p.string())) {
    made_root_ = p.string();
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  if (made_root_.empty())
    for (const char* sub : {"/blobs", "/blobs/sha256"})
      if (!path_exists(dir_ + sub)) made_.push_back(dir_ + sub);
  make_dirs(dir_ + "/blobs/sha256");
  if (!path_exists(dir_ + "/oci-layout")) {
    write_file_atomic(dir_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    made_.push_back(dir_ + "/oci-layout");
  }
}

void OciStage::note_new(const std::string& path, bool existed) {
  if (!existed) added_.push_back(path);
}

void OciStage::put_layer(const oci::Layer& layer) {
  const auto& d = layer.descriptor();
  std::string target = blob_path(dir_, d.digest);
  auto src = layer.local_path();
  bool intact = src && layer::BlobStore::intact_at(*src, d.digest);
  // Content addressed: a blob with the right name and size is the right blob
  // (go-containerregistry's layout makes the same bet).
  if (has_blob(target, d.size)) {
    if (intact) relink(*src, target);
    return;
  }
  bool existed = path_exists(target);
  if (!src || !try_link(*src, target, d, intact)) {
    auto in = layer.open();
    AtomicFile out(target);
    copy_stream(*in, out); // the source throws at its end on a digest mismatch
    out.commit(0644);
  }
  note_new(target, existed);
}

void OciStage::put_small(const oci::Descriptor& d, const std::string& bytes,
                         std::string_view what) {
  if (sha256_of(bytes) != d.digest || static_cast<int64_t>(bytes.size()) != d.size)
    throw RuntimeError(fmt::format("the image's {} bytes do not match its descriptor", what));
  std::string target = blob_path(dir_, d.digest);
  if (has_blob(target, d.size)) return;
  bool existed = path_exists(target);
  write_file_atomic(target, bytes);
  note_new(target, existed);
}

void OciStage::add(const oci::Image& image, const std::string& tag) {
  if (!tag.empty() && !valid_oci_ref_name(tag))
    throw InputError(fmt::format("'{}' is not a valid OCI image name", tag));
  // Check everything that can fail cheaply before the first byte is written.
  auto listed = oci::manifest_layers(image.manifest, image.config, "image manifest");
  if (listed.size() != image.layers.size())
    throw RuntimeError("the image's manifest and its layers disagree");
  for (size_t i = 0; i < listed.size(); ++i)
    if (listed[i].first.digest != image.layers[i]->descriptor().digest)
      throw RuntimeError(fmt::format("the image's layer {} is not the one its manifest lists", i));
  oci::Descriptor entry = image.descriptor();
  entry.platform = config_platform(image.config);
  if (!tag.empty()) entry.annotations[std::string(kRefNameAnnotation)] = tag;

  // Blobs first, so index.json never names a blob that is not there.
  create();
  for (const auto& layer : image.layers)
    put_layer(*layer);
  put_small(image.config_descriptor(), image.config, "config");
  put_small(image.descriptor(), image.manifest, "manifest");

  // The entry: one with the same tag is replaced where it is (order is kept).
  json kept = json::array();
  bool placed = false;
  for (const auto& m : index_.at("manifests")) {
    std::string t = tag_of(m);
    bool same =
        tag.empty() ? t.empty() && string_field(m, "digest") == entry.digest.str() : t == tag;
    if (!same) {
      kept.push_back(m);
    } else if (!placed) {
      kept.push_back(entry.to_json());
      placed = true;
    }
  }
  if (!placed) kept.push_back(entry.to_json());
  index_["manifests"] = std::move(kept);
}

StagedFile& OciStage::stage_index() {
  index_file_ = std::make_unique<StagedFile>(dir_ + "/index.json");
  std::string bytes = oci::canonical(index_);
  index_file_->sink().write(bytes.data(), bytes.size());
  index_file_->finish();
  return *index_file_;
}

void OciStage::discard() noexcept {
  index_file_.reset();
  std::error_code ec;
  for (auto it = added_.rbegin(); it != added_.rend(); ++it)
    fs::remove(*it, ec);
  for (auto it = made_.rbegin(); it != made_.rend(); ++it)
    fs::remove(*it, ec); // a directory only if empty: never what others put there
  if (!made_root_.empty()) fs::remove_all(made_root_, ec);
  added_.clear();
  made_.clear();
  made_root_.clear();
}

} // namespace rt::layout

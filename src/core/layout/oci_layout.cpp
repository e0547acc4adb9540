#include "layout/oci_layout.hpp"

#include "layout/destination.hpp"
#include "layout/oci_layout_detail.hpp"
#include "layout/output_set.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rt::layout {

namespace detail {

using nlohmann::json;

std::string blob_path(const std::string& dir, const Digest& d) {
  return dir + "/blobs/sha256/" + d.hex;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string tag_of(const json& entry) {
  auto it = entry.find("annotations");
  if (it == entry.end() || !it->is_object()) return {};
  return string_field(*it, std::string(kRefNameAnnotation).c_str());
}

// The oci-layout file marks the directory as a layout; image-spec 1.0 and 1.1
// both still write version 1.0.0.
void check_layout_file(const std::string& dir) {
  std::string path = dir + "/oci-layout";
  if (!path_exists(path))
    throw RuntimeError(fmt::format("{} is not an OCI image layout (no oci-layout file)", dir));
  auto j = oci::parse_json(read_file(path), path);
  std::string version = j.is_object() ? string_field(j, "imageLayoutVersion") : "";
  if (version != "1.0.0")
    throw RuntimeError(fmt::format("{}: unsupported imageLayoutVersion '{}'", path, version));
}

json read_index(const std::string& path) {
  auto j = oci::parse_json(read_file(path), path);
  if (!j.is_object() || !j.contains("manifests") || !j.at("manifests").is_array())
    throw RuntimeError(fmt::format("{}: not an image index (no manifests array)", path));
  return j;
}

} // namespace detail

namespace {

using nlohmann::json;
using namespace detail;

// Manifests, indexes and configs are read whole; containers/image caps
// manifests at 4 MiB, configs can be larger (long histories), so allow more.
constexpr int64_t kMaxJsonBlob = 16 << 20;
// Nested indexes (an index entry pointing at an index) are legal but rare.
constexpr int kMaxIndexDepth = 4;

std::string tag_list(const std::vector<std::string>& tags) {
  return tags.empty() ? "it has no tagged images"
                      : "tags there: " + fmt::format("{}", fmt::join(tags, ", "));
}

// Reads a small blob whole and checks it against its descriptor: the layout is
// outside data like any other.
std::string read_small_blob(const std::string& dir, const oci::Descriptor& d,
                            std::string_view what) {
  if (d.size > kMaxJsonBlob)
    throw RuntimeError(fmt::format("{}: {} {} is {} bytes, more than we accept", dir, what,
                                   d.digest.str(), d.size));
  std::string path = blob_path(dir, d.digest);
  if (!path_exists(path))
    throw RuntimeError(fmt::format("{}: {} blob {} is missing", dir, what, d.digest.str()));
  std::string bytes = read_file(path);
  if (static_cast<int64_t>(bytes.size()) != d.size || sha256_of(bytes) != d.digest)
    throw RuntimeError(
        fmt::format("{}: the {} blob does not match its size and digest", path, what));
  return bytes;
}

// The media type of a manifest or index: the descriptor's, else the blob's own
// mediaType field, else (OCI before 1.1 allowed omitting it) by its shape.
std::string media_type_of(const oci::Descriptor& d, const json& blob) {
  if (!d.media_type.empty()) return d.media_type;
  if (std::string mt = string_field(blob, "mediaType"); !mt.empty()) return mt;
  return std::string(blob.contains("manifests") ? oci::kOciIndex : oci::kOciManifest);
}

// Follows index entries down to the manifest for `platform`.
oci::Image read_entry(const std::string& dir, oci::Descriptor d, const oci::Platform& platform,
                      int depth) {
  std::string bytes = read_small_blob(dir, d, "manifest");
  std::string what = blob_path(dir, d.digest);
  auto j = oci::parse_json(bytes, what);
  std::string mt = media_type_of(d, j);
  if (oci::is_index(mt)) {
    if (depth >= kMaxIndexDepth)
      throw RuntimeError(fmt::format("{}: indexes nested too deep", what));
    std::vector<std::string> offered;
    for (const auto& m : j.value("manifests", json::array())) {
      auto child = oci::Descriptor::from_json(m, what);
      // Entries without a platform (buildx attestations) cannot serve a request.
      if (!child.platform) continue;
      if (platform.matches(*child.platform)) return read_entry(dir, child, platform, depth + 1);
      offered.push_back(child.platform->str());
    }
    throw RuntimeError(fmt::format("{}: no image for platform {} (platforms there: {})", dir,
                                   platform.str(), fmt::join(offered, ", ")));
  }
  if (!oci::is_manifest(mt))
    throw RuntimeError(fmt::format("{}: unsupported manifest media type '{}'", what, mt));
  if (!j.contains("config")) throw RuntimeError(fmt::format("{}: manifest has no config", what));
  auto config_desc = oci::Descriptor::from_json(j.at("config"), what);
  oci::Image img;
  img.manifest = std::move(bytes);
  img.manifest_media_type = mt;
  img.config = read_small_blob(dir, config_desc, "config");
  for (auto& [desc, diff_id] : oci::manifest_layers(img.manifest, img.config, what)) {
    std::string path = blob_path(dir, desc.digest);
    // A stat, not a read: a missing blob is reported now rather than mid-push.
    if (!path_exists(path))
      throw RuntimeError(fmt::format("{}: layer blob {} is missing", dir, desc.digest.str()));
    img.layers.push_back(std::make_shared<oci::FileLayer>(desc, diff_id, path));
  }
  return img;
}

} // namespace

std::vector<std::string> oci_layout_tags(const std::string& dir) {
  check_layout_file(dir);
  std::vector<std::string> tags;
  const json index = read_index(dir + "/index.json"); // not inline: .at() would dangle
  for (const auto& m : index.at("manifests"))
    if (std::string t = tag_of(m); !t.empty()) tags.push_back(t);
  return tags;
}

oci::Image read_oci_layout(const std::string& dir, const std::string& tag,
                           const oci::Platform& platform) {
  check_layout_file(dir);
  std::string index_path = dir + "/index.json";
  const json index = read_index(index_path);
  std::vector<oci::Descriptor> candidates;
  std::vector<std::string> tags;
  for (const auto& m : index.at("manifests")) {
    std::string t = tag_of(m);
    if (!t.empty()) tags.push_back(t);
    if (tag.empty() || t == tag) candidates.push_back(oci::Descriptor::from_json(m, index_path));
  }
  if (candidates.empty())
    throw RuntimeError(
        tag.empty() ? fmt::format("{}: the layout holds no images", dir)
                    : fmt::format("{}: no image tagged '{}' ({})", dir, tag, tag_list(tags)));
  if (candidates.size() > 1) {
    if (tag.empty())
      throw RuntimeError(fmt::format("{} holds {} images; name one as oci:{}:TAG ({})", dir,
                                     candidates.size(), dir, tag_list(tags)));
    // Some tools tag one entry per platform with the same name: pick ours.
    size_t tagged = candidates.size();
    std::erase_if(candidates, [&](const oci::Descriptor& d) {
      return !d.platform || !platform.matches(*d.platform);
    });
    if (candidates.size() != 1)
      throw RuntimeError(fmt::format("{}: {} entries are tagged '{}' and {} match platform {}", dir,
                                     tagged, tag, candidates.size(), platform.str()));
  }
  return read_entry(dir, candidates.front(), platform, 0);
}

void write_oci_layout(const oci::Image& image, const std::string& dir, const std::string& tag) {
  OutputSet out;
  out.stage(image, Destination{Destination::Kind::oci, dir, tag, {}});
  out.commit();
  out.finish();
}

} // namespace rt::layout

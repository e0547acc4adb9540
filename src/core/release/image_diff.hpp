#pragma once
// Explains how two images differ: the registry's ("expected") and a rebuild
// ("actual"). `reproduce` prints it when a rebuilt image does not match the
// registry, so it names every differing manifest field, config field, layer and
// tar entry, not just the digests.
#include "oci/image.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rt::release {

// One difference in one tar entry: `what` is e.g. "only in rebuilt (file 0644
// 0:0, 12 bytes)", "mode 0644 → 0755", "owner 0:0 → 1000:1000", "size 10 → 12",
// "content sha256:… → sha256:…", "symlink target a → b", "type file → directory",
// "mtime 0 → 1700000000". A path can have several.
struct EntryDiff {
  std::string path;
  std::string what;
};

// One layer of either image, paired with its counterpart in the other.
struct LayerDiff {
  // Layers are paired by diff_id where they match (a longest common
  // subsequence) and by position in between, so a layer inserted in the middle
  // shows as one extra layer, not as every later layer differing.
  static constexpr size_t kNone = SIZE_MAX;
  enum class Kind {
    same,             // same compressed blob
    compression_only, // same tar (diff_id), different compressed bytes
    content,          // different tar; `entries` says how
    only_in_expected, // no counterpart in the rebuilt image; `entries` lists it
    only_in_actual,   // no counterpart in the registry image; `entries` lists it
  };

  size_t index = 0;        // position in the expected image, kNone if only_in_actual
  size_t actual_index = 0; // position in the actual image, kNone if only_in_expected
  Digest expected_diff_id, actual_diff_id; // empty on the side without the layer
  Digest expected_digest, actual_digest;   // of the compressed blobs; ditto
  Kind kind = Kind::same;
  // Per-entry differences, sorted by path. For `content`, empty only when the
  // tars differ in something read_tar does not report; `notes` then says so.
  std::vector<EntryDiff> entries;
  std::vector<std::string> notes; // layer-wide findings, e.g. "entry order differs at …"
};

struct ImageDiff {
  bool identical = false;                // manifests byte-identical
  Digest expected_digest, actual_digest; // of the two manifests
  // Differing manifest fields as "field: expected → actual", e.g.
  // "annotations[org.opencontainers.image.created]: … → …", "layers (count): 2 → 3".
  std::vector<std::string> manifest;
  // Differing config fields by JSON path, e.g. "config.Env[VERSION]: 0.42.0 → 0.42.1",
  // "history[3].created_by: … → …", "rootfs.diff_ids[1]: … → …".
  std::vector<std::string> config;
  // Every layer pairing in order, `same` ones included.
  std::vector<LayerDiff> layers;
  // How the rebuild compressed its layers (layer::compressor_identity), named
  // when a layer differs only by its compression; empty: gzip's default.
  std::string rebuilt_compressor;

  // A report of several lines ("expected" = registry, "actual" = rebuilt): what
  // differs and where, layer by layer. Entry lists are capped per layer (with a
  // count of the rest); `layers` has them all.
  std::string explain() const;
};

// Compares `expected` (e.g. from the registry) with `actual` (rebuilt). Reads
// layer contents only for layers whose diff_ids differ, streaming each tar once
// and hashing file contents: memory grows with the number of entries, never with
// file sizes. Throws RuntimeError if a manifest or config is not JSON, or if a
// layer cannot be opened or read (the message names the image and the layer).
ImageDiff diff_images(const oci::Image& expected, const oci::Image& actual);

// Lists the differing leaves of two JSON documents as "path: expected → actual"
// with compact, truncated values. Objects are compared by key, arrays by index,
// except arrays of "K=V" strings under a key named "Env", which are compared by
// K ("config.Env[VERSION]"). Exposed for tests and for other JSON comparisons.
std::vector<std::string> diff_json(const nlohmann::json& expected, const nlohmann::json& actual);

} // namespace rt::release

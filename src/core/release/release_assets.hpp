#pragma once
// The assets of a GitHub Release, made from the checkout: the build command's
// binary as it is, each other asset a deterministic .tar.gz of trees of the
// checkout, and SHA256SUMS listing them. The same checkout gives the same bytes
// on any machine (path, mtimes, owners, umask, thread count do not matter).
#include "release/images_config.hpp"
#include "util/sha256.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rt::release {

// One file to upload.
struct MadeAsset {
  std::string name;
  std::string path; // the file
  Digest digest;
  int64_t size = 0;
};

// The name of the checksums asset: "<hex>  <name>" lines, sorted by name.
inline constexpr const char* kChecksumsAssetName = "SHA256SUMS";

// Packs one tarball asset (asset.contents, `from` relative to `context_dir`)
// into `dest`: tar entries sorted by path, owners 0:0 (numeric), directories
// 0755, files 0755 if any execute bit is set else 0644, symlinks 0777 kept as
// links, hard links stored as files, every mtime `epoch`; compressed with the
// pinned gzip (release-tool's parallel libdeflate, level kAssetGzipLevel, the
// same bytes for any thread count). Throws InputError located at the content
// item (a missing `from`, a FIFO/device/socket inside, two items putting a
// file at one path) and RuntimeError on read/write failures; `dest` is written
// atomically.
MadeAsset pack_tarball_asset(const ReleaseAsset& asset, const std::string& context_dir,
                             int64_t epoch, const std::string& dest, unsigned threads);

// The gzip level of tarball assets: fixed, so that the bytes never change with
// the layers' compression settings.
inline constexpr int kAssetGzipLevel = 6;

// Makes every asset of config.release_assets into `out_dir` (created), in
// config order: `binary` assets copied from `binary_file`, tarballs packed from
// the default build context; then SHA256SUMS (last).
std::vector<MadeAsset> make_release_assets(const ImagesConfig& config,
                                           const std::string& binary_file, int64_t epoch,
                                           const std::string& out_dir, unsigned threads);

// Writes only the tarball assets into the build context at their destinations
// (what `rc` builds from, so that rc and final add the same files: the same
// layers). Returns them.
std::vector<MadeAsset> place_tarball_assets(const ImagesConfig& config, int64_t epoch,
                                            unsigned threads);

} // namespace rt::release

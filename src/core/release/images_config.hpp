#pragma once
// images.json: what the release commands build and where they push it — the GitHub repository
// of the releases, how the binary is built, which release assets the final images need, the two
// Dockerfiles and the images. Documented in docs/images-json.md.
#include "layer/compression.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::release {

// How `rc` builds the binary that goes into the build context.
struct BinaryBuild {
  std::vector<std::string> command; // argv, run without a shell; never empty
  std::string working_directory;    // relative to ImagesConfig::base_dir (default ".")
  std::string artifact;             // what the command produces, relative to working_directory
  std::string destination; // where the artifact goes, relative to the build context (normalised)
};

// One tree (or file) packed into a tarball asset.
struct AssetContent {
  std::string from; // relative to the default build context (normalised; "." = all of it)
  std::string to;   // where it goes in the archive (normalised; "." = its root)
  int line = 0;     // where the item's '{' is, for errors found while packing
  int column = 0;
};

// A GitHub Release asset: what `github-release` makes from the checkout and
// uploads, and what `final` downloads into the build context. Exactly one of
// `binary` and `contents`.
struct ReleaseAsset {
  std::string name;        // the asset's name on the release ([A-Za-z0-9][A-Za-z0-9._+-]*)
  std::string destination; // relative to the build context (normalised)
  bool binary = false;     // the build command's artifact, as it is
  // A deterministic .tar.gz of these (sorted, owners 0:0, modes 0755/0644,
  // mtimes from the commit); `name` ends in ".tar.gz".
  std::vector<AssetContent> contents;
  std::string file; // the images.json (or overlay) that listed it, for errors
  int line = 0;
  int column = 0;
};

// One image to build and push.
struct ImageSpec {
  std::string name;       // [A-Za-z0-9][A-Za-z0-9._-]*, unique; what --image selects
  std::string repository; // "gcr.io/galoyorg/lana-bank": registry host and path, no tag
  std::string target;     // the Dockerfile stage to build
  std::string context;    // relative to ImagesConfig::base_dir (default: ImagesConfig::context)
  // Tag templates ("{version}", "{version}-{short_commit}") of rc and of final (and
  // reproduce); expand_tag() makes the tags. Default ["{version}"]; never empty.
  std::vector<std::string> tags_rc;
  std::vector<std::string> tags_final;
  // "rc" → tags_rc, anything else ("final", "reproduce") → tags_final.
  const std::vector<std::string>& tags_for(std::string_view mode) const {
    return mode == "rc" ? tags_rc : tags_final;
  }
  // "compression": "gzip" | "zstd[:LEVEL]" of the layers it builds; unset: gzip's default.
  std::optional<layer::Compression> compression;
  // Where the image's '{' is in ImagesConfig::path, for later located errors.
  int line = 0;
  int column = 0;
  bool context_is_default = false; // context came from ImagesConfig::context (overlays follow it)
};

// A loaded and validated images.json.
struct ImagesConfig {
  std::string path;              // the file, as given
  std::string base_dir;          // its directory, absolute; relative paths resolve against it
  std::string github_repository; // "owner/name"
  BinaryBuild binary;
  std::vector<ReleaseAsset> release_assets;      // default: none
  std::string dockerfile_rc, dockerfile_release; // relative to base_dir
  std::string context;                           // default build context; default "."
  std::vector<ImageSpec> images;                 // in file order; never empty

  // The images named, in file order and without repeats; all images when names is empty.
  // Throws InputError naming every unknown name (with a suggestion when one is close) and
  // listing the known ones.
  std::vector<ImageSpec> select(const std::vector<std::string>& names) const;

  // base_dir joined with a path from this file (context, Dockerfile, working directory),
  // normalised, without a trailing '/'; absolute paths are returned unchanged.
  std::string resolve(const std::string& path_in_config) const;
};

// Reads, parses and validates the file at path. Throws RuntimeError if it cannot be read, and
// InputError "FILE:LINE:COL: what" for malformed JSON, duplicate or unknown keys (suggesting the
// closest known key), wrong types, missing required fields (located at the object's '{'), empty
// strings or strings with control characters, an absolute 'artifact', duplicate image names or
// asset names or asset destinations, a repository that is not "host[:port]/path" without tag or
// digest, a github_repository that is not "owner/name", tag templates with unknown placeholders or
// characters a tag cannot have, and destinations that are absolute or escape the context.
ImagesConfig load_images_config(const std::string& path);

// Applies the overlay file at overlay_path: the same schema with every field optional. Values
// given replace those of config ("binary" and "dockerfiles" field by field, "release_assets" as a
// whole list); "images" entries are matched by "name" (required) and their given fields
// replaced. Relative paths mean what they would mean in config's file (they resolve against
// config.base_dir). A new top-level "context" moves the images that had the default context.
// Throws as load_images_config, located in the overlay; an overlay image whose name is not in
// config is an InputError located at that name.
void apply_overlay(ImagesConfig& config, const std::string& overlay_path);

// Expands {version}, {commit} and {short_commit} (the first 12 characters of commit) in a tag
// template. Throws InputError on an unknown or unclosed placeholder, on {commit}/{short_commit}
// with an empty commit, and when the result is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127},
// e.g. a version "1.0+build").
std::string expand_tag(const std::string& tmpl, const std::string& version,
                       const std::string& commit);

} // namespace rt::release

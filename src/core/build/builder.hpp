#pragma once
// Assembles an image from a Dockerfile and a context without any container
// runtime: the instructions that only change files or config are executed;
// RUN and ONBUILD are refused before anything is written.
#include "layer/compression.hpp"
#include "oci/image.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rt::build {

// Resolves an image reference that is neither a stage nor a named context,
// e.g. a registry image. The registry module provides it; tests may fake it.
using ImageResolver = std::function<oci::Image(const std::string& ref, const oci::Platform&)>;

// Fetches ADD <url> into `dest_file`, checking `checksum` when given; returns
// the file name to use in the image (from the URL or the server).
using UrlFetcher = std::function<std::string(
    const std::string& url, const std::optional<Digest>& checksum, const std::string& dest_file)>;

struct BuildOptions {
  std::string dockerfile; // path to the Dockerfile
  std::string context_dir;
  std::string target;                                          // stage name; empty: the last stage
  std::vector<std::pair<std::string, std::string>> build_args; // later ones win
  oci::Platform platform;                                      // target platform
  // --build-context NAME=oci-layout://DIR[:TAG] | docker-image://REF
  std::map<std::string, std::string> named_contexts;
  int64_t source_date_epoch = 0;  // every mtime and `created`
  layer::Compression compression; // of the layers this build writes
  std::string store_root;         // blob store / cache directory
  // Added to the final image, like `docker build --label` and `--annotation`.
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  ImageResolver resolve_image; // may be empty: then only scratch, stages and named contexts
  UrlFetcher fetch_url;        // may be empty: then ADD <url> is refused
};

// The image a build produced, and facts about it the caller may report.
struct BuildResult {
  oci::Image image;
  std::string base_name;   // the final stage's base image reference, "" for scratch
  std::string base_digest; // its manifest digest, "" when unknown
  std::vector<std::string> unused_build_args;
};

// Throws InputError "Dockerfile:LINE: ..." for bad input (exit 2) and
// RuntimeError for failures while building (exit 1).
BuildResult build_image(const BuildOptions& options);

// What build_image checks before it builds anything, without a context or a
// registry, for several targets at once: the Dockerfile parses, no instruction is
// refused (RUN, ONBUILD, unknown flags), stage names are valid, and each target
// names a stage (or is a stage index). Throws InputError as build_image does;
// RuntimeError when the file cannot be read.
void check_dockerfile(const std::string& dockerfile, const std::vector<std::string>& targets);

} // namespace rt::build

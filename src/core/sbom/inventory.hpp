#pragma once
// What is in an image's final filesystem: its layers applied in order (OCI
// whiteouts honoured), every regular file with its size and SHA-256/SHA-1, and
// the bytes of the files package managers describe themselves in (dpkg status,
// status.d/, node_modules/**/package.json, *.dist-info/METADATA).
#include "oci/image.hpp"

#include <map>
#include <string>

namespace rt::sbom {

struct FileFacts {
  int64_t size = 0;
  Digest sha256;
  std::string sha1_hex;
};

struct Inventory {
  std::map<std::string, FileFacts> files;      // clean path (no leading '/') → facts
  std::map<std::string, std::string> metadata; // clean path → content (package metadata only)
};

// True for paths whose content package parsers read (see packages.hpp).
bool is_package_metadata(std::string_view path);

// Reads every layer of `image` once, streaming. Metadata files over 16 MiB are
// left out (a warning). Throws RuntimeError when a layer cannot be read.
Inventory read_inventory(const oci::Image& image);

} // namespace rt::sbom

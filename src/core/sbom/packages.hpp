#pragma once
// Packages an image describes in its own metadata: Debian packages (dpkg's
// status file and distroless's status.d/), npm packages (node_modules/**/
// package.json) and Python distributions (*.dist-info/METADATA).
#include "sbom/inventory.hpp"

#include <string>
#include <vector>

namespace rt::sbom {

struct Package {
  std::string type; // "deb", "npm", "pypi", "github" (the release binary)
  std::string name;
  std::string version;
  std::string arch;              // deb only
  std::string license;           // an SPDX expression as declared, "" when none or not SPDX
  std::string purl;              // package URL
  std::string supplier;          // "Person: ..." / "Organization: ..." or ""
  std::string download_location; // "" → NOASSERTION
  std::string source_info;
  std::string found_in;           // the metadata file (first one when found twice)
  std::vector<std::string> files; // clean paths of the image's files it contains

  std::string key() const { return type + "/" + name + "@" + version + "/" + arch; }
};

// Every package the inventory's metadata files declare, sorted by key, each
// once. Malformed metadata is skipped with a warning naming the file.
std::vector<Package> find_packages(const Inventory& inventory);

// The release binary (or asset) itself, identified by its digest among the
// image's files.
struct KnownArtifact {
  std::string name; // "lana-cli"
  std::string version;
  std::string repository; // GitHub "owner/name"
  std::string commit;
  Digest digest;
};

// A package for each artifact found in the inventory (by SHA-256), naming the files.
std::vector<Package> find_artifacts(const Inventory& inventory,
                                    const std::vector<KnownArtifact>& artifacts);

// `text` when it reads as an SPDX license expression (ids, WITH/AND/OR,
// parentheses), else "".
std::string spdx_license(std::string_view text);

} // namespace rt::sbom

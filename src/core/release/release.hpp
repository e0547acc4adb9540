#pragma once
// The release commands: `rc` (binary built here), `final --version V` (binary
// from the GitHub Release), `reproduce --version V` (rebuild final from GitHub
// artifacts and compare with the registry).
#include "commands/registry_setup.hpp"

#include <string>
#include <vector>

namespace rt::release {

struct ReleaseOptions {
  std::vector<std::string> configs = {"images.json"}; // the file, then overlays in order
  std::string version;
  bool skip_build = false;                    // rc: use the artifact already in place
  std::vector<std::string> images;            // --image NAME: a subset
  std::vector<std::string> build_arg_flags;   // extra --build-arg (after .env)
  std::vector<std::string> registry_rewrites; // FROM=TO
  std::string output;                         // "oci:DIR" instead of pushing
  std::string digests_file;
  bool allow_unverified = false; // final: accept assets without a checksum
  std::string platform = "linux/amd64";
  std::string cache_dir;
  unsigned threads = 0;
  commands::RegistryFlags registry;
};

// Each returns the process exit code (reproduce: 1 when an image differs);
// errors are thrown as usual.
int run_rc(const ReleaseOptions& options);
int run_final(const ReleaseOptions& options);
int run_reproduce(const ReleaseOptions& options);

} // namespace rt::release

#pragma once
// Reading a .deb (deb(5): an ar archive of debian-binary, control.tar.* and
// data.tar.*, each tar compressed with xz, zstd, gzip or nothing) without
// dpkg and without running any maintainer script.
#include "layer/tar_entry.hpp"

#include <string>
#include <vector>

namespace rt::debian {

struct DebContents {
  std::string control; // control.tar's ./control
  std::string md5sums; // its ./md5sums, or one computed from data.tar when the package has none
  // data.tar's entries, paths cleaned; regular files are staged as new files
  // under the staging directory (their `source`), never at their own paths.
  std::vector<layer::TarEntry> entries;
};

// Unpacks the .deb at `path`. Throws RuntimeError naming `what` when it is not
// a .deb, and when data.tar holds an entry that is absolute, climbs with "..",
// is a device, fifo or socket, or hard links outside itself: nothing is ever
// written outside `staging_dir`, whose files are named by number.
DebContents read_deb(const std::string& path, const std::string& staging_dir,
                     const std::string& what);

} // namespace rt::debian

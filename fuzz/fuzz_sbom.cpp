// Package metadata inside any image (`release-tool sbom IMAGE` reads third-party images): dpkg's
// status file and distroless's status.d records, npm package.json, Python METADATA, and SPDX
// license expressions. Input: four documents separated by NULs.
#include "fuzz_support.hpp"

#include "sbom/packages.hpp"

using namespace rt::sbom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rt::fuzz::quiet_logs();
  auto parts = rt::fuzz::split_parts(data, size, 4);
  Inventory inventory;
  inventory.metadata["var/lib/dpkg/status"] = parts[0];
  inventory.metadata["var/lib/dpkg/status.d/pkg"] = parts[0];
  inventory.metadata["app/node_modules/x/package.json"] = parts[1];
  inventory.metadata["usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA"] = parts[2];
  for (const auto& [path, text] : inventory.metadata)
    inventory.files[path].size = 1;
  rt::fuzz::typed_errors_only([&] {
    for (const auto& p : find_packages(inventory))
      p.key();
  });
  rt::fuzz::typed_errors_only([&] { spdx_license(parts[3]); });
  return 0;
}

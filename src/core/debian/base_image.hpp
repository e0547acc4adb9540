#pragma once
// A distroless-style base: the locked .debs of one architecture, downloaded
// (verified against the lock, cached by digest), their data.tar unpacked into
// one layer beside the dpkg records scanners read (var/lib/dpkg/status.d/<pkg>
// and <pkg>.md5sums, as distroless writes them), the recipe's users, groups,
// directories and files, and CA certificates bundled when ca-certificates is
// in (its postinst never runs). No maintainer script runs.
#include "debian/archive.hpp"
#include "debian/lock.hpp"
#include "debian/recipe.hpp"
#include "layer/blob_store.hpp"
#include "layer/compression.hpp"
#include "oci/descriptor.hpp"
#include "oci/image.hpp"

namespace rt::debian {

struct BaseBuild {
  oci::Platform platform; // its architecture names the lock's package list
  MirrorOptions mirror;
  layer::Compression gzip = layer::Compression::gzip(); // always gzip: bases are for any runtime
  int64_t source_date_epoch = 0;                        // mtime of generated files, and `created`
};

// Builds the image of `recipe` for one platform from `lock` (which must be
// current: recipe_inputs(recipe) == lock.inputs). Throws InputError when the
// lock is stale or lacks the architecture, RuntimeError when a .deb cannot be
// had or does not match the lock (naming the package; no cache entry is
// made from it) or holds something a base may not.
oci::Image build_base(const Recipe& recipe, const Lock& lock, const BaseBuild& build,
                      const layer::BlobStore& cache);

// Debian's name for a platform's architecture: amd64, arm64, armhf (arm/v7),
// armel (arm/v5 and arm/v6), i386 (386), ppc64el (ppc64le), s390x, riscv64.
std::string debian_arch(const oci::Platform& platform);

} // namespace rt::debian

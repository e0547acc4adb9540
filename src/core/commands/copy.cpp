#include "commands/copy.hpp"

#include "commands/assemble.hpp"
#include "util/log.hpp"

namespace rt::commands {

Digest copy(const CopyOptions& o) {
  // Both ends are checked before anything is read or written.
  layout::Destination src = parse_output(o.source);
  layout::Destination dest = parse_output(o.destination);
  oci::Platform platform = oci::Platform::parse(o.platform);
  layer::BlobStore cache(o.cache_dir.empty() ? layer::BlobStore::default_root() : o.cache_dir);
  RegistrySession session(o.registry);
  oci::Image image = read_image(session, src, platform, cache);
  write_image_to(session, image, dest);
  log::info("copied {} to {} ({} blobs uploaded, {} mounted, {} already present)",
            image.digest().str(), dest.str(), session.stats.uploaded.load(),
            session.stats.mounted.load(), session.stats.skipped.load());
  return image.digest();
}

} // namespace rt::commands

#include "commands/copy.hpp"

#include "commands/assemble.hpp"
#include "layout/recompress.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <filesystem>
#include <fmt/format.h>

namespace rt::commands {

namespace {

// A source on disk that is not there is bad input (exit 2), as a missing
// Dockerfile or context is for assemble, not a failure while running.
void require_source(const layout::Destination& src) {
  if (src.kind == layout::Destination::Kind::docker) return;
  bool directory = src.kind == layout::Destination::Kind::oci;
  std::error_code ec;
  auto st = std::filesystem::status(src.path, ec);
  if (!std::filesystem::exists(st))
    throw InputError(fmt::format("source {}: no such file or directory", src.path));
  if (directory != std::filesystem::is_directory(st))
    throw InputError(fmt::format("source {} is {}", src.path,
                                 directory ? "not a directory" : "a directory, not a file"));
}

} // namespace

Digest copy(const CopyOptions& o) {
  // Both ends are checked before anything is read or written.
  layout::Destination src = parse_output(o.source);
  layout::Destination dest = parse_output(o.destination);
  require_source(src);
  std::optional<sign::SigningKey> key;
  if (!o.sign_key.empty()) {
    if (dest.kind != layout::Destination::Kind::docker)
      throw InputError("--sign-key signs images in a registry: the destination is not docker://");
    key = sign::SigningKey::load_with_env_password(o.sign_key);
  }
  std::optional<layer::Compression> compression;
  if (!o.compression.empty()) {
    compression = layer::parse_compression(o.compression);
    compression->threads = o.threads;
    require_archive_can_carry(*compression, dest);
  }
  oci::Platform platform = oci::Platform::parse(o.platform);
  layer::BlobStore cache(o.cache_dir.empty() ? layer::BlobStore::default_root() : o.cache_dir);
  RegistrySession session(o.registry);
  oci::Image image = read_image(session, src, platform, cache);
  if (compression) image = layout::recompress_image(image, *compression, cache);
  write_image_to(session, image, dest, key ? &*key : nullptr);
  if (dest.kind == layout::Destination::Kind::docker)
    log::info("copied {} to {} ({} blobs uploaded, {} mounted, {} already present)",
              image.digest().str(), dest.str(), session.stats.uploaded.load(),
              session.stats.mounted.load(), session.stats.skipped.load());
  else
    log::info("copied {} to {}", image.digest().str(), dest.str());
  return image.digest();
}

} // namespace rt::commands

#include "layer/compression.hpp"

#include "layer/parallel_gzip.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

#include <charconv>
#include <fmt/format.h>
#include <libdeflate.h>
#include <memory>
#include <zstd.h>

namespace rt::layer {

namespace {

constexpr int kGzipMaxLevel = 12; // libdeflate's
constexpr int kZstdMaxLevel = 19; // beyond, zstd's "ultra" levels want windows of 64 MiB+

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// One zstd context per thread, reused: creating one costs more than a small chunk.
ZSTD_CCtx* zstd_context() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> c(ZSTD_createCCtx());
  if (!c) throw RuntimeError("cannot allocate a zstd compressor");
  return c.get();
}

void zstd_set(ZSTD_CCtx* c, ZSTD_cParameter p, int v) {
  size_t rc = ZSTD_CCtx_setParameter(c, p, v);
  if (ZSTD_isError(rc))
    throw RuntimeError(fmt::format("zstd: cannot set a parameter: {}", ZSTD_getErrorName(rc)));
}

// One frame over the chunk. Every parameter that shapes the bytes is set here,
// so a default changed in a later libzstd is not taken silently: the level,
// a content checksum (XXH64, as the zstd CLI writes), the content size in the
// header, one thread (the chunking is ours).
std::vector<char> zstd_frame(const char* data, size_t len, int level) {
  ZSTD_CCtx* c = zstd_context();
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  zstd_set(c, ZSTD_c_compressionLevel, level);
  zstd_set(c, ZSTD_c_checksumFlag, 1);
  zstd_set(c, ZSTD_c_contentSizeFlag, 1);
  zstd_set(c, ZSTD_c_nbWorkers, 0);
  std::vector<char> out(ZSTD_compressBound(len));
  size_t n = ZSTD_compress2(c, out.data(), out.size(), data, len);
  if (ZSTD_isError(n)) throw RuntimeError(fmt::format("zstd failed: {}", ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

} // namespace

std::string_view codec_name(Codec c) {
  return c == Codec::zstd ? "zstd" : "gzip";
}

Compression parse_compression(std::string_view spec, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return InputError(fmt::format("{}: {} (expected gzip, gzip:LEVEL with LEVEL 1-{}, zstd or "
                                  "zstd:LEVEL with LEVEL 1-{})",
                                  what, why, kGzipMaxLevel, kZstdMaxLevel));
  };
  std::string_view name = spec.substr(0, spec.find(':'));
  Compression c;
  if (name == "gzip")
    c = Compression::gzip();
  else if (name == "zstd")
    c = Compression::zstd();
  else
    throw bad(fmt::format("unknown compression '{}'", spec));
  if (name.size() == spec.size()) return c;
  std::string_view level = spec.substr(name.size() + 1);
  int v = 0;
  auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), v);
  int max = c.codec == Codec::zstd ? kZstdMaxLevel : kGzipMaxLevel;
  if (level.empty() || ec != std::errc() || end != level.data() + level.size() || v < 1 || v > max)
    throw bad(fmt::format("bad level '{}' in '{}'", level, spec));
  c.level = v;
  return c;
}

std::string compression_name(const Compression& c) {
  return fmt::format("{}:{}", codec_name(c.codec), c.level);
}

std::string_view layer_media_type(Codec c) {
  return c == Codec::zstd ? oci::kOciLayerZstd : oci::kOciLayerGzip;
}

std::optional<Codec> codec_of_media_type(std::string_view mt) {
  if (oci::is_gzip_layer(mt)) return Codec::gzip;
  if (mt == oci::kOciLayerZstd) return Codec::zstd;
  return std::nullopt;
}

std::string compressor_identity(const Compression& c) {
  std::string chunk = c.chunk_size % (1 << 20) == 0 ? fmt::format("{} MiB", c.chunk_size >> 20)
                                                    : fmt::format("{} bytes", c.chunk_size);
  if (c.codec == Codec::zstd)
    return fmt::format("zstd level {} (libzstd {}, {} frames, zstd-v{})", c.level,
                       ZSTD_versionString(), chunk, kZstdFormatVersion);
  return fmt::format("gzip level {} (libdeflate {}, {} members, gzip-v{})", c.level,
                     LIBDEFLATE_VERSION_STRING, chunk, kGzipFormatVersion);
}

std::vector<char> compress_block(const Compression& c, const char* data, size_t len) {
  if (c.codec == Codec::zstd) return zstd_frame(data, len, c.level);
  return compress_chunk(data, len, c.level);
}

} // namespace rt::layer

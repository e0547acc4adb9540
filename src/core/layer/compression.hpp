#pragma once
// How a layer is compressed: gzip (the default: every registry and runtime
// reads it) or zstd (containerd >= 1.5, podman, skopeo, CRI-O), at a level,
// in fixed-size chunks compressed independently (gzip members, zstd frames)
// so that threads never change the bytes. Parsed from `--compression
// gzip|zstd[:LEVEL]` and images.json's "compression".
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::layer {

enum class Codec { gzip, zstd };

// Bumped whenever the bytes for given options change (they key the layer cache).
// gzip 2: incompressible runs stored (compress_chunk). zstd 1: one frame per chunk.
inline constexpr int kGzipFormatVersion = 2;
inline constexpr int kZstdFormatVersion = 1;

// gzip level 1 (libdeflate): on real binaries half the CPU of level 4 for a
// layer 6% larger, within 3% of umoci's (bench/README.md has the curve).
inline constexpr int kGzipDefaultLevel = 1;
// zstd level 1 on 4 MiB frames: about umoci's gzip size in a quarter of its CPU.
inline constexpr int kZstdDefaultLevel = 1;
inline constexpr size_t kGzipChunk = size_t(1) << 20;
inline constexpr size_t kZstdChunk = size_t(4) << 20;

struct Compression {
  Codec codec = Codec::gzip;
  int level = kGzipDefaultLevel;  // part of the output's identity
  size_t chunk_size = kGzipChunk; // bytes of input per member/frame; ditto
  unsigned threads = 0;           // 0: hardware concurrency; never changes the bytes

  static Compression gzip(int level = kGzipDefaultLevel) {
    return {Codec::gzip, level, kGzipChunk};
  }
  static Compression zstd(int level = kZstdDefaultLevel) {
    return {Codec::zstd, level, kZstdChunk};
  }
};

// "gzip", "gzip:LEVEL" (1-12), "zstd", "zstd:LEVEL" (1-19). Throws InputError
// "WHAT: ..." naming the accepted forms.
Compression parse_compression(std::string_view spec, std::string_view what = "--compression");
// "gzip:1", "zstd:3": what parse_compression reads back.
std::string compression_name(const Compression& c);
std::string_view codec_name(Codec c);

// The OCI layer media type of `c`'s blobs.
std::string_view layer_media_type(Codec c);
// gzip or zstd for a layer media type (OCI or Docker), nothing for a plain tar
// or an unknown type.
std::optional<Codec> codec_of_media_type(std::string_view media_type);

// "gzip level 1 (libdeflate 1.14, 1 MiB members, gzip-v2)": what decides the
// compressed bytes of a layer beside its tar. Another library version gives
// other bytes for the same tar, so --version, the cache key and reproduce name it.
std::string compressor_identity(const Compression& c);

// One chunk as the codec's independent unit(s): gzip members (compress_chunk)
// or one zstd frame. The bytes depend only on the input and `c` (not threads).
std::vector<char> compress_block(const Compression& c, const char* data, size_t len);

} // namespace rt::layer

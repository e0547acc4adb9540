#pragma once
// gzip members for one chunk of a layer, with libdeflate: runs of
// incompressible 4 KiB segments are stored, the rest deflated at the level.
// ParallelCompressSink (parallel_compress.hpp) compresses chunks on threads;
// the members of consecutive chunks form one gzip stream (RFC 1952 §2.2
// allows several members; Go, zlib, libarchive and containerd read them).
#include <cstddef>
#include <vector>

namespace rt::layer {

// Segments of this size are tested for incompressibility, one by one.
inline constexpr size_t kIncompressibleProbe = 4096;

// True when the bytes are so evenly distributed (already-compressed files,
// random data) that deflate cannot shrink them: their order-2 entropy is over
// 7.79 bits a byte. Integer arithmetic only, so the verdict is the same anywhere.
bool looks_incompressible(const unsigned char* data, size_t len);

// One chunk as gzip members, each with a fixed header (no name, mtime 0,
// OS 255): runs of incompressible 4 KiB segments are stored (level 0),
// spending no time on a match search that cannot pay; the rest is compressed
// at `level`. The bytes and the split depend only on the input and level.
std::vector<char> compress_chunk(const char* data, size_t len, int level);

} // namespace rt::layer

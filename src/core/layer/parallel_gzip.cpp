#include "layer/parallel_gzip.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cstring>
#include <libdeflate.h>
#include <memory>

namespace rt::layer {

namespace {
struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, CompressorDeleter>;

libdeflate_compressor* compressor_for(int level) {
  // One compressor per thread and level; allocation is costly (hundreds of KiB).
  thread_local Compressor c;
  thread_local int c_level = -1;
  if (!c || c_level != level) {
    c.reset(libdeflate_alloc_compressor(level));
    if (!c) throw RuntimeError("cannot allocate a deflate compressor");
    c_level = level;
  }
  return c.get();
}

void put_le32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Appends one gzip member to `out`. The member is built in a per-thread buffer
// that is never zero-filled, then copied: only the compressed bytes are touched twice.
void append_member(std::vector<char>& out, const char* data, size_t len, int level) {
  libdeflate_compressor* c = compressor_for(level);
  size_t bound = 10 + libdeflate_deflate_compress_bound(c, len) + 8;
  thread_local std::unique_ptr<char[]> scratch;
  thread_local size_t scratch_size = 0;
  if (scratch_size < bound) {
    scratch.reset(new char[bound]);
    scratch_size = bound;
  }
  char* p = scratch.get();
  // We write the header ourselves rather than use libdeflate_gzip_compress so the
  // bytes are pinned by this file: magic, CM=deflate, no flags, MTIME=0, XFL=0, OS=255.
  const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  std::memcpy(p, header, 10);
  size_t n = libdeflate_deflate_compress(c, data, len, p + 10, bound - 18);
  if (n == 0) throw RuntimeError("deflate failed");
  put_le32(p + 10 + n, libdeflate_crc32(0, data, len));
  put_le32(p + 14 + n, static_cast<uint32_t>(len));
  out.insert(out.end(), p, p + 10 + n + 8);
}
} // namespace

bool looks_incompressible(const unsigned char* data, size_t len) {
  // Integer arithmetic only: the verdict is part of the output's identity, so no
  // floating point (libm may round differently on another machine).
  uint32_t counts[4][256] = {};
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    ++counts[0][data[i]];
    ++counts[1][data[i + 1]];
    ++counts[2][data[i + 2]];
    ++counts[3][data[i + 3]];
  }
  for (; i < len; ++i)
    ++counts[0][data[i]];
  uint64_t sum_sq = 0;
  for (int b = 0; b < 256; ++b) {
    uint64_t c = uint64_t(counts[0][b]) + counts[1][b] + counts[2][b] + counts[3][b];
    sum_sq += c * c;
  }
  // 256 * sum(c^2) / n^2 is 1 for perfectly flat bytes, 1 + 255/n on average for
  // random ones (1.06 for 4 KiB, sd 0.006), 5 or more for code and 15 for text.
  // At or under 1.15 the order-2 entropy is over 7.79 bits a byte: Huffman coding
  // could save under 3%, and libdeflate would emit stored blocks anyway.
  const uint64_t n = len;
  return 256 * 20 * sum_sq <= 23 * n * n;
}

std::vector<char> compress_chunk(const char* data, size_t len, int level) {
  std::vector<char> out;
  out.reserve(len / 2 + 64);
  if (len == 0) {
    append_member(out, data, 0, level);
    return out;
  }
  auto flat = [&](size_t pos) {
    return looks_incompressible(reinterpret_cast<const unsigned char*>(data) + pos,
                                std::min(kIncompressibleProbe, len - pos));
  };
  // One member per run of segments with the same verdict: level 0 (stored blocks)
  // for incompressible runs, `level` for the others.
  size_t start = 0;
  bool run_flat = flat(0);
  for (size_t pos = kIncompressibleProbe; pos <= len; pos += kIncompressibleProbe) {
    bool next = pos < len && flat(pos);
    if (pos < len && next == run_flat) continue;
    size_t end = std::min(pos, len);
    append_member(out, data + start, end - start, run_flat ? 0 : level);
    start = end;
    run_flat = next;
  }
  if (start < len) append_member(out, data + start, len - start, run_flat ? 0 : level);
  return out;
}

} // namespace rt::layer

#pragma once
// A gzip compressor that splits its input into fixed-size chunks, compresses
// them on a small thread pool with libdeflate, and writes them in order as
// consecutive gzip members (RFC 1952 §2.2 allows several; Go, zlib, libarchive
// and containerd all read them). Chunk boundaries depend only on the input,
// never on the thread count, so the bytes are identical for any `threads`.
// Within a chunk, incompressible runs become stored members (compress_chunk).
#include "util/io.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rt::layer {

// Bumped whenever the bytes for given options change (it keys the layer cache).
// 2: incompressible runs stored (compress_chunk).
inline constexpr int kGzipFormatVersion = 2;

// "libdeflate 1.14, level 4, gzip-v2": what decides the compressed bytes of a
// layer beside its tar. Another libdeflate version gives other bytes for the
// same tar, so --version and reproduce name it.
std::string compressor_identity(int level);

struct GzipOptions {
  int level = 4;               // libdeflate level; part of the output's identity
  size_t chunk_size = 1 << 20; // bytes of input per gzip member; ditto
  unsigned threads = 0;        // 0: hardware concurrency; never changes the bytes
};

class ParallelGzipSink : public ByteSink {
public:
  // Compressed bytes go to `out`, in order; `plain`, if given, gets the input
  // bytes, in order (e.g. to hash them). With several threads both are written
  // from one writer thread, so that hashing and writing overlap compression;
  // neither needs to be thread-safe, and neither is touched after finish().
  ParallelGzipSink(ByteSink& out, GzipOptions options, ByteSink* plain = nullptr);
  ~ParallelGzipSink() override;
  ParallelGzipSink(const ParallelGzipSink&) = delete;
  ParallelGzipSink& operator=(const ParallelGzipSink&) = delete;

  void write(const char* buf, size_t len) override;
  // Compresses what is buffered and waits for every member to be written.
  // Rethrows the first error of a worker or of `out`/`plain`.
  void finish();

private:
  struct Job {
    uint64_t seq = 0;
    std::vector<char> raw;
    std::vector<char> gz;
  };
  void submit_chunk();
  void worker();
  void writer();

  ByteSink& out_;
  ByteSink* plain_;
  GzipOptions options_;
  std::vector<char> pending_;
  uint64_t next_seq_ = 0;      // guarded by mu_
  uint64_t next_to_write_ = 0; // guarded by mu_
  bool any_member_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::map<uint64_t, Job> done_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread writer_;
};

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

#pragma once
// A compressor that splits its input into fixed-size chunks, compresses them
// on a small thread pool (gzip members with libdeflate, or zstd frames), and
// writes them in order. Chunk boundaries depend only on the input and the
// chunk size, never on the thread count, so the bytes are identical for any
// `threads`: consecutive gzip members are one gzip stream, consecutive zstd
// frames one zstd stream (both formats allow it, and every reader reads them).
#include "layer/compression.hpp"
#include "util/io.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace rt::layer {

class ParallelCompressSink : public ByteSink {
public:
  // Compressed bytes go to `out`, in order; `plain`, if given, gets the input
  // bytes, in order (e.g. to hash them). With several threads both are written
  // from one writer thread, so that hashing and writing overlap compression;
  // neither needs to be thread-safe, and neither is touched after finish().
  ParallelCompressSink(ByteSink& out, Compression options, ByteSink* plain = nullptr);
  ~ParallelCompressSink() override;
  ParallelCompressSink(const ParallelCompressSink&) = delete;
  ParallelCompressSink& operator=(const ParallelCompressSink&) = delete;

  void write(const char* buf, size_t len) override;
  // Compresses what is buffered and waits for every chunk to be written.
  // Rethrows the first error of a worker or of `out`/`plain`.
  void finish();

private:
  struct Job {
    uint64_t seq = 0;
    std::vector<char> raw;
    std::vector<char> packed; // the compressed chunk
  };
  void submit_chunk();
  void worker();
  void writer();

  ByteSink& out_;
  ByteSink* plain_;
  Compression options_;
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

} // namespace rt::layer

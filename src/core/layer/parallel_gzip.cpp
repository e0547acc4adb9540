#include "layer/parallel_gzip.hpp"

#include "util/error.hpp"

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
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
} // namespace

std::vector<char> gzip_member(const char* data, size_t len, int level) {
  libdeflate_compressor* c = compressor_for(level);
  size_t bound = libdeflate_deflate_compress_bound(c, len);
  std::vector<char> out(10 + bound + 8);
  // We write the header ourselves rather than use libdeflate_gzip_compress so the
  // bytes are pinned by this file: magic, CM=deflate, no flags, MTIME=0, XFL=0, OS=255.
  const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  std::memcpy(out.data(), header, 10);
  size_t n = libdeflate_deflate_compress(c, data, len, out.data() + 10, bound);
  if (n == 0) throw RuntimeError("deflate failed");
  put_le32(out.data() + 10 + n, libdeflate_crc32(0, data, len));
  put_le32(out.data() + 14 + n, static_cast<uint32_t>(len));
  out.resize(10 + n + 8);
  return out;
}

ParallelGzipSink::ParallelGzipSink(ByteSink& out, GzipOptions options)
    : out_(out), options_(options) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  pending_.reserve(options_.chunk_size);
  if (options_.threads > 1)
    for (unsigned i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { worker(); });
}

ParallelGzipSink::~ParallelGzipSink() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ParallelGzipSink::write(const char* buf, size_t len) {
  while (len > 0) {
    size_t take = std::min(len, options_.chunk_size - pending_.size());
    pending_.insert(pending_.end(), buf, buf + take);
    buf += take;
    len -= take;
    if (pending_.size() == options_.chunk_size) submit_chunk();
  }
}

void ParallelGzipSink::submit_chunk() {
  any_member_ = true;
  if (workers_.empty()) {
    auto member = gzip_member(pending_.data(), pending_.size(), options_.level);
    out_.write(member.data(), member.size());
    pending_.clear();
    return;
  }
  // Bound the memory in flight: at most two chunks per worker not yet written.
  // While waiting, write whatever finished in order, or we could wait forever.
  const uint64_t limit = 2 * workers_.size();
  for (;;) {
    drain(false);
    std::unique_lock lock(mu_);
    if (next_seq_ - next_to_write_ < limit) break;
    cv_.wait(lock, [&] { return error_ || done_.count(next_to_write_) > 0; });
  }
  std::vector<char> chunk;
  chunk.reserve(options_.chunk_size);
  chunk.swap(pending_);
  {
    std::lock_guard lock(mu_);
    jobs_.emplace_back(next_seq_++, std::move(chunk));
  }
  cv_.notify_all();
}

void ParallelGzipSink::drain(bool wait_all) {
  for (;;) {
    std::vector<char> member;
    {
      std::unique_lock lock(mu_);
      if (wait_all)
        cv_.wait(lock, [&] { return error_ || done_.count(next_to_write_) || next_to_write_ == next_seq_; });
      if (error_) std::rethrow_exception(error_);
      auto it = done_.find(next_to_write_);
      if (it == done_.end()) return;
      member = std::move(it->second);
      done_.erase(it);
      ++next_to_write_;
    }
    cv_.notify_all();
    // Written outside the lock, on the caller's thread: the sink need not be thread-safe.
    out_.write(member.data(), member.size());
  }
}

void ParallelGzipSink::worker() {
  for (;;) {
    std::pair<uint64_t, std::vector<char>> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      auto member = gzip_member(job.second.data(), job.second.size(), options_.level);
      std::lock_guard lock(mu_);
      done_.emplace(job.first, std::move(member));
    } catch (...) {
      std::lock_guard lock(mu_);
      error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

void ParallelGzipSink::finish() {
  // An empty input still needs one (empty) member to be a valid gzip stream.
  if (!pending_.empty() || !any_member_) submit_chunk();
  if (!workers_.empty())
    while (next_to_write_ < next_seq_) drain(true);
}

} // namespace rt::layer

#include "layer/parallel_compress.hpp"

#include <algorithm>

namespace rt::layer {

ParallelCompressSink::ParallelCompressSink(ByteSink& out, Compression options, ByteSink* plain)
    : out_(out), plain_(plain), options_(options) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  pending_.reserve(options_.chunk_size);
  if (options_.threads > 1) {
    for (unsigned i = 0; i < options_.threads; ++i)
      workers_.emplace_back([this] { worker(); });
    writer_ = std::thread([this] { writer(); });
  }
}

ParallelCompressSink::~ParallelCompressSink() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    t.join();
  if (writer_.joinable()) writer_.join();
}

void ParallelCompressSink::write(const char* buf, size_t len) {
  while (len > 0) {
    size_t take = std::min(len, options_.chunk_size - pending_.size());
    pending_.insert(pending_.end(), buf, buf + take);
    buf += take;
    len -= take;
    if (pending_.size() == options_.chunk_size) submit_chunk();
  }
}

void ParallelCompressSink::submit_chunk() {
  any_member_ = true;
  if (workers_.empty()) {
    auto member = compress_block(options_, pending_.data(), pending_.size());
    if (plain_) plain_->write(pending_.data(), pending_.size());
    out_.write(member.data(), member.size());
    pending_.clear();
    return;
  }
  Job job{0, {}, {}};
  job.raw.reserve(options_.chunk_size);
  job.raw.swap(pending_);
  {
    // Bound the memory in flight: at most two chunks per worker not yet written.
    std::unique_lock lock(mu_);
    const uint64_t limit = 2 * workers_.size();
    cv_.wait(lock, [&] { return error_ || next_seq_ - next_to_write_ < limit; });
    if (error_) std::rethrow_exception(error_);
    job.seq = next_seq_++;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void ParallelCompressSink::worker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job.packed = compress_block(options_, job.raw.data(), job.raw.size());
      std::lock_guard lock(mu_);
      done_.emplace(job.seq, std::move(job));
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

void ParallelCompressSink::writer() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || error_ || done_.count(next_to_write_) > 0; });
      if (stopping_ || error_) return;
      auto it = done_.find(next_to_write_);
      job = std::move(it->second);
      done_.erase(it);
    }
    // Outside the lock: the workers go on compressing while this thread hashes and writes.
    try {
      if (plain_) plain_->write(job.raw.data(), job.raw.size());
      out_.write(job.packed.data(), job.packed.size());
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!error_) error_ = std::current_exception();
      cv_.notify_all();
      return;
    }
    {
      std::lock_guard lock(mu_);
      ++next_to_write_;
    }
    cv_.notify_all();
  }
}

void ParallelCompressSink::finish() {
  // An empty input still needs one (empty) member or frame to be a valid stream.
  if (!pending_.empty() || !any_member_) submit_chunk();
  if (workers_.empty()) return;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return error_ || next_to_write_ == next_seq_; });
  if (error_) std::rethrow_exception(error_);
}

} // namespace rt::layer

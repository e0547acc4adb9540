#include "util/io.hpp"

#include "util/error.hpp"

#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace rt {

VerifyingSource::VerifyingSource(std::unique_ptr<ByteSource> inner, Digest expected,
                                 int64_t expected_size, std::string what)
    : inner_(std::move(inner)), expected_(std::move(expected)), expected_size_(expected_size),
      what_(std::move(what)) {}

size_t VerifyingSource::read(char* buf, size_t len) {
  if (done_) return 0;
  size_t n = inner_->read(buf, len);
  if (n > 0) {
    hash_.update(buf, n);
    seen_ += static_cast<int64_t>(n);
    if (expected_size_ >= 0 && seen_ > expected_size_)
      throw RuntimeError(fmt::format("{}: more than the expected {} bytes", what_, expected_size_));
    return n;
  }
  done_ = true;
  if (expected_size_ >= 0 && seen_ != expected_size_)
    throw RuntimeError(
        fmt::format("{}: got {} bytes, expected {}", what_, seen_, expected_size_));
  Digest got = hash_.finish();
  if (got != expected_)
    throw RuntimeError(
        fmt::format("{}: digest mismatch: got {}, expected {}", what_, got.str(), expected_.str()));
  return 0;
}

size_t StringSource::read(char* buf, size_t len) {
  size_t n = std::min(len, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

int64_t copy_stream(ByteSource& from, ByteSink& to) {
  std::vector<char> buf(1 << 17);
  int64_t total = 0;
  while (size_t n = from.read(buf.data(), buf.size())) {
    to.write(buf.data(), n);
    total += static_cast<int64_t>(n);
  }
  return total;
}

} // namespace rt

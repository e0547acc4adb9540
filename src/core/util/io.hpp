#pragma once
// Byte streams: everything large (layers, blobs, downloads) moves through these,
// never as a whole in memory.
#include "util/sha256.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace rt {

// A readable stream. read() returns 0 only at end of stream; throws on failure.
class ByteSource {
public:
  virtual ~ByteSource() = default;
  virtual size_t read(char* buf, size_t len) = 0;
};

// A writable stream. write() writes everything or throws.
class ByteSink {
public:
  virtual ~ByteSink() = default;
  virtual void write(const char* buf, size_t len) = 0;
};

// Feeds every byte to `hash` (a diff_id, a digest) and nowhere else.
class HashSink : public ByteSink {
public:
  void write(const char* buf, size_t len) override { hash.update(buf, len); }
  Sha256 hash;
};

// Writes every byte to `a`, then to `b`.
class TeeSink : public ByteSink {
public:
  TeeSink(ByteSink& a, ByteSink& b) : a_(a), b_(b) {}
  void write(const char* buf, size_t len) override {
    a_.write(buf, len);
    b_.write(buf, len);
  }

private:
  ByteSink& a_;
  ByteSink& b_;
};

// Wraps a source and fails at end of stream if the bytes read do not have the
// expected size (when >= 0) and digest. Every byte from outside passes one.
class VerifyingSource : public ByteSource {
public:
  VerifyingSource(std::unique_ptr<ByteSource> inner, Digest expected, int64_t expected_size,
                  std::string what);
  size_t read(char* buf, size_t len) override;

private:
  std::unique_ptr<ByteSource> inner_;
  Digest expected_;
  int64_t expected_size_;
  std::string what_;
  Sha256 hash_;
  int64_t seen_ = 0;
  bool done_ = false;
};

// A source over an in-memory string (small things: configs, manifests).
class StringSource : public ByteSource {
public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  size_t read(char* buf, size_t len) override;

private:
  std::string data_;
  size_t pos_ = 0;
};

// Copies all of `from` into `to`; returns the number of bytes copied.
int64_t copy_stream(ByteSource& from, ByteSink& to);

} // namespace rt

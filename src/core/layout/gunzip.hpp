#pragma once
// A streaming gzip decoder for layers from outside: any number of concatenated
// members (RFC 1952 §2.2), as our own ParallelCompressSink and pigz write them.
// Used to check a compressed layer's diff_id while it is being copied.
#include "util/io.hpp"

#include <memory>
#include <vector>

namespace rt::layout {

// A sink that inflates what it is given and writes the result to `out`.
class GunzipSink : public ByteSink {
public:
  // `what` names the stream in error messages.
  GunzipSink(ByteSink& out, std::string what);
  ~GunzipSink() override;
  GunzipSink(const GunzipSink&) = delete;
  GunzipSink& operator=(const GunzipSink&) = delete;

  // Throws RuntimeError if the bytes are not gzip, or on bytes after the last
  // member that do not start a new one.
  void write(const char* buf, size_t len) override;
  // Throws RuntimeError if the input was empty or ended inside a member.
  void finish();

private:
  struct Stream;
  std::unique_ptr<Stream> z_;
  ByteSink& out_;
  std::string what_;
  std::vector<char> buf_;
  bool in_member_ = false;
  bool any_member_ = false;
};

// True if `data` starts with the gzip magic bytes.
bool looks_gzipped(const char* data, size_t len);

} // namespace rt::layout

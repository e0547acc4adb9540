#pragma once
// A streaming zstd decoder: any number of concatenated frames, as our own
// ParallelCompressSink and `zstd -T` write them. Used to recompress a zstd
// layer (copy --compression gzip) and check its diff_id on the way.
#include "util/io.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rt::layout {

class UnzstdSink : public ByteSink {
public:
  // `what` names the stream in error messages.
  UnzstdSink(ByteSink& out, std::string what);
  ~UnzstdSink() override;
  UnzstdSink(const UnzstdSink&) = delete;
  UnzstdSink& operator=(const UnzstdSink&) = delete;

  // Throws RuntimeError if the bytes are not zstd. Windows over 128 MiB are
  // refused (zstd's default limit), so memory stays bounded.
  void write(const char* buf, size_t len) override;
  // Throws RuntimeError if the input was empty or ended inside a frame.
  void finish();

private:
  struct Stream;
  std::unique_ptr<Stream> z_;
  ByteSink& out_;
  std::string what_;
  std::vector<char> buf_;
  bool in_frame_ = false;
  bool any_input_ = false;
};

} // namespace rt::layout

#include "layout/unzstd.hpp"

#include "util/error.hpp"

#include <fmt/format.h>
#include <zstd.h>

namespace rt::layout {

struct UnzstdSink::Stream {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Stream() { ZSTD_freeDCtx(d); }
};

UnzstdSink::UnzstdSink(ByteSink& out, std::string what)
    : z_(std::make_unique<Stream>()), out_(out), what_(std::move(what)),
      buf_(ZSTD_DStreamOutSize()) {
  if (!z_->d) throw RuntimeError("cannot initialise a zstd decoder");
}

UnzstdSink::~UnzstdSink() = default;

void UnzstdSink::write(const char* buf, size_t len) {
  if (len > 0) any_input_ = true;
  ZSTD_inBuffer in{buf, len, 0};
  // Loop while there is input, or while the last call filled the buffer
  // (the decoder may hold more output for the same input).
  bool more_output = false;
  while (in.pos < in.size || more_output) {
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    size_t before = in.pos;
    size_t rc = ZSTD_decompressStream(z_->d, &out, &in);
    if (ZSTD_isError(rc))
      throw RuntimeError(fmt::format("{}: not valid zstd data: {}", what_, ZSTD_getErrorName(rc)));
    if (out.pos > 0) out_.write(buf_.data(), out.pos);
    more_output = out.pos == out.size;
    // 0: a frame just ended (the next bytes may start another). A call that
    // neither read nor wrote (the check after a frame ended on a full buffer)
    // answers with the next frame header's size: it says nothing about this one.
    if (in.pos != before || out.pos > 0) in_frame_ = rc != 0;
  }
}

void UnzstdSink::finish() {
  if (in_frame_ || !any_input_)
    throw RuntimeError(fmt::format("{}: zstd data ends early (truncated)", what_));
}

} // namespace rt::layout

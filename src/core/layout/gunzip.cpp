#include "layout/gunzip.hpp"

#include "util/error.hpp"

#include <fmt/format.h>
#include <zlib.h>

namespace rt::layout {

struct GunzipSink::Stream {
  z_stream zs{};
};

GunzipSink::GunzipSink(ByteSink& out, std::string what)
    : z_(std::make_unique<Stream>()), out_(out), what_(std::move(what)), buf_(1 << 17) {
  // 16 + MAX_WBITS: gzip wrapper only; a zlib or raw deflate stream is an error.
  if (inflateInit2(&z_->zs, 16 + MAX_WBITS) != Z_OK)
    throw RuntimeError("cannot initialise a gzip decoder");
}

GunzipSink::~GunzipSink() {
  inflateEnd(&z_->zs);
}

void GunzipSink::write(const char* buf, size_t len) {
  z_stream& zs = z_->zs;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(buf));
  zs.avail_in = static_cast<uInt>(len);
  // Loop while there is input, or while the last call filled the buffer (zlib
  // may hold more output for the same input).
  bool more_output = false;
  while (zs.avail_in > 0 || more_output) {
    if (!in_member_) {
      // A new member starts here: zlib needs a reset after Z_STREAM_END, and
      // without it would stop at the first member, as `gzip -d` does not.
      if (inflateReset(&zs) != Z_OK) throw RuntimeError(what_ + ": gzip decoder reset failed");
      in_member_ = true;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buf_.data());
    zs.avail_out = static_cast<uInt>(buf_.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = buf_.size() - zs.avail_out;
    if (produced > 0) out_.write(buf_.data(), produced);
    more_output = zs.avail_out == 0;
    if (rc == Z_STREAM_END) {
      in_member_ = false;
      any_member_ = true;
      more_output = false;
    } else if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      break; // needs more input
    } else if (rc != Z_OK) {
      throw RuntimeError(
          fmt::format("{}: not valid gzip data: {}", what_, zs.msg ? zs.msg : "inflate error"));
    }
  }
}

void GunzipSink::finish() {
  if (in_member_ || !any_member_)
    throw RuntimeError(fmt::format("{}: gzip data ends early (truncated)", what_));
}

bool looks_gzipped(const char* data, size_t len) {
  return len >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

} // namespace rt::layout

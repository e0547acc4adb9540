// --compression values, zstd chunks and the zstd decoder (gzip's own tests are
// in test_parallel_gzip.cpp).
#include "layer/compression.hpp"
#include "layer/parallel_compress.hpp"
#include "layout/unzstd.hpp"
#include "string_sink.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using namespace rt;
using rt::test::StringSink;
using namespace rt::layer;

namespace {
std::string sample(size_t n) {
  std::mt19937 rng(7);
  std::string s;
  while (s.size() < n) {
    if (rng() % 3 == 0)
      for (int i = 0; i < 5000; ++i)
        s += static_cast<char>(rng() & 0xff);
    else
      s += "line " + std::to_string(rng() % 1000) + " of some text\n";
  }
  s.resize(n);
  return s;
}

std::string compress(const std::string& in, Compression c, unsigned threads) {
  c.threads = threads;
  StringSink out;
  ParallelCompressSink sink(out, c);
  for (size_t pos = 0; pos < in.size(); pos += 70001)
    sink.write(in.data() + pos, std::min<size_t>(70001, in.size() - pos));
  sink.finish();
  return out.data;
}

std::string unzstd(const std::string& z, size_t step) {
  StringSink out;
  layout::UnzstdSink d(out, "test");
  for (size_t i = 0; i < z.size(); i += step)
    d.write(z.data() + i, std::min(step, z.size() - i));
  d.finish();
  return out.data;
}
} // namespace

TEST_CASE("parse_compression", "[compression]") {
  CHECK(parse_compression("gzip").codec == Codec::gzip);
  CHECK(parse_compression("gzip").level == kGzipDefaultLevel);
  CHECK(parse_compression("gzip:9").level == 9);
  auto z = parse_compression("zstd");
  CHECK(z.codec == Codec::zstd);
  CHECK(z.level == kZstdDefaultLevel);
  CHECK(z.chunk_size == kZstdChunk);
  CHECK(parse_compression("zstd:19").level == 19);
  CHECK(compression_name(parse_compression("zstd:7")) == "zstd:7");
  for (const char* bad : {"", "zip", "gzip:", "gzip:0", "gzip:13", "zstd:20", "zstd:-1", "zstd:1x",
                          "ZSTD", "zstd:3:4"})
    CHECK_THROWS_AS(parse_compression(bad), InputError);
  CHECK_THROWS_WITH(parse_compression("lz4", "images.json"),
                    Catch::StartsWith("images.json: unknown compression 'lz4'"));
  CHECK(codec_of_media_type("application/vnd.oci.image.layer.v1.tar+zstd") == Codec::zstd);
  CHECK(codec_of_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip") == Codec::gzip);
  CHECK(!codec_of_media_type("application/vnd.oci.image.layer.v1.tar"));
}

TEST_CASE("ParallelCompressSink (zstd): the same frames for any thread count", "[compression]") {
  std::string in = sample(9 << 20); // three 4 MiB frames
  Compression z = Compression::zstd();
  auto one = compress(in, z, 1);
  for (unsigned threads : {2u, 8u})
    CHECK(compress(in, z, threads) == one);
  CHECK(unzstd(one, one.size()) == in);
  CHECK(unzstd(one, 4097) == in);
  // The level and the chunk size are part of the output; the threads are not.
  CHECK(compress(in, Compression::zstd(3), 2) != one);
  Compression small = z;
  small.chunk_size = 1 << 20;
  CHECK(compress(in, small, 2) != one);
  CHECK(compressor_identity(z).find("zstd level 1 (libzstd ") == 0);
  CHECK(compressor_identity(z) != compressor_identity(small));
}

TEST_CASE("UnzstdSink: empty input, truncation and garbage fail", "[compression]") {
  auto empty = compress("", Compression::zstd(), 1);
  CHECK(unzstd(empty, 1).empty()); // one empty frame: a valid stream
  std::string in = sample(100000);
  auto z = compress(in, Compression::zstd(), 1);
  CHECK_THROWS_WITH(unzstd(z.substr(0, z.size() - 3), 1000), Catch::Contains("ends early"));
  CHECK_THROWS_WITH(unzstd("", 10), Catch::Contains("ends early"));
  CHECK_THROWS_WITH(unzstd("not zstd at all", 10), Catch::Contains("not valid zstd data"));
}

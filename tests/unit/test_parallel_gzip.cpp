#include "layer/parallel_compress.hpp"
#include "layer/parallel_gzip.hpp"
#include "string_sink.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <zlib.h>

using namespace rt;
using rt::test::StringSink;
using namespace rt::layer;

namespace {
// Every member of a multi-member gzip stream, inflated with zlib.
std::string gunzip_all(const std::string& gz, int* members = nullptr) {
  std::string out;
  size_t pos = 0;
  int count = 0;
  while (pos < gz.size()) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + pos));
    z.avail_in = static_cast<uInt>(gz.size() - pos);
    char buf[65536];
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
      out.append(buf, sizeof buf - z.avail_out);
    } while (rc != Z_STREAM_END);
    pos = gz.size() - z.avail_in;
    inflateEnd(&z);
    ++count;
  }
  if (members) *members = count;
  return out;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string text(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i)
    s += "line " + std::to_string(i % 97) + " of some text\n";
  s.resize(n);
  return s;
}

std::string compress(const std::string& in, unsigned threads, size_t chunk = 1 << 20) {
  StringSink out;
  ParallelCompressSink gz(out, {Codec::gzip, 6, chunk, threads});
  gz.write(in.data(), in.size());
  gz.finish();
  return out.data;
}

bool flat(const std::string& s) {
  return looks_incompressible(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}
} // namespace

TEST_CASE("looks_incompressible tells random bytes from text and code", "[gzip]") {
  for (unsigned seed = 1; seed <= 50; ++seed)
    CHECK(flat(random_bytes(kIncompressibleProbe, seed)));
  CHECK_FALSE(flat(text(kIncompressibleProbe)));
  CHECK_FALSE(flat(std::string(kIncompressibleProbe, '\0')));
  // Half random, half text: compressible enough to be worth a search.
  CHECK_FALSE(flat(random_bytes(2048, 7) + text(2048)));
}

TEST_CASE("compress_chunk stores incompressible runs and compresses the rest", "[gzip]") {
  SECTION("random bytes are stored: one member, barely larger than the input") {
    auto in = random_bytes(1 << 20, 3);
    auto gz = compress_chunk(in.data(), in.size(), 6);
    std::string s(gz.begin(), gz.end());
    int members = 0;
    CHECK(gunzip_all(s, &members) == in);
    CHECK(members == 1);
    CHECK(s.size() < in.size() + in.size() / 100);
  }
  SECTION("text, random, text: three members, the text ones compressed") {
    auto in = text(64 << 10) + random_bytes(64 << 10, 4) + text(64 << 10);
    auto gz = compress_chunk(in.data(), in.size(), 6);
    std::string s(gz.begin(), gz.end());
    int members = 0;
    CHECK(gunzip_all(s, &members) == in);
    CHECK(members == 3);
    CHECK(s.size() < (64 << 10) + (16 << 10));
  }
  SECTION("a length that is not a multiple of the probe, and the empty input") {
    auto in = random_bytes(10000, 5) + text(5000);
    auto gz = compress_chunk(in.data(), in.size(), 6);
    CHECK(gunzip_all(std::string(gz.begin(), gz.end())) == in);
    auto empty = compress_chunk("", 0, 6);
    CHECK(gunzip_all(std::string(empty.begin(), empty.end())).empty());
  }
}

TEST_CASE("ParallelCompressSink (gzip): the same bytes for any thread count", "[gzip]") {
  std::string in;
  for (unsigned i = 0; i < 12; ++i)
    in += (i % 3 == 1) ? random_bytes(100000 + i, i) : text(150000 + 7 * i);
  auto one = compress(in, 1, 256 << 10);
  CHECK(gunzip_all(one) == in);
  for (unsigned threads : {2u, 3u, 8u})
    CHECK(compress(in, threads, 256 << 10) == one);
  // The chunk size is part of the output's identity; the thread count is not.
  CHECK(compress(in, 2, 128 << 10) != one);
}

TEST_CASE("ParallelCompressSink (gzip): the plain sink sees the input in order", "[gzip]") {
  std::string in = text(700000) + random_bytes(300000, 9) + text(123457);
  for (unsigned threads : {1u, 3u}) {
    StringSink out, plain;
    ParallelCompressSink gz(out, {Codec::gzip, 4, 64 << 10, threads}, &plain);
    for (size_t pos = 0; pos < in.size(); pos += 10007)
      gz.write(in.data() + pos, std::min<size_t>(10007, in.size() - pos));
    gz.finish();
    CHECK(plain.data == in);
    CHECK(gunzip_all(out.data) == in);
  }
}

TEST_CASE("ParallelCompressSink (gzip): a failing output surfaces in write or finish", "[gzip]") {
  class FailingSink : public ByteSink {
  public:
    size_t left = 3;
    void write(const char*, size_t) override {
      if (left-- == 0) throw RuntimeError("disk full");
    }
  };
  std::string in = text(2 << 20);
  for (unsigned threads : {1u, 2u}) {
    FailingSink out;
    auto run = [&] {
      ParallelCompressSink gz(out, {Codec::gzip, 4, 64 << 10, threads});
      gz.write(in.data(), in.size());
      gz.finish();
    };
    CHECK_THROWS_WITH(run(), "disk full");
  }
}

// Tar archives from outside (ADD of a local archive; base layers are read the same way): plain,
// gzip, bzip2, xz or zstd. The bytes are read entry by entry with read_tar; when they are a
// readable archive of modest size, they are also ADDed by the builder ("ADD t.tar /dst/"), and
// the layer that build wrote must read back: a layer we write and cannot read is a finding.
#include "build_fixture.hpp"

#include "layer/tar_reader.hpp"

#include <cstdio>

namespace {

constexpr size_t kMaxEntries = 512;
constexpr int64_t kMaxData = 4 << 20; // past this the build step is skipped (bombs)

// Reads the archive as the builder will; returns false when it should not be built.
bool read_archive(const std::string& bytes) {
  rt::StringSource src(bytes);
  size_t entries = 0;
  int64_t data = 0;
  rt::layer::read_tar(
      src,
      [&](const rt::layer::TarEntry& e, rt::layer::EntryData& d) {
        ++entries;
        char buf[4096];
        while (size_t n = d.read(buf, sizeof buf)) {
          data += static_cast<int64_t>(n);
          if (data > kMaxData) return;
        }
      },
      "t.tar");
  return entries <= kMaxEntries && data <= kMaxData;
}

void read_back(const rt::oci::Image& image) {
  for (const auto& layer : image.layers) {
    auto blob = layer->open();
    rt::layer::read_tar(
        *blob, [](const rt::layer::TarEntry&, rt::layer::EntryData& d) { d.digest(); },
        "the layer ADD wrote");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rt::fuzz::BuildFixture fixture;
  rt::fuzz::quiet_logs();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  bool build = false;
  rt::fuzz::typed_errors_only([&] { build = read_archive(bytes); });
  if (!build) return 0;
  rt::fuzz::write_file(fixture.context_dir() + "/in.tar", bytes);
  std::optional<rt::oci::Image> image;
  rt::fuzz::typed_errors_only(
      [&] { image = fixture.build("FROM scratch\nADD in.tar /dst/\n").image; });
  if (!image) return 0;
  try {
    read_back(*image);
  } catch (const rt::Error& e) {
    std::fprintf(stderr, "fuzz: the layer written from this archive cannot be read: %s\n",
                 e.what());
    std::abort();
  }
  return 0;
}

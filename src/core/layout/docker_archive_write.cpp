// Writing docker-archive: (see docker_archive.hpp for the format).
#include "layout/destination.hpp"
#include "layout/docker_archive.hpp"
#include "layout/output_set.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <set>

namespace rt::layout {

namespace {

using nlohmann::json;

std::string archive_error(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown error";
}

struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

// A tar stream into a ByteSink, one member at a time. libarchive calls back
// into C, so a sink's exception is parked and rethrown after the call.
class TarWriter {
public:
  explicit TarWriter(ByteSink& out) : a_(archive_write_new()), out_(out) {
    // pax only where ustar cannot say it (sizes over 8 GiB); Go's archive/tar,
    // which docker load uses, reads both.
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);
    check(archive_write_open(a_.get(), this, nullptr, on_write, nullptr), "tar");
  }
  void add(const std::string& name, int64_t size, ByteSource& data) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_pathname_utf8(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), size);
    archive_entry_set_mtime(e.get(), 0, 0); // the archive's bytes depend on the image only
    check(archive_write_header(a_.get(), e.get()), name);
    std::vector<char> buf(1 << 17);
    while (size_t n = data.read(buf.data(), buf.size()))
      if (archive_write_data(a_.get(), buf.data(), n) < 0) check(ARCHIVE_FATAL, name);
  }
  void add(const std::string& name, const std::string& bytes) {
    StringSource src(bytes);
    add(name, static_cast<int64_t>(bytes.size()), src);
  }
  void close() { check(archive_write_close(a_.get()), "tar"); }

private:
  static la_ssize_t on_write(archive*, void* self, const void* buf, size_t len) {
    auto* w = static_cast<TarWriter*>(self);
    try {
      w->out_.write(static_cast<const char*>(buf), len);
      return static_cast<la_ssize_t>(len);
    } catch (...) {
      w->error_ = std::current_exception();
      return -1;
    }
  }
  void check(int rc, const std::string& what) {
    if (error_) std::rethrow_exception(error_);
    if (rc < ARCHIVE_OK) throw RuntimeError(fmt::format("{}: {}", what, archive_error(a_.get())));
  }

  std::unique_ptr<archive, WriteDeleter> a_;
  ByteSink& out_;
  std::exception_ptr error_;
};

std::string layer_extension(const std::string& media_type) {
  if (media_type.ends_with("gzip")) return ".tar.gz";
  if (media_type.ends_with("zstd"))
    throw InputError("a docker-archive cannot carry zstd layers (docker load before 23.0 "
                     "rejects them); copy with --compression gzip to convert them");
  if (media_type.ends_with(".tar")) return ".tar";
  throw RuntimeError(fmt::format("a docker-archive cannot hold a layer of type '{}'", media_type));
}

} // namespace

void stream_docker_archive(const oci::Image& image, const std::string& name_tag, ByteSink& out) {
  // Everything that can fail cheaply fails before the first byte is written.
  auto listed = oci::manifest_layers(image.manifest, image.config, "image manifest");
  if (listed.size() != image.layers.size())
    throw RuntimeError("the image's manifest and its layers disagree");
  std::string config_name = sha256_of(image.config).hex + ".json";
  json layer_names = json::array();
  for (const auto& l : image.layers)
    layer_names.push_back(l->descriptor().digest.hex + layer_extension(l->descriptor().media_type));
  json entry = {{"Config", config_name}, {"RepoTags", json::array()}, {"Layers", layer_names}};
  json repositories;
  if (!name_tag.empty()) {
    auto [name, tag] = split_archive_name(name_tag);
    entry["RepoTags"].push_back(name + ":" + tag);
    // docker load ignores this file when manifest.json is there; older tools
    // list names from it. The value is the top layer's file stem.
    std::string top = image.layers.empty() ? sha256_of(image.config).hex
                                           : image.layers.back()->descriptor().digest.hex;
    repositories[name][tag] = top;
  }

  TarWriter tar(out);
  tar.add("manifest.json", json::array({entry}).dump());
  if (!repositories.is_null()) tar.add("repositories", repositories.dump());
  tar.add(config_name, image.config);
  std::set<std::string> written;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const auto& l = *image.layers[i];
    // A layer repeated in one image (two identical steps) is stored once.
    if (!written.insert(layer_names[i].get<std::string>()).second) continue;
    auto src = l.open(); // verifies size and digest at its end
    tar.add(layer_names[i].get<std::string>(), l.descriptor().size, *src);
  }
  tar.close();
}

void write_docker_archive(const oci::Image& image, const std::string& file,
                          const std::string& name_tag) {
  OutputSet out;
  out.stage(image, Destination{Destination::Kind::docker_archive, file, name_tag, {}});
  out.commit();
  out.finish();
}

} // namespace rt::layout

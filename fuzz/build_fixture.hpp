#pragma once
// The builder as the fuzz targets drive it: a small build context (files, a directory, a symlink,
// a .dockerignore, a tar archive), one base image that every registry reference resolves to
// (with /etc/passwd and /etc/group, so --chown names resolve), and a fresh blob store per build.
// Everything lives under fuzz::scratch_dir(), on tmpfs where there is one.
#include "fuzz_support.hpp"

#include "build/builder.hpp"
#include "layer/layer_writer.hpp"
#include "oci/media_types.hpp"
#include "registry/reference.hpp"

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace rt::fuzz {

class BuildFixture {
public:
  BuildFixture() : dir_(scratch_dir()) {
    namespace fs = std::filesystem;
    // The builder's workspace (TempDir) goes under $TMPDIR: keep it on the same tmpfs.
    ::setenv("TMPDIR", dir_.c_str(), 1);
    std::string ctx = context_dir();
    fs::create_directories(ctx + "/d/e");
    fs::create_directories(ctx + "/bin");
    write_file(ctx + "/a.txt", "a\n");
    write_file(ctx + "/d/e/f.txt", "f\n");
    write_file(ctx + "/bin/tool", "#!/bin/sh\n");
    ::chmod((ctx + "/bin/tool").c_str(), 0755);
    write_file(ctx + "/x.log", "x\n");
    write_file(ctx + "/keep.log", "k\n");
    write_file(ctx + "/.dockerignore", "*.log\n!keep.log\n");
    fs::create_symlink("a.txt", ctx + "/link");
    base_ = make_base();
    write_archive(ctx + "/t.tar");
  }

  std::string context_dir() const { return dir_ + "/context"; }

  // Builds `dockerfile` in the context; throws as build_image does.
  build::BuildResult build(std::string_view dockerfile,
                           const std::vector<std::pair<std::string, std::string>>& build_args = {},
                           const std::string& target = "") {
    std::string path = dir_ + "/Dockerfile";
    write_file(path, dockerfile);
    std::string store = dir_ + "/store";
    std::filesystem::remove_all(store);
    build::BuildOptions options;
    options.dockerfile = path;
    options.context_dir = context_dir();
    options.store_root = store;
    options.build_args = build_args;
    options.target = target;
    options.compression.threads = 1;
    options.resolve_image = [this](const std::string& ref, const oci::Platform&) {
      registry::Reference::parse(ref); // a malformed one is the user's error
      return base_;
    };
    return build::build_image(options);
  }

private:
  oci::Image make_base() {
    namespace fs = std::filesystem;
    std::string src = dir_ + "/base-src";
    fs::create_directories(src);
    write_file(src + "/passwd",
               "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    write_file(src + "/group", "root:x:0:\napp:x:1000:\n");
    write_file(src + "/sh", "#!\n");
    using layer::EntryType;
    auto file = [&](std::string path, std::string source, uint32_t mode) {
      layer::TarEntry e;
      e.path = std::move(path);
      e.source = src + "/" + source;
      e.size = static_cast<int64_t>(fs::file_size(e.source));
      e.mode = mode;
      return e;
    };
    auto dir = [](std::string path) {
      layer::TarEntry e;
      e.path = std::move(path);
      e.type = EntryType::directory;
      e.mode = 0755;
      return e;
    };
    layer::TarEntry lib;
    lib.path = "lib";
    lib.type = EntryType::symlink;
    lib.link = "usr/lib";
    lib.mode = 0777;
    std::vector<layer::TarEntry> entries = {dir("bin"),
                                            file("bin/sh", "sh", 0755),
                                            dir("etc"),
                                            file("etc/group", "group", 0644),
                                            file("etc/passwd", "passwd", 0644),
                                            dir("home"),
                                            dir("home/app"),
                                            lib,
                                            dir("usr"),
                                            dir("usr/lib")};
    layer::sort_entries(entries);
    base_store_ = std::make_unique<layer::BlobStore>(dir_ + "/base-store");
    layer::Compression gzip = layer::Compression::gzip();
    gzip.threads = 1;
    auto r = layer::write_layer(entries, *base_store_, gzip);
    nlohmann::json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"Env", {"PATH=/usr/local/bin:/usr/bin:/bin"}}, {"WorkingDir", "/"}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {r.diff_id.str()}}}}};
    oci::Descriptor d{std::string(oci::kOciLayerGzip), r.digest, r.size};
    std::vector<oci::LayerPtr> layers = {
        std::make_shared<oci::FileLayer>(d, r.diff_id, base_store_->path(r.digest))};
    return oci::make_image(oci::canonical(config), layers);
  }

  // A small archive for ADD: a directory, a file, a hardlink to it and a symlink.
  void write_archive(const std::string& path) {
    using layer::EntryType;
    std::vector<layer::TarEntry> entries(4);
    entries[0].path = "t";
    entries[0].type = EntryType::directory;
    entries[0].mode = 0755;
    entries[1].path = "t/file";
    entries[1].source = context_dir() + "/a.txt";
    entries[1].size = 2;
    entries[2].path = "t/hard";
    entries[2].type = EntryType::hardlink;
    entries[2].link = "t/file";
    entries[3].path = "t/sym";
    entries[3].type = EntryType::symlink;
    entries[3].link = "file";
    layer::sort_entries(entries);
    struct FileSink : ByteSink {
      std::string bytes;
      void write(const char* buf, size_t len) override { bytes.append(buf, len); }
    } sink;
    layer::write_tar(entries, sink);
    write_file(path, sink.bytes);
  }

  std::string dir_;
  std::unique_ptr<layer::BlobStore> base_store_;
  oci::Image base_;
};

} // namespace rt::fuzz

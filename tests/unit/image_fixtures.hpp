#pragma once
// Fixtures shared by the layout tests (OCI layout, docker-archive, OutputSet):
// running the tools we did not write that check our output, images built from
// tar entries, and a layer that cannot be read.
#include "layer/layer_writer.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace rt::test {

struct Run {
  int status = -1;
  std::string out;
};

// Runs a shell command, stdout and stderr together.
inline Run run(const std::string& cmd) {
  Run r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p))
    r.out.append(buf, n);
  int rc = ::pclose(p);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return r;
}

// A missing tool fails the test (skopeo, umoci, oci-image-tool: Debian packages
// of the same name).
inline void require_tool(const std::string& tool) {
  INFO(tool << " is not installed (apt-get install -y " << tool << ")");
  REQUIRE(run("command -v " + tool).status == 0);
}

// An amd64/linux image with one layer per entry list (sorted, then written into
// `store`, through the layer cache if `cached`); `diff_ids_override`, when not
// empty, replaces the config's diff_ids.
inline oci::Image image_of_layers(std::vector<std::vector<layer::TarEntry>> layers,
                                  const layer::BlobStore& store,
                                  std::vector<std::string> diff_ids_override = {},
                                  bool cached = false) {
  using nlohmann::json;
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", json::object()},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
  std::vector<oci::LayerPtr> out;
  for (auto& entries : layers) {
    layer::sort_entries(entries);
    auto r = cached ? layer::write_layer_cached(entries, store, {})
                    : layer::write_layer(entries, store, {});
    config["rootfs"]["diff_ids"].push_back(r.diff_id.str());
    oci::Descriptor d{std::string(oci::kOciLayerGzip), r.digest, r.size};
    out.push_back(std::make_shared<oci::FileLayer>(d, r.diff_id, store.path(r.digest)));
  }
  if (!diff_ids_override.empty()) config["rootfs"]["diff_ids"] = diff_ids_override;
  return oci::make_image(oci::canonical(config), out);
}

// A layer that cannot be opened: writing an image that has it fails.
class BrokenLayer : public oci::Layer {
public:
  BrokenLayer() : desc_{std::string(oci::kOciLayerGzip), sha256_of("missing"), 7} {}
  const oci::Descriptor& descriptor() const override { return desc_; }
  const Digest& diff_id() const override { return desc_.digest; }
  std::unique_ptr<ByteSource> open() const override { throw RuntimeError("broken layer"); }

private:
  oci::Descriptor desc_;
};

} // namespace rt::test

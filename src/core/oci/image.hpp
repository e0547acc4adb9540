#pragma once
// The three value-like things everything else passes around (after
// go-containerregistry's v1.Layer / v1.Image): a layer knows its descriptor,
// diff_id and how to open its bytes; an image is its raw manifest, raw config
// and layers. Raw bytes are first class: digests are computed over bytes.
#include "oci/descriptor.hpp"
#include "util/io.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rt::oci {

// Where a blob already lives in a registry, so a push to the same registry can
// mount it instead of uploading it.
struct BlobOrigin {
  std::string registry; // host[:port] as in the reference
  std::string repository;
};

class Layer {
public:
  virtual ~Layer() = default;
  virtual const Descriptor& descriptor() const = 0;
  virtual const Digest& diff_id() const = 0;
  // Opens the compressed bytes; the source fails at its end if they do not
  // match the descriptor's size and digest. Throws RuntimeError if unavailable.
  virtual std::unique_ptr<ByteSource> open() const = 0;
  // The blob as a local file, when it is one (lets outputs link or copy it).
  virtual std::optional<std::string> local_path() const { return std::nullopt; }
  virtual std::optional<BlobOrigin> origin() const { return std::nullopt; }
};

using LayerPtr = std::shared_ptr<const Layer>;

// A layer whose blob is a file on disk (the blob store, an OCI layout).
class FileLayer : public Layer {
public:
  FileLayer(Descriptor desc, Digest diff_id, std::string path,
            std::optional<BlobOrigin> origin = std::nullopt);
  const Descriptor& descriptor() const override { return desc_; }
  const Digest& diff_id() const override { return diff_id_; }
  std::unique_ptr<ByteSource> open() const override;
  std::optional<std::string> local_path() const override { return path_; }
  std::optional<BlobOrigin> origin() const override { return origin_; }

private:
  Descriptor desc_;
  Digest diff_id_;
  std::string path_;
  std::optional<BlobOrigin> origin_;
};

// A layer opened on demand through a function (a registry blob, a cache that
// fills itself on first use). Nothing is fetched before open().
class LazyLayer : public Layer {
public:
  using Opener = std::function<std::unique_ptr<ByteSource>()>;
  LazyLayer(Descriptor desc, Digest diff_id, Opener open, std::optional<BlobOrigin> origin);
  const Descriptor& descriptor() const override { return desc_; }
  const Digest& diff_id() const override { return diff_id_; }
  std::unique_ptr<ByteSource> open() const override;
  std::optional<BlobOrigin> origin() const override { return origin_; }

private:
  Descriptor desc_;
  Digest diff_id_;
  Opener open_;
  std::optional<BlobOrigin> origin_;
};

struct Image {
  std::string manifest; // raw bytes, exactly as stored or pushed
  std::string manifest_media_type;
  std::string config; // raw bytes
  std::vector<LayerPtr> layers;
  std::optional<BlobOrigin> origin; // where its config came from, if a registry

  Digest digest() const { return sha256_of(manifest); }
  Descriptor config_descriptor() const;
  Descriptor descriptor() const; // of the manifest
  nlohmann::json config_json() const { return parse_json(config, "image config"); }
};

// Builds an OCI image manifest over `config` and `layers`, with manifest
// annotations; the bytes are canonical JSON, so equal inputs give equal digests.
Image make_image(std::string config, std::vector<LayerPtr> layers,
                 const std::map<std::string, std::string>& annotations = {});

// Throws RuntimeError naming `what` when a layer's content hashed to `got`, not
// the config's diff_id `expected`.
void check_diff_id(const std::string& what, const Digest& got, const Digest& expected);

// Checks that a manifest's layers agree with its config's rootfs.diff_ids and
// returns (descriptor, diff_id) pairs; throws RuntimeError naming `what`.
std::vector<std::pair<Descriptor, Digest>>
manifest_layers(const std::string& manifest, const std::string& config, std::string_view what);

} // namespace rt::oci

#include "layout/recompress.hpp"

#include "layer/parallel_compress.hpp"
#include "layout/gunzip.hpp"
#include "layout/unzstd.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::layout {

namespace {

// The plain tar of `l` into `sink`, whatever the layer's codec.
void decompress_into(const oci::Layer& l, ByteSink& sink, const std::string& what) {
  auto src = l.open(); // verifies the blob's size and digest at its end
  auto codec = layer::codec_of_media_type(l.descriptor().media_type);
  if (!codec) {
    if (l.descriptor().media_type != oci::kOciLayerTar)
      throw RuntimeError(fmt::format("{}: cannot recompress a layer of type '{}'", what,
                                     l.descriptor().media_type));
    copy_stream(*src, sink);
  } else if (*codec == layer::Codec::gzip) {
    GunzipSink d(sink, what);
    copy_stream(*src, d);
    d.finish();
  } else {
    UnzstdSink d(sink, what);
    copy_stream(*src, d);
    d.finish();
  }
}

oci::LayerPtr recompress_layer(const oci::Layer& l, const layer::Compression& to,
                               const layer::BlobStore& store) {
  const auto& from = l.descriptor();
  std::string what = fmt::format("layer {}", from.digest.str());
  Sha256 key;
  key.update(fmt::format("{} {}\n", from.digest.str(), layer::compressor_identity(to)));
  std::string k = key.finish().hex;
  std::string media_type(layer::layer_media_type(to.codec));
  if (auto rec = store.get_blob_record("recompressed", k); rec && store.intact(rec->digest))
    return std::make_shared<oci::FileLayer>(oci::Descriptor{media_type, rec->digest, rec->size},
                                            l.diff_id(), store.path(rec->digest));
  log::info("recompressing {} ({}) as {}", from.digest.str(), from.media_type,
            layer::compression_name(to));
  auto file = store.begin();
  layer::HashingFileSink blob(*file);
  HashSink diff;
  {
    layer::ParallelCompressSink out(blob, to, &diff);
    decompress_into(l, out, what);
    out.finish();
  }
  oci::check_diff_id(what, diff.hash.finish(), l.diff_id());
  oci::Descriptor d{media_type, blob.finish(), blob.size()};
  store.commit_stamped(*file, d.digest);
  store.put_blob_record("recompressed", k, {d.digest, d.size});
  return std::make_shared<oci::FileLayer>(d, l.diff_id(), store.path(d.digest));
}

} // namespace

oci::Image recompress_image(const oci::Image& image, const layer::Compression& to,
                            const layer::BlobStore& store) {
  bool all_there = true;
  for (const auto& l : image.layers)
    if (layer::codec_of_media_type(l->descriptor().media_type) != to.codec) all_there = false;
  if (all_there) return image;
  std::vector<oci::LayerPtr> layers;
  for (const auto& l : image.layers)
    layers.push_back(layer::codec_of_media_type(l->descriptor().media_type) == to.codec
                         ? l
                         : recompress_layer(*l, to, store));
  std::map<std::string, std::string> annotations;
  auto m = oci::parse_json(image.manifest, "image manifest");
  if (m.contains("annotations") && m["annotations"].is_object())
    for (auto& [k, v] : m["annotations"].items())
      if (v.is_string()) annotations[k] = v.get<std::string>();
  oci::Image out = oci::make_image(image.config, std::move(layers), annotations);
  out.origin = image.origin;
  return out;
}

} // namespace rt::layout

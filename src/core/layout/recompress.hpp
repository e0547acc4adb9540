#pragma once
// `copy --compression`: an image whose layers are all in one codec. Each layer
// in another codec (or a plain tar) is decompressed and compressed again with
// ParallelCompressSink, its diff_id checked on the way; the config is unchanged
// (it names diff_ids only), the manifest is rewritten as an OCI manifest (a
// Docker manifest has no zstd type) with the new descriptors.
#include "layer/blob_store.hpp"
#include "layer/compression.hpp"
#include "oci/image.hpp"

namespace rt::layout {

// Returns `image` itself when every layer is already in `to.codec` (as skopeo
// copy --dest-compress-format does, a layer in the right codec is not
// recompressed, whatever its level). New blobs go to `store`, with a record
// keyed by the source blob's digest and the compressor's identity, so a second
// copy of the same image reuses them. Throws RuntimeError if a layer cannot be
// read, is not valid gzip/zstd/tar, or does not match its diff_id.
oci::Image recompress_image(const oci::Image& image, const layer::Compression& to,
                            const layer::BlobStore& store);

} // namespace rt::layout

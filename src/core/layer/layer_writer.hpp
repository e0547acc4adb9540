#pragma once
// Writes a layer: tar entries → tar stream → parallel gzip/zstd → blob store, in one
// streaming pass that computes the diff_id (uncompressed) and the digest
// (compressed) on the way. No layer is ever held in memory whole.
#include "layer/blob_store.hpp"
#include "layer/compression.hpp"
#include "layer/tar_entry.hpp"

#include <vector>

namespace rt::layer {

struct LayerResult {
  Digest digest;  // of the compressed blob
  Digest diff_id; // of the uncompressed tar
  int64_t size = 0;
};

// `entries` must be sorted and unique (sort_entries). Throws RuntimeError if a
// source cannot be read or changed size while being read; the store is then
// left without the blob. The blob is committed with its stamp
// (BlobStore::commit_stamped).
LayerResult write_layer(const std::vector<TarEntry>& entries, const BlobStore& store,
                        const Compression& compression);

// Streams the uncompressed tar of `entries` into `out` (used by write_layer,
// and by tests and diagnostics that need the raw tar).
void write_tar(const std::vector<TarEntry>& entries, ByteSink& out);

// Same as write_layer, but first looks the entries up in the store's layer
// cache by a key over their metadata and their sources' stat data (device,
// inode, size, mtime and ctime in ns), as git's index does: an unchanged
// rerun reads no file content. A hit also needs the blob intact (its stat
// stamp unchanged since the store wrote it, BlobStore::intact), so a blob
// edited through an output's hard link is never served. A miss writes the
// layer and records it.
LayerResult write_layer_cached(const std::vector<TarEntry>& entries, const BlobStore& store,
                               const Compression& compression);

} // namespace rt::layer

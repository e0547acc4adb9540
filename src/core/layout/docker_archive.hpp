#pragma once
// docker-archive: the tar that `docker save` writes and `docker load` reads
// (skopeo's docker-archive: transport), after go-containerregistry's
// pkg/v1/tarball. One image per archive.
//
// What we write, in this order:
//   manifest.json            [{"Config":"<hex>.json","RepoTags":["name:tag"],"Layers":[...]}]
//   repositories             {"name":{"tag":"<top layer hex>"}}, only when tagged
//   <config digest hex>.json the config, byte for byte
//   <blob digest hex>.tar.gz each distinct layer, its compressed blob byte for byte
//
// Layers go in COMPRESSED, as go-containerregistry's tarball.Write does, not
// uncompressed as `docker save` does:
//  - writing streams each blob unchanged: no decompression, no temporary files,
//    an archive about a third the size, and the same bytes as our blobs;
//  - `docker load` accepts it: moby's image/tarexport/load.go (loadLayer) passes
//    every layer file through archive.DecompressStream (gzip, bzip2, xz, zstd)
//    and checks the result against the config's rootfs.diff_ids;
//  - skopeo and podman accept it: containers/image's docker/internal/tarfile
//    source detects compression and serves the layer uncompressed. Checked by
//    tests/unit/test_docker_archive.cpp (skopeo inspect and copy to oci:).
// What does not accept it: docker before 1.10 (2016), and tools that untar a
// layer file without detecting compression. Plain tar layers stay ".tar".
// zstd layers are refused (InputError, exit 2): docker load reads them only
// from 23.0 on, and an archive is for docker; `copy --compression gzip`
// converts them, `assemble --compression zstd` refuses a docker-archive output.
#include "layer/blob_store.hpp"
#include "layer/compression.hpp"
#include "oci/image.hpp"

#include <string>

namespace rt::layout {

// Writes `image` to `file` via a temporary file beside it, renamed on success
// (a failure leaves `file` as it was): an OutputSet of one. `name_tag`
// ("name:tag", ":latest" added if the tag is missing; "" for none) goes into
// RepoTags and `repositories`. Throws InputError on a malformed name_tag;
// RuntimeError on I/O errors, a layer that fails to open or verify, or an
// unsupported layer media type.
void write_docker_archive(const oci::Image& image, const std::string& file,
                          const std::string& name_tag);
// The archive's bytes, as write_docker_archive writes them, into `out`.
void stream_docker_archive(const oci::Image& image, const std::string& name_tag, ByteSink& out);

// Reads the image of a docker-archive (plain, or itself compressed as in
// `docker save | gzip`): the only one, or the one whose RepoTags hold
// `name_tag` (compared after docker's normalisation, so "app:1" matches
// "docker.io/library/app:1").
//
// The manifest needs each layer's compressed digest, so layers are imported
// into `scratch` now, in one pass over the archive, and become FileLayers
// there. Each is checked against the config's diff_id on the way in:
//  - a gzip layer file is copied as is (its digest is that of its bytes) and
//    decompressed alongside to check the diff_id;
//  - an uncompressed layer file (docker save's form) is gzip-compressed with
//    ParallelCompressSink and `gzip`, whose bytes depend only on the input and the
//    options, so the same tar always gets the same digest, equal to what
//    layer::write_layer produces for it. A record in `scratch` keyed by diff_id
//    and options lets a second read skip the compression.
// The image's manifest is a new OCI manifest (make_image) over the config.
// Throws RuntimeError: unreadable archive, no or malformed manifest.json or
// config (naming the file), name_tag not found (listing the names there),
// several images and no name_tag, a missing layer file, a diff_id mismatch,
// zstd or other unsupported compression.
oci::Image read_docker_archive(const std::string& file, const std::string& name_tag,
                               const layer::BlobStore& scratch,
                               const layer::Compression& gzip = {});

} // namespace rt::layout

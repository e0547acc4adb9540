#pragma once
// An OCI image layout (image-spec image-layout.md v1.0): a directory holding
// `oci-layout`, `index.json` and `blobs/sha256/<hex>`, the shape skopeo's oci:
// transport, umoci and buildah use. One module per place images live, after
// go-containerregistry's pkg/v1/layout.
//
// Writes are atomic (an OutputSet, output_set.hpp): blobs go in first, each
// via a temporary file and rename (or a hard link, which is atomic too), and
// index.json is replaced by rename last; a failure removes the blobs the write
// added and whatever it created. Two processes writing the same layout at the
// same moment can still lose one of their index entries (no locking, as in
// skopeo and go-containerregistry).
#include "oci/image.hpp"

#include <string>
#include <vector>

namespace rt::layout {

// The annotation on an index entry that names it (its "tag").
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

// Reads the image tagged `tag`; with an empty tag, the layout's only entry.
// If the entry is an index (multi-platform), picks the manifest for `platform`.
// Manifest and config are read and checked against their digests now; layers
// are FileLayers over the layout's blobs, read (and verified) only on open().
// Throws RuntimeError: no layout at `dir`, tag not found (the message lists the
// tags there), no manifest for `platform`, a missing or corrupt manifest or
// config blob, malformed JSON (naming the file).
oci::Image read_oci_layout(const std::string& dir, const std::string& tag,
                           const oci::Platform& platform);

// The ref.name of each entry of index.json, in index order (untagged entries
// are left out). Throws RuntimeError like read_oci_layout.
std::vector<std::string> oci_layout_tags(const std::string& dir);

// Writes `image` into the layout at `dir` (created, with `oci-layout`, if
// missing) and points an index entry at it: an entry with the same tag is
// replaced in place, other entries are kept; with an empty tag the entry has no
// ref.name and replaces an untagged entry of the same digest. The entry carries
// the platform from the image config. Blobs already present with the right
// size are kept (but one the layer cache holds intact replaces a different
// file of that name by a link to it: the old file may be an edited link to the
// cache); a layer with a local_path() on the same filesystem is hard linked,
// hashed first unless the layer cache vouches for it (BlobStore::intact_at);
// any other is streamed from open() (which verifies it).
// Throws InputError if `tag` is not a valid ref.name; RuntimeError on I/O
// errors, a layer that fails to open or verify, or a malformed existing
// index.json. On any failure the layout is left as it was (a new one is not
// there at all).
void write_oci_layout(const oci::Image& image, const std::string& dir, const std::string& tag);

} // namespace rt::layout

#pragma once
// Reads a tar stream (plain, gzip, bzip2, xz or zstd, detected from the bytes)
// entry by entry, streaming: the caller decides what to do with each file's data.
// Used for base layers, ADD of local archives, and comparing layers.
#include "layer/tar_entry.hpp"
#include "util/io.hpp"

#include <functional>
#include <string>

namespace rt::layer {

// The data of the current entry; valid only inside the callback.
class EntryData {
public:
  virtual ~EntryData() = default;
  virtual size_t read(char* buf, size_t len) = 0;
  // Writes the rest of the data to a new file at `path` (mode 0600).
  void save_to(const std::string& path);
  // The sha256 of the rest of the data.
  Digest digest();
};

// What read_tar reports per entry: the header as a TarEntry (path cleaned,
// `source` empty) and, for archives from outside, the raw name as written.
using EntryCallback = std::function<void(const TarEntry& entry, EntryData& data)>;

// Calls `on_entry` for each entry in order. Throws RuntimeError naming `what`
// if the stream is not a readable tar, or an entry is of an unsupported type
// (devices and fifos are reported as skipped with a warning).
void read_tar(ByteSource& src, const EntryCallback& on_entry, const std::string& what);

// True if the file starts like a tar archive, possibly compressed (ADD
// extracts those, as Docker does; anything else is copied as a file).
bool looks_like_tar_archive(const std::string& path);

} // namespace rt::layer

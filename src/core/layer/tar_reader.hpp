#pragma once
// Reads a tar stream (plain, gzip, bzip2, xz or zstd, detected from the bytes)
// entry by entry, streaming: the caller decides what to do with each file's data.
// Used for base layers, ADD of local archives, and comparing layers.
#include "layer/tar_entry.hpp"
#include "util/error.hpp"
#include "util/io.hpp"
#include "util/printable.hpp"

#include <functional>
#include <optional>
#include <string>

namespace rt::layer {

// An entry that cannot be laid down where the tar is unpacked: its name, or a
// hardlink's target, climbs out of the root ("../x", pax path=../..), or it is
// below an entry that is not a directory. detail() says which, without the
// archive: "entry '../x' escapes the destination" (names made printable).
class BadEntry : public RuntimeError {
public:
  BadEntry(const std::string& archive, std::string detail)
      : RuntimeError(printable(archive) + ": " + detail), detail_(std::move(detail)) {}
  const std::string& detail() const { return detail_; }

private:
  std::string detail_;
};

// The data of the current entry; valid only inside the callback.
class EntryData {
public:
  virtual ~EntryData() = default;
  virtual size_t read(char* buf, size_t len) = 0;
  // Writes the rest of the data to a new scratch file at `path` (mode 0600;
  // it must not exist): inside a build's workspace, never fsynced (ScratchFile).
  void save_to(const std::string& path);
  // The sha256 of the rest of the data.
  Digest digest();
};

// What read_tar reports per entry: the header as a TarEntry, `source` empty.
// Names are the header's bytes (never converted to or from any charset),
// cleaned: relative to the root, "." and ".." resolved, no leading '/'; a
// hardlink's target likewise (an absolute one is relative to the archive's
// root, as Docker reads it). Symlink targets are kept as written.
using EntryCallback = std::function<void(const TarEntry& entry, EntryData& data)>;

// Calls `on_entry` for each entry in order. Throws BadEntry for a name or a
// hardlink target that escapes the root, RuntimeError naming `what` if the
// stream is not a readable tar (devices and fifos are skipped with a warning).
void read_tar(ByteSource& src, const EntryCallback& on_entry, const std::string& what);

// An archive member's name cleaned (relative, "." and ".." resolved, no
// leading '/'), or nullopt if a ".." climbs above the root (Docker refuses
// those: pkg/archive's breakoutError). The bytes are otherwise kept.
std::optional<std::string> contained_path(std::string_view name);

// True if the file starts like a tar archive, possibly compressed (ADD
// extracts those, as Docker does; anything else is copied as a file).
bool looks_like_tar_archive(const std::string& path);

} // namespace rt::layer

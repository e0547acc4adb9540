#pragma once
// One entry of a layer's tar stream, with everything that goes into its header.
// Nothing here comes from the host unless the builder put it there: no user or
// group names, no atime/ctime, no device numbers.
#include <cstdint>
#include <string>
#include <vector>

namespace rt::layer {

enum class EntryType { file, directory, symlink, hardlink };

struct TarEntry {
  std::string path; // relative to the root: no leading '/', no trailing '/', no "." or ".."
  EntryType type = EntryType::file;
  uint32_t mode = 0644; // permission bits, including setuid/setgid/sticky
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;
  int64_t size = 0;   // regular files only
  std::string link;   // symlink target, or the path a hardlink points to
  std::string source; // regular files: the host file holding the content

  friend bool operator==(const TarEntry&, const TarEntry&) = default;
};

// Sorts by path (byte order: parents come before their children) and keeps the
// last entry of each path, so a later source overrides an earlier one; then
// order_hardlinks. Throws RuntimeError for a hardlink to nothing in the list.
void sort_entries(std::vector<TarEntry>& entries);

// In sorted, unique entries: makes each hardlink come after the file it names
// (tar -x and umoci create a link from an entry already unpacked). Of a file
// and its links, the name that sorts first holds the content and the others
// become hardlinks to it; links to links are pointed at that name. Throws
// RuntimeError if a hardlink names nothing in the list, or a non-file.
void order_hardlinks(std::vector<TarEntry>& entries);

// Validates and normalises a path for a tar entry: strips leading '/', "./",
// collapses '//' and resolves "." segments; throws RuntimeError on "..".
std::string clean_entry_path(std::string_view path);

} // namespace rt::layer

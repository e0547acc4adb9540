#pragma once
// What unpacking a tar onto an empty directory leaves, by the rules of
// Docker's extraction (pkg/archive Unpack, which ADD of a local archive uses):
// entries apply in order and the last one at a path wins; a non-directory
// replaces whatever was at its path, a whole subtree included; a directory
// over a directory keeps the children and takes the later header; a hardlink
// is one more name for the file its target is at that moment (replacing the
// target later does not change the link's content).
#include "layer/tar_entry.hpp"

#include <map>
#include <string>
#include <vector>

namespace rt::layer {

class ExtractedTree {
public:
  // Applies one entry as read_tar reports it (a file's `source` set by the
  // caller). Throws BadEntry (tar_reader.hpp, naming `archive`) for an entry
  // below a non-directory, and for a hardlink whose target is not in the tree
  // at that moment, or is a directory.
  void add(const TarEntry& entry, const std::string& archive);

  // The tree in path order, ready for a layer: a file with several names is
  // written once, under the name that sorts first, and every other name is a
  // hardlink to it (so each link follows its target, whichever order the
  // archive had). Hardlinks take their file's mode, owner and mtime.
  std::vector<TarEntry> entries() const;

private:
  struct Node {
    TarEntry entry; // for files, what is not in the inode: the path
    size_t inode = 0;
  };
  void remove_subtree(const std::string& path);

  std::map<std::string, Node> nodes_;
  std::vector<TarEntry> inodes_; // files: metadata and content source
};

} // namespace rt::layer

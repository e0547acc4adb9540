#include "layer/extracted_tree.hpp"

#include "layer/tar_reader.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::layer {

void ExtractedTree::remove_subtree(const std::string& path) {
  nodes_.erase(path);
  std::string prefix = path + "/";
  for (auto it = nodes_.lower_bound(prefix);
       it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
    it = nodes_.erase(it);
}

void ExtractedTree::add(const TarEntry& e, const std::string& archive) {
  // Docker would follow a symlink among the parents (inside its chroot), and
  // unpackers of the layer would too, outside any: refuse what is below one.
  for (size_t k = e.path.find('/'); k != std::string::npos; k = e.path.find('/', k + 1)) {
    auto it = nodes_.find(e.path.substr(0, k));
    if (it != nodes_.end() && it->second.entry.type != EntryType::directory)
      throw BadEntry(archive, fmt::format("entry '{}' is below '{}', which is not a directory",
                                          printable(e.path), printable(it->first)));
  }
  auto existing = nodes_.find(e.path);
  if (existing != nodes_.end()) {
    if (e.type == EntryType::directory && existing->second.entry.type == EntryType::directory) {
      existing->second.entry = e; // merged: the children stay, the header is the later one
      return;
    }
    remove_subtree(e.path);
  }
  Node node{e};
  switch (e.type) {
  case EntryType::directory:
  case EntryType::symlink:
    break;
  case EntryType::file:
    node.inode = inodes_.size();
    inodes_.push_back(e);
    break;
  case EntryType::hardlink: {
    // Looked up after the old entry at this path is gone, as link(2) would.
    auto target = nodes_.find(e.link);
    if (target == nodes_.end())
      throw BadEntry(archive, fmt::format("entry '{}' is a hardlink to '{}', which is not in the "
                                          "archive before it",
                                          printable(e.path), printable(e.link)));
    const TarEntry& t = target->second.entry;
    if (t.type == EntryType::directory)
      throw BadEntry(archive, fmt::format("entry '{}' is a hardlink to the directory '{}'",
                                          printable(e.path), printable(e.link)));
    // A hardlink to a symlink is a second symlink with the same target.
    node = target->second;
    node.entry.path = e.path;
    break;
  }
  }
  nodes_[e.path] = std::move(node);
}

std::vector<TarEntry> ExtractedTree::entries() const {
  std::vector<TarEntry> out;
  out.reserve(nodes_.size());
  std::map<size_t, std::string> written; // inode → the name its content went under
  for (const auto& [path, node] : nodes_) {
    if (node.entry.type != EntryType::file) {
      out.push_back(node.entry);
      continue;
    }
    TarEntry t = inodes_[node.inode];
    t.path = path;
    auto [first, fresh] = written.emplace(node.inode, path);
    if (!fresh) {
      t.type = EntryType::hardlink;
      t.link = first->second;
      t.size = 0;
      t.source.clear();
    }
    out.push_back(std::move(t));
  }
  return out;
}

} // namespace rt::layer

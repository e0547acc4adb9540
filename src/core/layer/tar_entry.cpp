#include "layer/tar_entry.hpp"

#include "util/error.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace rt::layer {

void sort_entries(std::vector<TarEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const TarEntry& a, const TarEntry& b) { return a.path < b.path; });
  // Keep the last of each run of equal paths.
  std::vector<TarEntry> out;
  out.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i + 1].path == entries[i].path) continue;
    out.push_back(std::move(entries[i]));
  }
  entries = std::move(out);
  order_hardlinks(entries);
}

void order_hardlinks(std::vector<TarEntry>& entries) {
  std::map<std::string_view, size_t> index;
  for (size_t i = 0; i < entries.size(); ++i)
    index.emplace(entries[i].path, i);
  // The file each hardlink names, through links to links.
  std::map<size_t, std::vector<size_t>> links_of; // file → its hardlinks
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != EntryType::hardlink) continue;
    size_t t = i;
    for (size_t hops = 0; entries[t].type == EntryType::hardlink; ++hops) {
      auto it = index.find(entries[t].link);
      if (it == index.end() || hops > entries.size())
        throw RuntimeError(fmt::format("hardlink {} points to {}, which is not in the layer",
                                       printable(entries[i].path), printable(entries[t].link)));
      t = it->second;
    }
    if (entries[t].type != EntryType::file)
      throw RuntimeError(fmt::format("hardlink {} points to {}, which is not a file",
                                     printable(entries[i].path), printable(entries[t].path)));
    links_of[t].push_back(i);
  }
  // Unpackers create a hardlink from the entry it names, which must come
  // first: the name that sorts first holds the content, the others link to it.
  for (auto& [file, links] : links_of) {
    size_t first = std::min(file, *std::min_element(links.begin(), links.end()));
    if (first != file) {
      TarEntry content = entries[file];
      content.path = entries[first].path;
      TarEntry link = entries[file];
      link.type = EntryType::hardlink;
      link.size = 0;
      link.source.clear();
      link.link = content.path;
      entries[first] = std::move(content);
      entries[file] = std::move(link);
    }
    for (size_t l : links)
      if (l != first) entries[l].link = entries[first].path;
  }
}

std::string clean_entry_path(std::string_view path) {
  std::string out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      // A ".." may only climb back out of what the path itself went into.
      size_t slash = out.rfind('/');
      if (out.empty()) throw RuntimeError("path '" + std::string(path) + "' leaves the root");
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (!seg.empty() && seg != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(seg);
    }
    i = j + 1;
  }
  return out;
}

} // namespace rt::layer

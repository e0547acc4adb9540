#include "layer/tar_entry.hpp"

#include "util/error.hpp"

#include <algorithm>

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

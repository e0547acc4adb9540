#pragma once
// The build context: a host directory filtered by its .dockerignore. COPY and
// ADD sources are resolved here and nothing outside it can be reached: "..",
// absolute paths and symlinks are confined to the context root.
#include "build/patterns.hpp"
#include "layer/tar_entry.hpp"

#include <string>
#include <vector>

namespace rt::build {

class BuildContext {
public:
  // Throws InputError if `dir` is not a directory, or its .dockerignore is malformed.
  explicit BuildContext(std::string dir);
  const std::string& dir() const { return dir_; }

  // Expands a COPY/ADD source as written (globs allowed; a leading '/' means
  // the context root) into clean context-relative paths, sorted. "" is the root.
  // Throws InputError when the source leaves the context or matches nothing.
  std::vector<std::string> match(std::string_view source) const;

  // The entry at a matched path; a symlink named as a source is followed (as
  // Docker does), and throws InputError when it points outside the context.
  // The entry's `path` is the context-relative path, `source` the host path.
  layer::TarEntry stat(const std::string& rel) const;

  // Every entry below a directory (not the directory itself), in path order,
  // without what .dockerignore excludes. Symlinks are listed, not followed.
  std::vector<layer::TarEntry> walk(const std::string& rel_dir) const;

private:
  layer::TarEntry lstat_entry(const std::string& rel) const;
  // `rel` with every symlink in it followed, within the context: the path of
  // the same file without symlinks. InputError if a link leads outside the
  // context or to what .dockerignore excludes, or links loop.
  std::string resolve(const std::string& rel) const;
  std::string host(const std::string& rel) const { return rel.empty() ? dir_ : dir_ + "/" + rel; }
  void walk_into(const std::string& rel, std::vector<layer::TarEntry>& out) const;
  void glob_walk(const std::string& rel, const std::vector<std::string>& segs, size_t depth,
                 std::vector<std::string>& out) const;

  std::string dir_;
  DockerIgnore ignore_;
};

} // namespace rt::build

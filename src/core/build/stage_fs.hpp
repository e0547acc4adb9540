#pragma once
// The filesystem of a build stage, as far as the build needs to know it: the
// metadata of every path, and for files where their content can be read.
// A base image's layers are indexed on first use only (parent directories,
// COPY --from, user names); a stage built from scratch never reads anything.
#include "layer/tar_entry.hpp"
#include "oci/image.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rt::build {

using layer::EntryType;
using layer::TarEntry;

class StageFs {
public:
  // `workspace`: a directory where base file contents are extracted when needed,
  // shared with the other stages of the build (file names carry this stage's id).
  explicit StageFs(std::string workspace);

  // Layers of the base image, applied in order (whiteouts honoured) on first use.
  void set_base(std::vector<oci::LayerPtr> layers);
  // Applies a layer this build wrote: entries replace what they name.
  void apply(const std::vector<TarEntry>& entries);

  // Resolves symlinks in every component of `path` (absolute within the stage;
  // links cannot climb above the root, as in a chroot). With follow_last, the
  // last component too. Returns the clean path without leading '/'.
  std::string resolve(std::string_view path, bool follow_last);
  // The entry at a clean path (no symlinks followed), or nullopt.
  std::optional<TarEntry> find(const std::string& clean);
  bool is_dir(const std::string& clean);
  // Every entry strictly below `dir` (clean; "" is the root), in path order.
  std::vector<TarEntry> list_under(const std::string& dir);
  // Makes sure the listed files have `source` set (extracts them from the base
  // layers if needed) and returns the entries, hardlinks resolved to files.
  std::vector<TarEntry> with_content(const std::vector<TarEntry>& entries);
  // Numeric ids for a --chown/USER name, from the stage's /etc/passwd and
  // /etc/group; nullopt if the name is unknown there.
  std::optional<uint32_t> lookup_user(const std::string& name);
  std::optional<uint32_t> lookup_group(const std::string& name);
  std::optional<uint32_t> primary_group(uint32_t uid);

private:
  void load_base();
  std::optional<std::string> file_text(const std::string& clean);

  std::string workspace_;
  unsigned id_; // unique in the process: stages share the workspace
  std::vector<oci::LayerPtr> base_;
  bool loaded_ = true;
  std::map<std::string, TarEntry> entries_;
  // For base files without content yet: which base layer holds them.
  std::map<std::string, size_t> layer_of_;
  unsigned extracted_ = 0;
};

} // namespace rt::build

#pragma once
// Writing into one OCI image layout as part of an OutputSet: images are added
// (blobs into the layout now, index entries in memory), the new index.json is
// staged beside the old one, and everything this stage created can be removed
// again. See output_set.hpp for how stages are committed together.
#include "layout/staged_file.hpp"
#include "oci/image.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rt::layout {

class OciStage {
public:
  // Reads the layout at `dir` if there is one. Nothing is created yet. Throws
  // RuntimeError on a malformed oci-layout or index.json.
  explicit OciStage(std::string dir);
  OciStage(const OciStage&) = delete;
  OciStage& operator=(const OciStage&) = delete;

  const std::string& dir() const { return dir_; }
  // Puts the image's blobs into the layout (creating it if needed) and points
  // the in-memory index entry for `tag` at it, as write_oci_layout describes.
  // Throws InputError on a bad tag, RuntimeError on I/O or verification errors.
  void add(const oci::Image& image, const std::string& tag);
  // Writes and syncs the new index.json under a temporary name.
  StagedFile& stage_index();
  // Removes what add() created: blobs that were not there before, then
  // oci-layout and directories it made. Call after the index is put back.
  void discard() noexcept;

private:
  void create();
  void put_layer(const oci::Layer& layer);
  void put_small(const oci::Descriptor& d, const std::string& bytes, std::string_view what);
  void note_new(const std::string& path, bool existed);

  std::string dir_;
  nlohmann::json index_;
  std::unique_ptr<StagedFile> index_file_;
  bool created_ = false;           // create() ran
  std::string made_root_;          // the topmost directory create() made ("" if none)
  std::vector<std::string> made_;  // oci-layout, blobs/sha256, blobs, if create() made them
  std::vector<std::string> added_; // blobs that were not there before
};

} // namespace rt::layout

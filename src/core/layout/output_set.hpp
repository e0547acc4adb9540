#pragma once
// Writing images to oci: and docker-archive: destinations all or nothing.
//
// Outputs are atomic: blobs first, index.json (or the archive) last by rename;
// an existing OCI layout keeps its other images; a failed run leaves every
// destination as it was. In three steps:
//  1. stage(), per image and destination: blobs go into each layout now (the
//     ones that were not there are remembered; the layout directory is created
//     if missing), index entries are changed in memory, an archive is written
//     to a temporary file beside its target;
//  2. commit(): each new index.json is written to a temporary file; every
//     index.json and archive that will be replaced is kept as a hard link;
//     then all are renamed into place. If a rename fails, the ones already
//     renamed are put back from what was kept, and everything is discarded;
//  3. finish(): the kept files are removed.
// Destroyed before finish(), the set undoes everything: renamed files are put
// back, blobs it added and directories or oci-layout files it created are
// removed. So a caller with steps of its own after commit() (moving registry
// tags) calls finish() only when they have succeeded.
//
// One stage per layout directory, whatever its spelling: several images and
// tags into one layout make one index.json. Two processes writing the same
// layout at once can still lose one's index entries (no locking, as in skopeo
// and go-containerregistry).
#include "layout/destination.hpp"
#include "oci/image.hpp"

#include <memory>
#include <vector>

namespace rt::layout {

class OciStage;
class StagedFile;

class OutputSet {
public:
  OutputSet();
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // `dest` is oci: or docker-archive: (InputError for docker://). Throws like
  // write_oci_layout and write_docker_archive; what is staged so far stays
  // staged, for the destructor to undo.
  void stage(const oci::Image& image, const Destination& dest);
  // Puts every staged output in place; on failure puts back what it had put
  // in place, removes what was staged, and throws RuntimeError.
  void commit();
  // Makes the commit final.
  void finish() noexcept;

private:
  void rollback() noexcept;

  std::vector<std::unique_ptr<OciStage>> layouts_;
  std::vector<std::unique_ptr<StagedFile>> archives_;
  std::vector<StagedFile*> committed_; // in commit order
  bool done_ = false;                  // finished or rolled back
};

} // namespace rt::layout

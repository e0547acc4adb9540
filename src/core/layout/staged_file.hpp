#pragma once
// One file of an output (an index.json, a docker-archive) written under a
// temporary name beside its target and renamed onto it later, with a way back:
// the file it replaces is kept, as a hard link, until the output set is done.
#include "util/fs.hpp"

#include <memory>
#include <string>

namespace rt::layout {

class StagedFile {
public:
  // Creates the temporary file beside `target`; throws RuntimeError if it cannot.
  explicit StagedFile(std::string target);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  ByteSink& sink() { return *file_; }
  const std::string& target() const { return target_; }
  // Sets the mode and syncs: after this, committing is a rename.
  void finish();
  // Keeps the current target, if any, under a hidden name beside it (a hard
  // link; a copy where links are refused). Throws RuntimeError if it cannot.
  void back_up();
  // Renames the temporary file onto the target. Throws RuntimeError.
  void commit();
  // Puts the target back as it was before commit() (the kept file renamed
  // back, or the target removed if there was none). Never throws: a failure
  // is logged, naming where the previous file was left.
  void undo() noexcept;
  // Forgets the way back: removes the kept file.
  void drop_backup() noexcept;

private:
  std::string target_;
  std::unique_ptr<AtomicFile> file_;
  std::string backup_; // "" when the target did not exist or nothing was kept
  bool committed_ = false;
};

} // namespace rt::layout

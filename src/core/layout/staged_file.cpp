#include "layout/staged_file.hpp"

#include "util/error.hpp"
#include "util/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace rt::layout {

namespace {

std::string backup_name(const std::string& target) {
  static std::atomic<unsigned> counter{0};
  fs::path p(target);
  return (p.parent_path() /
          fmt::format(".{}.previous-{}-{}", p.filename().string(), ::getpid(), counter++))
      .string();
}

} // namespace

StagedFile::StagedFile(std::string target)
    : target_(std::move(target)), file_(std::make_unique<AtomicFile>(target_)) {}

StagedFile::~StagedFile() {
  // Not committed: the target is untouched and the kept link is redundant.
  if (!committed_) drop_backup();
}

void StagedFile::finish() {
  file_->finish(0644);
}

void StagedFile::back_up() {
  if (!backup_.empty() || !path_exists(target_)) return;
  std::string name = backup_name(target_);
  if (::link(target_.c_str(), name.c_str()) != 0) {
    log::debug("cannot link {} to {} ({}); copying it", target_, name, std::strerror(errno));
    std::error_code ec;
    fs::copy_file(target_, name, fs::copy_options::none, ec);
    if (ec) {
      ::unlink(name.c_str());
      throw RuntimeError(
          fmt::format("cannot keep a copy of {} before replacing it: {}", target_, ec.message()));
    }
  }
  backup_ = std::move(name);
}

void StagedFile::commit() {
  file_->commit(0644);
  committed_ = true;
}

void StagedFile::undo() noexcept {
  if (!committed_) return;
  if (backup_.empty()) {
    if (::unlink(target_.c_str()) != 0 && errno != ENOENT)
      log::warn("cannot remove {} while undoing: {}", target_, std::strerror(errno));
  } else if (::rename(backup_.c_str(), target_.c_str()) == 0) {
    backup_.clear();
  } else {
    log::warn("cannot put back {} (the previous one is at {}): {}", target_, backup_,
              std::strerror(errno));
    backup_.clear(); // left where it is, for the user
  }
  committed_ = false;
}

void StagedFile::drop_backup() noexcept {
  if (backup_.empty()) return;
  ::unlink(backup_.c_str());
  backup_.clear();
}

} // namespace rt::layout

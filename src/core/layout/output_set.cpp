#include "layout/output_set.hpp"

#include "layout/docker_archive.hpp"
#include "layout/oci_stage.hpp"
#include "layout/staged_file.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::layout {

namespace {

// The directory's identity for grouping: "out", "./out" and "/abs/out" are one.
std::string layout_key(const std::string& dir) {
  std::error_code ec;
  auto p = fs::weakly_canonical(fs::absolute(dir), ec);
  return ec ? dir : p.string();
}

} // namespace

OutputSet::OutputSet() = default;

OutputSet::~OutputSet() {
  if (!done_) rollback();
}

void OutputSet::stage(const oci::Image& image, const Destination& dest) {
  if (done_ || !committed_.empty())
    throw RuntimeError("internal: staging into an output set already committed");
  switch (dest.kind) {
  case Destination::Kind::oci: {
    OciStage* stage = nullptr;
    std::string key = layout_key(dest.path);
    for (auto& l : layouts_)
      if (layout_key(l->dir()) == key) stage = l.get();
    if (!stage) {
      layouts_.push_back(std::make_unique<OciStage>(dest.path));
      stage = layouts_.back().get();
    }
    stage->add(image, dest.tag);
    return;
  }
  case Destination::Kind::docker_archive: {
    archives_.push_back(std::make_unique<StagedFile>(dest.path));
    stream_docker_archive(image, dest.tag, archives_.back()->sink());
    archives_.back()->finish();
    return;
  }
  case Destination::Kind::docker:
    break;
  }
  throw InputError(fmt::format("{}: not a local destination", dest.str()));
}

void OutputSet::commit() {
  if (done_ || !committed_.empty()) throw RuntimeError("internal: output set committed twice");
  try {
    std::vector<StagedFile*> files;
    for (auto& l : layouts_)
      files.push_back(&l->stage_index());
    for (auto& a : archives_)
      files.push_back(a.get());
    for (auto* f : files)
      f->back_up();
    for (auto* f : files) {
      f->commit();
      committed_.push_back(f);
    }
  } catch (...) {
    rollback();
    throw;
  }
}

void OutputSet::finish() noexcept {
  if (done_) return;
  for (auto* f : committed_)
    f->drop_backup();
  done_ = true;
}

void OutputSet::rollback() noexcept {
  if (done_) return;
  done_ = true;
  // Index files first, so no index.json names a blob that is being removed.
  for (auto it = committed_.rbegin(); it != committed_.rend(); ++it)
    (*it)->undo();
  committed_.clear();
  archives_.clear(); // removes their temporary files
  for (auto it = layouts_.rbegin(); it != layouts_.rend(); ++it)
    (*it)->discard();
}

} // namespace rt::layout

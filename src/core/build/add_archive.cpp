// ADD of a local (or --unpack'ed) archive, and the checks every entry of a
// layer this build writes must pass, whatever its source.
#include "build/stage.hpp"

#include "layer/extracted_tree.hpp"
#include "layer/tar_reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace rt::build {

using dockerfile::Instruction;

namespace {
// Linux limits (limits.h): NAME_MAX bytes per name, PATH_MAX with its NUL for
// a whole path; symlink targets share PATH_MAX.
constexpr size_t kNameMax = 255;
constexpr size_t kPathMax = 4096;
constexpr std::string_view kWhiteoutPrefix = ".wh.";
} // namespace

std::vector<layer::TarEntry> extract_archive(BuildRun& run, const Instruction& ins,
                                             const std::string& file, const std::string& what) {
  InputFile in(file);
  layer::ExtractedTree tree;
  unsigned n = 0;
  try {
    layer::read_tar(
        in,
        [&](const layer::TarEntry& e, layer::EntryData& data) {
          layer::TarEntry t = e;
          if (t.type == EntryType::file) {
            t.source = fmt::format("{}/add-{}-{}-{}", run.workspace, ins.line, run.extracted, n++);
            data.save_to(t.source);
          }
          tree.add(t, what);
        },
        what);
  } catch (const layer::BadEntry& e) {
    // Bad input, at the line that named the archive.
    run.fail(ins, fmt::format("{} {}: {}", ins.keyword, printable(what), e.detail()));
  }
  ++run.extracted;
  return tree.entries();
}

void check_layer_names(const BuildRun& run, const Instruction& ins,
                       const std::vector<layer::TarEntry>& entries) {
  for (const auto& e : entries) {
    std::string shown = "/" + printable(e.path, 200);
    for (size_t i = 0; i <= e.path.size();) {
      size_t j = std::min(e.path.find('/', i), e.path.size());
      std::string_view name = std::string_view(e.path).substr(i, j - i);
      if (name.size() > kNameMax)
        run.fail(ins, fmt::format("{}: a name of {} bytes; Linux allows at most {} per name", shown,
                                  name.size(), kNameMax));
      i = j + 1;
    }
    if (e.path.size() + 1 >= kPathMax)
      run.fail(ins, fmt::format("{}: the path is {} bytes long; Linux cannot unpack a path of "
                                "more than {}",
                                shown, e.path.size() + 1, kPathMax - 1));
    std::string_view last = std::string_view(e.path).substr(e.path.rfind('/') + 1);
    // Unpackers would take such a file for a whiteout and delete what it names.
    if (last.starts_with(kWhiteoutPrefix))
      run.fail(ins, fmt::format("{}: a name starting with '{}' would be read as a whiteout "
                                "(a deletion) by whoever unpacks the layer",
                                shown, kWhiteoutPrefix));
    if (e.type == EntryType::symlink && e.link.size() >= kPathMax)
      run.fail(ins, fmt::format("{}: the symlink's target is {} bytes long; Linux allows at "
                                "most {}",
                                shown, e.link.size(), kPathMax - 1));
  }
}

} // namespace rt::build

#include "build/stage_fs.hpp"

#include "build/go_values.hpp"
#include "build/patterns.hpp"
#include "layer/tar_reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <sstream>

namespace rt::build {

namespace {
constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

std::string parent_of(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
}
std::string base_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

void erase_subtree(std::map<std::string, TarEntry>& m, const std::string& p,
                   const std::set<std::string>* keep = nullptr) {
  if (!keep || !keep->count(p)) m.erase(p);
  std::string prefix = p.empty() ? "" : p + "/";
  for (auto it = m.lower_bound(prefix);
       it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    if (keep && keep->count(it->first))
      ++it;
    else
      it = m.erase(it);
  }
}
} // namespace

StageFs::StageFs(std::string workspace) : workspace_(std::move(workspace)) {
  // Every stage, and every COPY --from an image, has a StageFs over the same
  // workspace: with names counted per instance, a later stage overwrote an
  // earlier one's extracted file, and a second COPY --from it read the wrong bytes.
  static std::atomic<unsigned> next{0};
  id_ = next++;
}

void StageFs::set_base(std::vector<oci::LayerPtr> layers) {
  base_ = std::move(layers);
  entries_.clear();
  layer_of_.clear();
  loaded_ = base_.empty();
}

void StageFs::load_base() {
  if (loaded_) return;
  loaded_ = true;
  for (size_t i = 0; i < base_.size(); ++i) {
    std::set<std::string> added; // an opaque whiteout hides lower layers only
    auto src = base_[i]->open();
    layer::read_tar(
        *src,
        [&](const TarEntry& e, layer::EntryData&) {
          std::string name = base_name(e.path);
          std::string dir = parent_of(e.path);
          if (name == kOpaque) {
            erase_subtree(entries_, dir, &added);
            if (!dir.empty() && !added.count(dir)) added.insert(dir);
            return;
          }
          if (name.compare(0, kWhiteout.size(), kWhiteout) == 0) {
            erase_subtree(entries_, (dir.empty() ? "" : dir + "/") + name.substr(kWhiteout.size()));
            return;
          }
          if (e.type != EntryType::directory) erase_subtree(entries_, e.path);
          entries_[e.path] = e;
          added.insert(e.path);
          if (e.type == EntryType::file) layer_of_[e.path] = i;
        },
        "base layer " + base_[i]->descriptor().digest.str());
  }
}

void StageFs::apply(const std::vector<TarEntry>& entries) {
  load_base();
  for (const auto& e : entries) {
    auto it = entries_.find(e.path);
    if (it != entries_.end() &&
        (e.type != EntryType::directory || it->second.type != EntryType::directory))
      erase_subtree(entries_, e.path);
    entries_[e.path] = e;
    layer_of_.erase(e.path);
  }
}

std::string StageFs::resolve(std::string_view path, bool follow_last) {
  load_base();
  // One pass over the components, `out` growing in place: linear in the path's length.
  std::string rest = clean_path("/" + std::string(path)).substr(1);
  std::string out;
  int hops = 0;
  for (size_t pos = 0; pos < rest.size();) {
    size_t end = std::min(rest.find('/', pos), rest.size());
    size_t out_size = out.size();
    if (!out.empty()) out += '/';
    out.append(rest, pos, end - pos);
    pos = end + 1;
    bool last = pos >= rest.size();
    auto it = entries_.find(out);
    if (it == entries_.end() || it->second.type != EntryType::symlink || (last && !follow_last))
      continue;
    if (++hops > 255)
      throw InputError(fmt::format("too many levels of symbolic links in {}", printable(path)));
    // Absolute targets restart from the root; relative ones from the link's directory.
    // Climbing above the root stays at the root, as the kernel does in a chroot.
    const std::string& target = it->second.link;
    out.resize(out_size);
    std::string joined = (!target.empty() && target[0] == '/') ? target : "/" + out + "/" + target;
    if (!last) joined += "/" + rest.substr(pos);
    rest = clean_path(joined).substr(1);
    out.clear();
    pos = 0;
  }
  return out;
}

std::optional<TarEntry> StageFs::find(const std::string& clean) {
  load_base();
  if (clean.empty()) return TarEntry{"", EntryType::directory, 0755};
  auto it = entries_.find(clean);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

bool StageFs::is_dir(const std::string& clean) {
  auto e = find(clean);
  return e && e->type == EntryType::directory;
}

std::vector<TarEntry> StageFs::list_under(const std::string& dir) {
  load_base();
  std::vector<TarEntry> out;
  std::string prefix = dir.empty() ? "" : dir + "/";
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    if (it->first != dir) out.push_back(it->second);
  return out;
}

std::vector<TarEntry> StageFs::with_content(const std::vector<TarEntry>& in) {
  load_base();
  // Hardlinks become plain files with their target's content.
  std::vector<TarEntry> out = in;
  std::set<std::string> wanted;
  for (auto& e : out) {
    if (e.type == EntryType::hardlink) {
      // Through links to links (bounded: a cycle is as broken as a missing target).
      auto t = find(e.link);
      for (size_t hops = 0; t && t->type == EntryType::hardlink && hops < 64; ++hops)
        t = find(t->link);
      if (!t || t->type != EntryType::file)
        throw RuntimeError(
            fmt::format("hardlink {} points to missing {}", printable(e.path), printable(e.link)));
      e.type = EntryType::file;
      e.size = t->size;
      e.source = t->source;
      e.link = t->path; // where the content lives, until it is extracted below
    }
    if (e.type == EntryType::file && e.source.empty())
      wanted.insert(e.link.empty() ? e.path : e.link);
  }
  // One pass over each base layer that holds a wanted file.
  std::map<size_t, std::set<std::string>> by_layer;
  for (const auto& p : wanted)
    if (auto it = layer_of_.find(p); it != layer_of_.end()) by_layer[it->second].insert(p);
  for (const auto& [index, paths] : by_layer) {
    auto src = base_[index]->open();
    layer::read_tar(
        *src,
        // paths by name: clang 14 (the fuzz build) cannot capture a structured binding.
        [&, &paths = paths](const TarEntry& e, layer::EntryData& data) {
          if (!paths.count(e.path) || e.type != EntryType::file) return;
          std::string dest = fmt::format("{}/base-{}-{}", workspace_, id_, extracted_++);
          data.save_to(dest);
          entries_[e.path].source = dest;
          layer_of_.erase(e.path);
        },
        "base layer " + base_[index]->descriptor().digest.str());
  }
  for (auto& e : out) {
    if (e.type != EntryType::file || !e.source.empty()) continue;
    const std::string& key = e.link.empty() ? e.path : e.link;
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.source.empty())
      throw RuntimeError(fmt::format("content of {} is not available", key));
    e.source = it->second.source;
    e.link.clear();
  }
  return out;
}

std::optional<std::string> StageFs::file_text(const std::string& clean) {
  auto e = find(clean);
  if (!e || e->type != EntryType::file) return std::nullopt;
  auto withc = with_content({*e});
  return read_file(withc[0].source);
}

namespace {
// Finds `name` in a colon-separated database (passwd, group); returns its fields.
std::optional<std::vector<std::string>>
lookup_line(const std::string& text,
            const std::function<bool(const std::vector<std::string>&)>& match) {
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    // Split by hand: getline would drop the empty last field of a group line
    // without members ("hello:x:1000:"), and the line would not match.
    std::vector<std::string> f;
    for (size_t i = 0;;) {
      size_t colon = line.find(':', i);
      f.push_back(line.substr(i, colon - i));
      if (colon == std::string::npos) break;
      i = colon + 1;
    }
    if (f.size() >= 4 && match(f)) return f;
  }
  return std::nullopt;
}
// An id field of /etc/passwd or /etc/group; one past uint32 is not an id (never wrapped).
std::optional<uint32_t> to_id(const std::string& s) {
  auto v = parse_decimal(s, UINT32_MAX);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}
} // namespace

std::optional<uint32_t> StageFs::lookup_user(const std::string& name) {
  auto text = file_text("etc/passwd");
  if (!text) return std::nullopt;
  auto f = lookup_line(*text, [&](const auto& f) { return f[0] == name; });
  return f ? to_id((*f)[2]) : std::nullopt;
}

std::optional<uint32_t> StageFs::lookup_group(const std::string& name) {
  auto text = file_text("etc/group");
  if (!text) return std::nullopt;
  auto f = lookup_line(*text, [&](const auto& f) { return f[0] == name; });
  return f ? to_id((*f)[2]) : std::nullopt;
}

std::optional<uint32_t> StageFs::primary_group(uint32_t uid) {
  auto text = file_text("etc/passwd");
  if (!text) return std::nullopt;
  auto f = lookup_line(*text, [&](const auto& f) { return to_id(f[2]) == uid; });
  return f ? to_id((*f)[3]) : std::nullopt;
}

} // namespace rt::build

#include "build/context.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/printable.hpp"

#include <algorithm>
#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rt::build {

using layer::EntryType;
using layer::TarEntry;

namespace {
std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::vector<std::string> list_dir(const std::string& host) {
  std::vector<std::string> names;
  DIR* d = ::opendir(host.c_str());
  if (!d) throw RuntimeError(fmt::format("cannot read directory {}", host));
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}
} // namespace

BuildContext::BuildContext(std::string dir) : dir_(std::move(dir)) {
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw InputError(fmt::format("build context {} is not a directory", dir_));
  dir_ = fs::canonical(dir_).string();
  ignore_ = DockerIgnore::load(dir_);
}

std::vector<std::string> BuildContext::match(std::string_view source) const {
  std::string cleaned = clean_path(std::string("/") + std::string(source));
  // clean_path("/..") is "/": Docker would quietly clamp; we call it out, since
  // a Dockerfile reaching above its context is almost always a mistake.
  std::string raw = clean_path(std::string(source));
  if (raw == ".." || raw.rfind("../", 0) == 0)
    throw InputError(fmt::format("{} is outside the build context", printable(source)));
  std::string rel = cleaned == "/" ? "" : cleaned.substr(1);
  std::vector<std::string> out;
  if (has_glob_meta(rel)) {
    glob_walk("", split(rel), 0, out);
  } else if (path_exists(host(rel)) && (rel.empty() || !ignore_.excluded(rel))) {
    out.push_back(rel);
  }
  if (out.empty())
    throw InputError(fmt::format("{}: no such file or directory in the build context{}",
                                 printable(source),
                                 path_exists(host(rel)) ? " (excluded by .dockerignore)" : ""));
  std::sort(out.begin(), out.end());
  return out;
}

void BuildContext::glob_walk(const std::string& rel, const std::vector<std::string>& segs,
                             size_t depth, std::vector<std::string>& out) const {
  if (depth == segs.size()) {
    out.push_back(rel);
    return;
  }
  struct stat st {};
  if (::lstat(host(rel).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  for (const auto& name : list_dir(host(rel))) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    if (!glob_match(segs[depth], name) || ignore_.excluded(child)) continue;
    glob_walk(child, segs, depth + 1, out);
  }
}

TarEntry BuildContext::lstat_entry(const std::string& rel) const {
  std::string h = host(rel);
  struct stat st {};
  if (::lstat(h.c_str(), &st) != 0)
    throw InputError(fmt::format("{}: cannot stat", printable(rel)));
  TarEntry e;
  e.path = rel;
  e.mode = st.st_mode & 07777;
  if (S_ISREG(st.st_mode)) {
    e.type = EntryType::file;
    e.size = st.st_size;
    e.source = h;
  } else if (S_ISDIR(st.st_mode)) {
    e.type = EntryType::directory;
  } else if (S_ISLNK(st.st_mode)) {
    e.type = EntryType::symlink;
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(h.c_str(), target.data(), target.size());
    if (n < 0) throw RuntimeError(fmt::format("cannot read link {}", h));
    target.resize(static_cast<size_t>(n));
    e.link = target;
  } else {
    throw InputError(fmt::format("{}: not a regular file, directory or symlink", printable(rel)));
  }
  return e;
}

std::string BuildContext::resolve(const std::string& rel) const {
  // Every component is resolved here, not by the kernel: a symlinked directory
  // in the middle of a path ("etc/passwd" with etc -> /etc) must not reach the host.
  std::vector<std::string> todo = split(rel);
  std::reverse(todo.begin(), todo.end()); // a stack: the next component at the back
  std::string cur;                        // resolved so far: inside the context, no symlinks
  int hops = 0;
  while (!todo.empty()) {
    std::string seg = std::move(todo.back());
    todo.pop_back();
    if (seg == ".") continue;
    if (seg == "..") {
      if (cur.empty())
        throw InputError(fmt::format("{} is outside the build context", printable(rel)));
      size_t slash = cur.rfind('/');
      cur = slash == std::string::npos ? "" : cur.substr(0, slash);
      continue;
    }
    std::string link = cur.empty() ? seg : cur + "/" + seg;
    struct stat st {};
    if (::lstat(host(link).c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      cur = link; // a missing path is reported by whoever reads it
      continue;
    }
    if (++hops > 64)
      throw InputError(fmt::format("{}: too many levels of symbolic links", printable(rel)));
    std::string target = lstat_entry(link).link;
    std::string joined;
    if (!target.empty() && target[0] == '/') {
      if (target != dir_ && target.compare(0, dir_.size() + 1, dir_ + "/") != 0)
        throw InputError(fmt::format("{} is a symlink to {}, outside the build context",
                                     printable(link), printable(target)));
      joined = clean_path(target.substr(dir_.size()));
      if (!joined.empty() && joined[0] == '/') joined.erase(0, 1);
    } else {
      joined = clean_path(cur.empty() ? target : cur + "/" + target);
    }
    if (joined == ".." || joined.rfind("../", 0) == 0)
      throw InputError(fmt::format("{} is a symlink to {}, outside the build context",
                                   printable(link), printable(target)));
    // Continue from the root with the target's components, then the rest.
    std::vector<std::string> parts = split(joined == "." ? "" : joined);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      todo.push_back(*it);
    cur.clear();
  }
  if (hops > 0 && !cur.empty() && ignore_.excluded(cur))
    throw InputError(fmt::format("{} is a symlink to {}, which .dockerignore excludes",
                                 printable(rel), printable(cur)));
  return cur;
}

TarEntry BuildContext::stat(const std::string& rel) const {
  TarEntry e = lstat_entry(resolve(rel));
  e.path = rel;
  return e;
}

std::vector<TarEntry> BuildContext::walk(const std::string& rel_dir) const {
  // A directory named through a symlink is walked at its target, and its
  // entries are named under `rel_dir`, as the caller named them.
  std::string real = resolve(rel_dir);
  std::vector<TarEntry> out;
  walk_into(real, out);
  if (real != rel_dir) {
    size_t skip = real.empty() ? 0 : real.size() + 1;
    std::string prefix = rel_dir.empty() ? "" : rel_dir + "/";
    for (auto& e : out)
      e.path = prefix + e.path.substr(skip);
  }
  return out;
}

void BuildContext::walk_into(const std::string& rel, std::vector<TarEntry>& out) const {
  for (const auto& name : list_dir(host(rel))) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    bool excluded = ignore_.excluded(child);
    TarEntry e = lstat_entry(child);
    if (!excluded) out.push_back(e);
    if (e.type == EntryType::directory && (!excluded || ignore_.may_reinclude_below(child)))
      walk_into(child, out);
  }
}

} // namespace rt::build

#include "debian/base_image.hpp"

#include "debian/deb.hpp"
#include "layer/layer_writer.hpp"
#include "oci/media_types.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include "util/time.hpp"
#include <ctime>
#include <fmt/format.h>
#include <map>

namespace rt::debian {

namespace {

using layer::EntryType;
using layer::TarEntry;

std::string rfc3339(int64_t epoch) {
  return util::rfc3339_utc(epoch);
}

// The layer's entries by path: later ones replace earlier ones (a recipe file
// over a package's), as the last of equal paths wins in a tar.
class Tree {
public:
  Tree(std::string staging, int64_t mtime) : staging_(std::move(staging)), mtime_(mtime) {}

  void add(TarEntry t) { entries_[t.path] = std::move(t); }

  void add_file(const std::string& path, std::string_view content, uint32_t mode = 0644,
                uint32_t uid = 0, uint32_t gid = 0) {
    TarEntry t;
    t.path = path;
    t.mode = mode;
    t.uid = uid;
    t.gid = gid;
    t.mtime = mtime_;
    t.size = static_cast<int64_t>(content.size());
    t.source = fmt::format("{}/generated-{}", staging_, generated_++);
    write_scratch_file(t.source, content, 0600);
    add(std::move(t));
  }

  void add_symlink(const std::string& path, const std::string& target) {
    TarEntry t;
    t.path = path;
    t.type = EntryType::symlink;
    t.mode = 0777;
    t.link = target;
    t.mtime = mtime_;
    add(std::move(t));
  }

  void add_directory(const std::string& path, uint32_t mode, uint32_t uid, uint32_t gid) {
    TarEntry t;
    t.path = path;
    t.type = EntryType::directory;
    t.mode = mode;
    t.uid = uid;
    t.gid = gid;
    t.mtime = mtime_;
    add(std::move(t));
  }

  // Every parent directory present (0755 root:root when no package has it),
  // every hard link after the file it names, as a tar needs them.
  std::vector<TarEntry> finish(const std::string& what) {
    std::vector<std::string> missing;
    for (const auto& [path, t] : entries_)
      for (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0;
           slash = path.rfind('/', slash - 1)) {
        std::string parent = path.substr(0, slash);
        if (entries_.count(parent)) break;
        missing.push_back(parent);
      }
    for (const auto& p : missing)
      if (!entries_.count(p)) add_directory(p, 0755, 0, 0);
    order_hardlinks(what);
    std::vector<TarEntry> out;
    out.reserve(entries_.size());
    for (auto& [path, t] : entries_)
      out.push_back(std::move(t));
    return out;
  }

  const std::map<std::string, TarEntry>& entries() const { return entries_; }

private:
  // A group of hard links shares the first path of the group (byte order) as
  // its file, so that the tar, written in path order, names it before its links.
  void order_hardlinks(const std::string& what) {
    std::map<std::string, std::vector<std::string>> groups; // file → links to it
    for (const auto& [path, t] : entries_) {
      if (t.type != EntryType::hardlink) continue;
      auto target = entries_.find(t.link);
      if (target == entries_.end() || target->second.type != EntryType::file)
        throw RuntimeError(fmt::format(
            "{}: {} is a hard link to {}, which is not a file in the image", what, path, t.link));
      groups[t.link].push_back(path);
    }
    for (auto& [file, links] : groups) {
      const std::string& first = *std::min_element(links.begin(), links.end());
      if (first > file) continue;
      TarEntry leader = entries_.at(file);
      leader.path = first;
      TarEntry link = entries_.at(first);
      link.type = EntryType::hardlink;
      link.link = first;
      for (const auto& l : links)
        entries_[l].link = first;
      entries_[file] = link;
      entries_[file].path = file;
      entries_[first] = leader;
    }
  }

  std::string staging_;
  int64_t mtime_;
  int generated_ = 0;
  std::map<std::string, TarEntry> entries_;
};

std::string passwd(const Recipe& r) {
  std::string out;
  for (const auto& u : r.users)
    out += fmt::format("{}:x:{}:{}:{}:{}:{}\n", u.name, u.uid, u.gid, u.name, u.home, u.shell);
  return out;
}

std::string group(const Recipe& r) {
  std::string out;
  for (const auto& g : r.groups)
    out += fmt::format("{}:x:{}:\n", g.name, g.gid);
  return out;
}

// What update-ca-certificates (ca-certificates' postinst) would have written:
// every certificate of /usr/share/ca-certificates, in path order, concatenated.
std::string ca_bundle(const Tree& tree) {
  std::string out;
  for (const auto& [path, t] : tree.entries()) {
    if (path.rfind("usr/share/ca-certificates/", 0) != 0 || t.type != EntryType::file ||
        path.size() < 4 || path.compare(path.size() - 4, 4, ".crt") != 0)
      continue;
    std::string pem = read_file(t.source);
    if (!pem.empty() && pem.back() != '\n') pem += '\n';
    out += pem;
  }
  return out;
}

} // namespace

std::string debian_arch(const oci::Platform& p) {
  const std::string& a = p.architecture;
  if (a == "arm") return p.variant == "v7" || p.variant.empty() ? "armhf" : "armel";
  if (a == "386") return "i386";
  if (a == "ppc64le") return "ppc64el";
  return a;
}

oci::Image build_base(const Recipe& recipe, const Lock& lock, const BaseBuild& build,
                      const layer::BlobStore& cache) {
  std::string lock_file = recipe.lock_path();
  if (lock.inputs != recipe_inputs(recipe))
    throw InputError(fmt::format("{}: the lock was made for another version of {}: run "
                                 "`release-tool base lock {}` again",
                                 lock_file, recipe.file, recipe.file));
  std::string arch = debian_arch(build.platform);
  auto it = lock.packages.find(arch);
  if (it == lock.packages.end())
    throw InputError(fmt::format("{}: no packages for {} ({}): the recipe's architectures are "
                                 "locked there",
                                 lock_file, arch, build.platform.str()));
  const auto& packages = it->second;

  // 1. Every .deb into the cache first, verified against the lock.
  std::vector<std::string> debs;
  std::map<std::string, Mirror> mirrors;
  for (const auto& p : packages) {
    if (!mirrors.count(p.suite)) mirrors[p.suite] = find_mirror(p.suite, build.mirror);
    std::string what = fmt::format("package {} {} ({})", p.name, p.version, p.architecture);
    debs.push_back(fetch_blob(mirrors[p.suite].url + "/" + p.filename, p.sha256, p.size, what,
                              "the lock", cache));
  }

  // 2. Their contents, package by package in name order, then the dpkg records.
  TempDir staging("release-tool-base", cache.root());
  Tree tree(staging.path(), build.source_date_epoch);
  bool ca_certificates = false;
  for (size_t i = 0; i < packages.size(); ++i) {
    const auto& p = packages[i];
    // The cached bytes are checked again: a cache entry edited since it was fetched is no package.
    if (sha256_of_file(debs[i]) != p.sha256)
      throw RuntimeError(
          fmt::format("package {}: the cached {} no longer matches the lock", p.name, debs[i]));
    DebContents deb =
        read_deb(debs[i], staging.path(), fmt::format("package {} {}", p.name, p.version));
    for (auto& t : deb.entries)
      tree.add(std::move(t));
    std::string control = deb.control;
    if (control.back() != '\n') control += '\n';
    tree.add_file("var/lib/dpkg/status.d/" + p.name, control);
    tree.add_file("var/lib/dpkg/status.d/" + p.name + ".md5sums", deb.md5sums);
    ca_certificates = ca_certificates || p.name == "ca-certificates";
  }
  if (ca_certificates) tree.add_file("etc/ssl/certs/ca-certificates.crt", ca_bundle(tree));

  // 3. The recipe's own: accounts, directories, files.
  if (!recipe.users.empty()) tree.add_file("etc/passwd", passwd(recipe));
  if (!recipe.groups.empty()) tree.add_file("etc/group", group(recipe));
  for (const auto& path : recipe.paths) {
    if (path.kind == PathSpec::Kind::directory)
      tree.add_directory(path.path, path.mode, path.uid, path.gid);
    else if (path.kind == PathSpec::Kind::file)
      tree.add_file(path.path, path.content, path.mode, path.uid, path.gid);
    else
      tree.add_symlink(path.path, path.content);
  }

  // 4. One layer through the deterministic pipeline, then config and manifest.
  std::vector<TarEntry> entries = tree.finish(recipe.file);
  layer::LayerResult layer = layer::write_layer(entries, cache, build.gzip);
  oci::Descriptor desc;
  desc.media_type = std::string(oci::kOciLayerGzip);
  desc.digest = layer.digest;
  desc.size = layer.size;
  auto file_layer = std::make_shared<oci::FileLayer>(desc, layer.diff_id, cache.path(layer.digest));

  std::string created = rfc3339(build.source_date_epoch);
  nlohmann::json package_list = nlohmann::json::array();
  for (const auto& p : packages)
    package_list.push_back(p.name + "=" + p.version);
  nlohmann::json config = {
      {"architecture", build.platform.architecture},
      {"os", build.platform.os},
      {"created", created},
      {"config", recipe.config},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.diff_id.str()}}}},
      {"history",
       {{{"created", created},
         {"created_by", fmt::format("release-tool base build {}", recipe.name)},
         {"comment", fmt::format("{} Debian packages, no maintainer scripts", packages.size())}}}}};
  if (!build.platform.variant.empty()) config["variant"] = build.platform.variant;
  if (!recipe.labels.empty()) config["config"]["Labels"] = recipe.labels;

  std::map<std::string, std::string> annotations = {
      {"org.opencontainers.image.title", recipe.name},
      {"org.opencontainers.image.created", created},
      {"dev.release-tool.base.packages", sha256_of(oci::canonical(package_list)).str()}};
  for (const auto& [k, v] : recipe.annotations)
    annotations[k] = v;
  log::info("{} ({}): {} packages, layer {} ({} bytes)", recipe.name, build.platform.str(),
            packages.size(), layer.digest.str(), layer.size);
  return oci::make_image(oci::canonical(config), {file_layer}, annotations);
}

} // namespace rt::debian

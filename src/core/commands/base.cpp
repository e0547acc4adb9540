#include "commands/base.hpp"

#include "commands/assemble.hpp"
#include "debian/base_image.hpp"
#include "debian/index.hpp"
#include "debian/lock.hpp"
#include "debian/recipe.hpp"
#include "debian/resolver.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rt::commands {

namespace {

[[noreturn]] void fail_at(const debian::Recipe& r, release::SourceLocation at,
                          const std::string& what) {
  throw InputError::located(r.file, at.line, at.column, what);
}

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

std::vector<std::string> base_lock(const BaseOptions& o) {
  debian::Recipe recipe = debian::load_recipe(o.recipe);
  layer::BlobStore cache(o.store_root.empty() ? layer::BlobStore::default_root() : o.store_root);

  // Every suite's signed Release first: what the archive offers is checked before any index.
  std::vector<debian::Release> releases;
  for (const auto& source : recipe.sources) {
    debian::Mirror mirror;
    try {
      mirror = debian::find_mirror(source.suite, o.mirror);
    } catch (const InputError& e) {
      fail_at(recipe, source.at, e.what());
    }
    releases.push_back(debian::fetch_release(source.suite, mirror));
    for (const auto& component : source.components)
      if (!has(releases.back().components, component))
        fail_at(recipe, source.at,
                fmt::format("suite {} has no component {}", source.suite, component));
  }
  for (const auto& [arch, at] : recipe.architectures)
    for (const auto& release : releases)
      if (!has(release.architectures, arch))
        fail_at(recipe, at,
                fmt::format("suite {} has no architecture {} (it has: {})", release.suite, arch,
                            fmt::join(release.architectures, " ")));

  debian::Lock lock;
  lock.inputs = debian::recipe_inputs(recipe);
  for (const auto& r : releases)
    lock.sources.push_back({r.suite, r.date, r.inrelease});
  std::vector<std::string> summary;
  for (const auto& [arch, at] : recipe.architectures) {
    debian::Index index;
    for (size_t i = 0; i < releases.size(); ++i)
      for (const auto& component : recipe.sources[i].components) {
        std::string text = debian::fetch_packages(releases[i], component, arch, cache);
        index.add(text, releases[i].suite,
                  fmt::format("{}/{}/binary-{}/Packages", releases[i].suite, component, arch));
      }
    auto chosen = debian::resolve(index, recipe.rules(arch));
    auto& list = lock.packages[arch];
    int64_t bytes = 0;
    for (const auto* p : chosen) {
      list.push_back(
          {p->name, p->version, p->architecture, p->suite, p->filename, p->size, p->sha256});
      bytes += p->size;
    }
    summary.push_back(fmt::format("{} {}: {} packages, {:.1f} MiB of .debs", recipe.name, arch,
                                  list.size(), static_cast<double>(bytes) / (1 << 20)));
  }
  write_file_atomic(recipe.lock_path(), lock.to_json());
  log::info("wrote {}", recipe.lock_path());
  return summary;
}

Digest base_build(BaseBuildOptions o) {
  debian::Recipe recipe = debian::load_recipe(o.base.recipe);
  std::vector<layout::Destination> outputs;
  for (const auto& text : o.outputs)
    outputs.push_back(parse_output(text));
  if (outputs.empty()) throw InputError("no --output given (e.g. --output oci:out:latest)");
  std::string lock_file = recipe.lock_path();
  if (!path_exists(lock_file))
    throw InputError(fmt::format("{}: no lock beside the recipe: run `release-tool base lock {}`",
                                 lock_file, recipe.file));
  debian::Lock lock = debian::Lock::parse(read_file(lock_file), lock_file);
  debian::BaseBuild build;
  build.platform = oci::Platform::parse(o.platform);
  build.mirror = o.base.mirror;
  build.gzip = o.gzip;
  build.source_date_epoch = source_date_epoch_from_env();
  layer::BlobStore cache(o.base.store_root.empty() ? layer::BlobStore::default_root()
                                                   : o.base.store_root);
  oci::Image image = debian::build_base(recipe, lock, build, cache);
  RegistrySession session(o.registry);
  for (const auto& dest : outputs) {
    write_image_to(session, image, dest);
    log::info("wrote {} to {}", image.digest().str(), dest.str());
  }
  return image.digest();
}

} // namespace rt::commands

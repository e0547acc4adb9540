#include "release/pipeline.hpp"

#include "build/env_file.hpp"
#include "commands/assemble.hpp"
#include "layout/output_set.hpp"
#include "registry/reference.hpp"
#include "remote/remote_image.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>

namespace rt::release {

namespace {
std::string utc(int64_t epoch, const char* format) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// A file named on the command line or in images.json that is not there is bad
// input (exit 2), as for assemble, not a failure while running.
const std::string& existing_file(const std::string& path, std::string_view what) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) throw InputError(fmt::format("{} {}: no such file", what, path));
  if (fs::is_directory(st))
    throw InputError(fmt::format("{} {} is a directory, not a file", what, path));
  return path;
}
} // namespace

std::string BuildMetadata::buildtime() const {
  return utc(epoch, "%F-%T");
}
std::string BuildMetadata::created() const {
  return utc(epoch, "%Y-%m-%dT%H:%M:%SZ");
}

ReleaseRun::ReleaseRun(const ReleaseOptions& o)
    : options(o), config(load_images_config(existing_file(o.configs.at(0), "--config"))),
      rewrites(Rewrites::parse(o.registry_rewrites)), session(o.registry),
      cache(o.cache_dir.empty() ? layer::BlobStore::default_root() : o.cache_dir), evidence(o) {
  // Every flag and file is checked here, before anything is built or pushed.
  for (size_t i = 1; i < o.configs.size(); ++i)
    apply_overlay(config, existing_file(o.configs[i], "--config"));
  selected = config.select(o.images);
  for (const auto& flag : o.build_arg_flags)
    if (auto kv = commands::parse_build_arg(flag)) extra_args.push_back(*kv);
  if (!o.output.empty()) {
    auto d = layout::parse_destination(o.output);
    if (d.kind != layout::Destination::Kind::oci || !d.tag.empty())
      throw InputError(
          fmt::format("--output {}: expected oci:DIR (each image is tagged NAME:TAG)", o.output));
  }
  oci::Platform::parse(o.platform);
  if (!o.compression.empty()) compression = layer::parse_compression(o.compression);
  for (const auto& spec : selected)
    for (const auto* tags : {&spec.tags_rc, &spec.tags_final})
      for (const auto& t : *tags)
        expand_tag(t, o.version.empty() ? "v" : o.version, "0");
}

void ReleaseRun::check_inputs(const std::string& dockerfile) const {
  existing_file(dockerfile, fmt::format("Dockerfile (from {})", config.path));
  std::vector<std::string> targets;
  for (const auto& spec : selected)
    targets.push_back(spec.target);
  build::check_dockerfile(dockerfile, targets);
}

std::string ReleaseRun::build_binary() const {
  std::string workdir = config.resolve(config.binary.working_directory);
  if (!options.skip_build) {
    log::info("running {} in {}", quote_argv(config.binary.command), workdir);
    int status = run_live(config.binary.command, workdir);
    if (status != 0)
      throw RuntimeError(fmt::format("the build command {} failed with exit status {}",
                                     quote_argv(config.binary.command), status));
  }
  // The artifact goes into the build context.
  std::string artifact = workdir + "/" + config.binary.artifact;
  if (!fs::is_regular_file(artifact))
    throw RuntimeError(fmt::format("{} does not exist: {}", artifact,
                                   options.skip_build ? "build it first, or drop --skip-build"
                                                      : "the build command did not produce it"));
  std::string dest = config.resolve(config.context) + "/" + config.binary.destination;
  make_dirs(fs::path(dest).parent_path().string());
  if (fs::weakly_canonical(artifact) != fs::weakly_canonical(dest)) {
    AtomicFile out(dest);
    InputFile in(artifact);
    copy_stream(in, out);
    out.commit(0755);
  }
  return artifact;
}

std::string ReleaseRun::write_env_file(const BuildMetadata& meta) const {
  std::string path = config.base_dir + "/.env";
  // The build-args file of the build, as the users' CI writes it, but with
  // BUILDTIME from the commit, so a rebuild writes the same file.
  write_file_atomic(path, fmt::format("VERSION={}\nCOMMITHASH={}\nBUILDTIME={}\n", meta.version,
                                      meta.commit, meta.buildtime()));
  return path;
}

std::vector<BuiltImage>
ReleaseRun::build_all(const std::string& dockerfile, const std::string& env_file,
                      const BuildMetadata& meta,
                      const std::vector<std::pair<std::string, std::string>>& args,
                      build::UrlFetcher fetch, std::string_view mode) {
  std::vector<BuiltImage> out;
  for (const auto& spec : selected) {
    build::BuildOptions b;
    b.dockerfile = dockerfile;
    b.context_dir = config.resolve(spec.context);
    b.target = spec.target;
    for (auto& kv : build::load_env_file(env_file))
      b.build_args.push_back(kv);
    for (auto& kv : args)
      b.build_args.push_back(kv);
    for (auto& kv : extra_args)
      b.build_args.push_back(kv);
    b.platform = oci::Platform::parse(options.platform);
    b.source_date_epoch = meta.epoch;
    b.compression = compression ? *compression : spec.compression.value_or(layer::Compression{});
    b.compression.threads = options.threads;
    b.store_root = cache.root();
    b.fetch_url = fetch;
    // A base is looked up where --registry-rewrite sends it; its name stays as written.
    auto resolver = commands::registry_resolver(
        session, cache, [this](const std::string& ref) { return rewrites.apply(ref); });
    b.resolve_image = resolver;
    if (auto pin = base_pins.find(spec.name); pin != base_pins.end()) {
      // The recorded base by digest: "repo:tag" as written resolves to "repo@digest".
      auto resolve = b.resolve_image;
      std::string pinned_name = pin->second.first, pinned_digest = pin->second.second;
      b.resolve_image = [resolve, pinned_name, pinned_digest](const std::string& ref,
                                                              const oci::Platform& platform) {
        std::string name = ref;
        try {
          name = registry::Reference::parse(ref).str();
        } catch (const InputError&) {
        }
        if (name != pinned_name) return resolve(ref, platform);
        return resolve(registry::Reference::parse(ref).name() + "@" + pinned_digest, platform);
      };
    }
    // Every registry image the build reads goes into the provenance, as written.
    auto bases = std::make_shared<std::vector<attest::Dependency>>();
    b.resolve_image = [resolve = b.resolve_image, bases](const std::string& ref,
                                                         const oci::Platform& p) {
      oci::Image image = resolve(ref, p);
      attest::Dependency d{"docker://" + registry::Reference::parse(ref).str(), "sha256",
                           image.digest().hex, ref};
      if (std::find(bases->begin(), bases->end(), d) == bases->end()) bases->push_back(d);
      return image;
    };
    std::map<std::string, std::string> oci_info = {
        {"org.opencontainers.image.version", meta.version},
        {"org.opencontainers.image.revision", meta.commit},
        {"org.opencontainers.image.created", meta.created()},
        {"org.opencontainers.image.source", "https://github.com/" + config.github_repository}};
    b.labels = oci_info;
    b.annotations = oci_info;
    log::info("building {} (target {})", spec.name, spec.target);
    build::BuildResult r = build::build_image(b);
    BuiltImage bi{spec,        rewrites.apply(spec.repository), {}, std::move(r.image), *bases,
                  b.build_args};
    for (const auto& t : spec.tags_for(mode))
      bi.tags.push_back(expand_tag(t, meta.version, meta.commit));
    out.push_back(std::move(bi));
  }
  return out;
}

void ReleaseRun::publish(const std::vector<BuiltImage>& images, const BuildMetadata& meta,
                         const std::string& mode) {
  if (!options.output.empty()) {
    // All-or-nothing too: every image into the layout, one index.json at the end.
    auto d = layout::parse_destination(options.output);
    layout::OutputSet out;
    for (const auto& bi : images)
      for (const auto& tag : bi.tags)
        out.stage(bi.image, {layout::Destination::Kind::oci, d.path, bi.spec.name + ":" + tag, {}});
    out.commit();
    out.finish();
    write_evidence(*this, images, meta, mode, d.path);
  } else {
    // All-or-nothing: every blob and manifest goes in by digest first; only
    // when all images are in are the tags moved, so a failure moves none.
    // Signatures and attestations are part of it: each image's start once it
    // is in, while the next is pushed, and all end before any tag moves.
    EvidenceJobs evidence(*this, meta, mode);
    for (const auto& bi : images) {
      auto ref = registry::Reference::parse(bi.repository);
      log::info("pushing {} to {}", bi.spec.name, bi.repository);
      remote::push_image(session.registries, bi.image, ref, session.push, session.progress,
                         &session.stats);
      evidence.start(bi);
    }
    // Which tags already name their image is read while the evidence runs; the
    // others move only once every signature and attestation is in.
    std::vector<std::pair<const BuiltImage*, registry::Reference>> to_move;
    for (const auto& bi : images)
      for (const auto& tag : bi.tags) {
        auto ref = registry::Reference::parse(bi.repository + ":" + tag);
        if (!remote::tag_is_current(session.registries, bi.image, ref))
          to_move.emplace_back(&bi, std::move(ref));
      }
    evidence.wait();
    for (const auto& [bi, ref] : to_move)
      remote::put_tag(session.registries, bi->image, ref);
  }
  // Columns as wide as their longest cell: a long reference keeps the table straight.
  std::vector<std::array<std::string, 3>> rows = {{"IMAGE", "REFERENCE", "DIGEST"}};
  for (const auto& bi : images)
    rows.push_back({bi.spec.name,
                    options.output.empty()
                        ? bi.repository + ":" + bi.tags.front()
                        : options.output + ":" + bi.spec.name + ":" + bi.tags.front(),
                    bi.image.digest().str()});
  size_t w0 = 0, w1 = 0;
  for (const auto& r : rows) {
    w0 = std::max(w0, r[0].size());
    w1 = std::max(w1, r[1].size());
  }
  for (const auto& r : rows)
    std::printf("%s\n", fmt::format("{:<{}} {:<{}} {}", r[0], w0, r[1], w1, r[2]).c_str());
  std::fflush(stdout);
  if (!options.digests_file.empty()) {
    nlohmann::json j = {{"version", meta.version},
                        {"mode", mode},
                        {"commit", meta.commit},
                        {"images", nlohmann::json::array()}};
    // What a Helm chart bump needs per image: the digest, where it was pushed
    // (and what images.json says, before --registry-rewrite), and the breadcrumb
    // of the users' values.yaml: "repository=…;commit_ref=…;app=…;".
    std::string source = "https://github.com/" + config.github_repository;
    std::string commit_short = meta.commit.substr(0, 7);
    for (const auto& bi : images)
      j["images"].push_back({{"name", bi.spec.name},
                             {"repository", bi.repository},
                             {"configured_repository", bi.spec.repository},
                             {"tags", bi.tags},
                             {"digest", bi.image.digest().str()},
                             {"reference", bi.repository + "@" + bi.image.digest().str()},
                             {"source_repository", source},
                             {"commit", meta.commit},
                             {"commit_short", commit_short},
                             {"chart_metadata", fmt::format("repository={};commit_ref={};app={};",
                                                            source, commit_short, bi.spec.name)}});
    write_file_atomic(options.digests_file, j.dump(2) + "\n");
  }
}

} // namespace rt::release

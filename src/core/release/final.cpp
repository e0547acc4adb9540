// `release-tool final --version V` and `release-tool reproduce --version V`.
#include "registry/reference.hpp"
#include "release/github_inputs.hpp"
#include "release/image_diff.hpp"
#include "remote/remote_image.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::release {

namespace {
// What the SBOM and provenance name: the Dockerfile, each asset by URL and digest.
void record_inputs(ReleaseRun& run, const GithubInputs& in) {
  run.evidence.dockerfile = run.config.dockerfile_release;
  for (const auto& [name, digest] : in.digests) {
    run.evidence.artifacts.push_back({name, "", "", "", digest});
    run.evidence.assets.push_back({in.urls.at(name), "sha256", digest.hex, name});
  }
}
} // namespace

int run_final(const ReleaseOptions& o) {
  if (o.version.empty()) throw InputError("final needs --version (the release tag)");
  ReleaseRun run(o);
  std::string dockerfile = run.config.resolve(run.config.dockerfile_release);
  run.check_inputs(dockerfile);
  // --create-release: the release is made from this checkout first, unless published.
  if (o.create_release) {
    if (github_release_published(run.config, o.version))
      log::info("release {} is published: --create-release has nothing to do", o.version);
    else
      run_github_release(o);
  }
  // Everything comes from GitHub: the binary, the commit, the time.
  std::string staging =
      run.cache.root() + "/github/" + run.config.github_repository + "/" + o.version;
  GithubInputs in = prepare_github_inputs(run, o.version, staging, true);
  record_inputs(run, in);
  std::string env_file = run.write_env_file(in.meta);
  auto images = run.build_all(dockerfile, env_file, in.meta, in.args, in.fetcher, "final");
  run.publish(images, in.meta, "final");
  return 0;
}

namespace {

// Each image is rebuilt on the base its release used: the base.name and
// base.digest its published manifest records. A base tag moves (distroless is
// rebuilt all the time); what the release used stays in the registry by digest.
// Says so when the tag has moved since.
void pin_bases(ReleaseRun& run, const ReleaseOptions& o, const std::string& commit) {
  oci::Platform platform = oci::Platform::parse(o.platform);
  for (const auto& spec : run.selected) {
    std::string ref = run.rewrites.apply(spec.repository) + ":" +
                      expand_tag(spec.tags_final.front(), o.version, commit);
    nlohmann::json annotations;
    try {
      oci::Image published = remote::read_remote_image(
          run.session.registries, registry::Reference::parse(ref), platform, &run.cache);
      annotations =
          nlohmann::json::parse(published.manifest).value("annotations", nlohmann::json::object());
    } catch (const registry::RegistryError& e) {
      if (e.status() != 404) throw;
      continue; // reported as DIFFER (not in the registry) after the rebuild
    }
    std::string name = annotations.value("org.opencontainers.image.base.name", "");
    std::string digest = annotations.value("org.opencontainers.image.base.digest", "");
    if (name.empty() || !Digest::valid(digest)) continue;
    run.base_pins[spec.name] = {name, digest};
    // Where the tag points today (looked up where --registry-rewrite sends it).
    std::string now;
    try {
      now = remote::read_remote_image(run.session.registries,
                                      registry::Reference::parse(run.rewrites.apply(name)),
                                      platform, &run.cache)
                .digest()
                .str();
    } catch (const std::exception&) {
      now = "gone";
    }
    if (now != digest)
      std::printf("%s: base %s now %s, the release used %s (rebuilding on %s)\n", spec.name.c_str(),
                  name.c_str(), now.c_str(), digest.c_str(), digest.c_str());
    else
      log::info("{}: base {} at {}", spec.name, name, digest);
  }
  std::fflush(stdout);
}

} // namespace

int run_reproduce(const ReleaseOptions& o) {
  if (o.version.empty()) throw InputError("reproduce needs --version (the release tag)");
  if (!o.output.empty()) throw InputError("reproduce does not push or write images: drop --output");
  if (!o.sign_key.empty())
    throw InputError("reproduce signs nothing: drop --sign-key (--key checks)");
  ReleaseRun run(o);
  std::string dockerfile = run.config.resolve(run.config.dockerfile_release);
  run.check_inputs(dockerfile);
  // Nothing of the checkout's state is used: inputs are staged in a temporary directory.
  TempDir work("release-tool-reproduce");
  GithubInputs in = prepare_github_inputs(run, o.version, work.path() + "/assets", false);
  pin_bases(run, o, in.meta.commit);
  record_inputs(run, in);
  std::string env_file = work.path() + "/.env";
  write_file_atomic(env_file, fmt::format("VERSION={}\nCOMMITHASH={}\nBUILDTIME={}\n",
                                          in.meta.version, in.meta.commit, in.meta.buildtime()));
  auto images = run.build_all(dockerfile, env_file, in.meta, in.args, in.fetcher, "final");

  bool all_match = true;
  std::vector<std::string> rows;
  for (const auto& bi : images) {
    std::string ref_text = bi.repository + ":" + bi.tags.front();
    auto ref = registry::Reference::parse(ref_text);
    std::string verdict;
    std::string registry_digest = "-";
    try {
      oci::Image published = remote::read_remote_image(
          run.session.registries, ref, oci::Platform::parse(o.platform), &run.cache);
      registry_digest = published.digest().str();
      // --key: the signature, provenance and SBOM of what the registry holds.
      std::vector<std::string> faults = check_evidence(run, bi, published.digest(), in.meta);
      for (const auto& f : faults)
        std::fprintf(stdout, "%s: %s\n", bi.spec.name.c_str(), f.c_str());
      if (published.digest() == bi.image.digest()) {
        verdict = faults.empty() ? "MATCH" : "UNTRUSTED";
      } else {
        verdict = "DIFFER";
        ImageDiff diff = diff_images(published, bi.image);
        diff.rebuilt_compressor = layer::compressor_identity(
            run.compression ? *run.compression
                            : bi.spec.compression.value_or(layer::Compression{}));
        std::fprintf(stdout, "%s: %s differs from the rebuild:\n%s\n", bi.spec.name.c_str(),
                     ref_text.c_str(), diff.explain().c_str());
      }
    } catch (const registry::RegistryError& e) {
      if (e.status() != 404) throw;
      verdict = "DIFFER";
      std::fprintf(stdout, "%s: %s is not in the registry\n", bi.spec.name.c_str(),
                   ref_text.c_str());
    }
    all_match = all_match && verdict == "MATCH";
    rows.push_back(fmt::format("{:<32} {:<9} {:<72} {}", bi.spec.name, verdict, registry_digest,
                               bi.image.digest().str()));
  }
  std::printf("%-32s %-9s %-72s %s\n", "IMAGE", "RESULT", "REGISTRY", "REBUILT");
  for (const auto& r : rows)
    std::printf("%s\n", r.c_str());
  return all_match ? 0 : 1;
}

} // namespace rt::release

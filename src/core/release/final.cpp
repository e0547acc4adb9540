// `release-tool final --version V` and `release-tool reproduce --version V`.
#include "release/github_inputs.hpp"
#include "release/image_diff.hpp"
#include "remote/remote_image.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace rt::release {

int run_final(const ReleaseOptions& o) {
  if (o.version.empty()) throw InputError("final needs --version (the release tag)");
  ReleaseRun run(o);
  std::string dockerfile = run.config.resolve(run.config.dockerfile_release);
  run.check_inputs(dockerfile);
  // Everything comes from GitHub: the binary, the commit, the time.
  std::string staging =
      run.cache.root() + "/github/" + run.config.github_repository + "/" + o.version;
  GithubInputs in = prepare_github_inputs(run, o.version, staging, true);
  std::string env_file = run.write_env_file(in.meta);
  auto images = run.build_all(dockerfile, env_file, in.meta, in.args, in.fetcher);
  run.publish(images, in.meta, "final");
  return 0;
}

int run_reproduce(const ReleaseOptions& o) {
  if (o.version.empty()) throw InputError("reproduce needs --version (the release tag)");
  if (!o.output.empty()) throw InputError("reproduce does not push or write images: drop --output");
  ReleaseRun run(o);
  std::string dockerfile = run.config.resolve(run.config.dockerfile_release);
  run.check_inputs(dockerfile);
  // Nothing of the checkout's state is used: inputs are staged in a temporary directory.
  TempDir work("release-tool-reproduce");
  GithubInputs in = prepare_github_inputs(run, o.version, work.path() + "/assets", false);
  std::string env_file = work.path() + "/.env";
  write_file_atomic(env_file, fmt::format("VERSION={}\nCOMMITHASH={}\nBUILDTIME={}\n",
                                          in.meta.version, in.meta.commit, in.meta.buildtime()));
  auto images = run.build_all(dockerfile, env_file, in.meta, in.args, in.fetcher);

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
      if (published.digest() == bi.image.digest()) {
        verdict = "MATCH";
      } else {
        verdict = "DIFFER";
        ImageDiff diff = diff_images(published, bi.image);
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
    rows.push_back(fmt::format("{:<32} {:<7} {:<72} {}", bi.spec.name, verdict, registry_digest,
                               bi.image.digest().str()));
  }
  std::printf("%-32s %-7s %-72s %s\n", "IMAGE", "RESULT", "REGISTRY", "REBUILT");
  for (const auto& r : rows)
    std::printf("%s\n", r.c_str());
  return all_match ? 0 : 1;
}

} // namespace rt::release

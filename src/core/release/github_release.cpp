// `release-tool github-release --version V`: the GitHub Release that `final` and
// `reproduce` build from, made from this checkout and published in the order
// that survives immutable releases — a draft at HEAD, every asset uploaded and
// its digest checked as GitHub reports it, then published. A rerun resumes its
// draft; a published release with the same assets is left alone.
#include "github/release_writer.hpp"
#include "registry/reference.hpp"
#include "release/git.hpp"
#include "release/pipeline.hpp"
#include "release/release_assets.hpp"
#include "remote/progress.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace rt::release {

namespace {

// What is wrong with the release's asset `name` against the local file, or "".
std::string asset_problem(const github::Release& release, const MadeAsset& local) {
  const github::Asset* a = release.find_asset(local.name);
  if (!a) return fmt::format("{} is missing", local.name);
  if (a->state != "uploaded")
    return fmt::format("{} is half-uploaded (state {})", a->name, a->state);
  if (a->size != local.size)
    return fmt::format("{} is {} bytes on GitHub, {} here", a->name, a->size, local.size);
  if (!a->digest) return fmt::format("{} has no digest on GitHub: cannot check it", a->name);
  if (*a->digest != local.digest)
    return fmt::format("{} is {} on GitHub, {} here", a->name, a->digest->str(),
                       local.digest.str());
  return {};
}

std::vector<std::string> problems(const github::Release& release,
                                  const std::vector<MadeAsset>& assets, bool extra_too) {
  std::vector<std::string> out;
  for (const auto& m : assets)
    if (std::string p = asset_problem(release, m); !p.empty()) out.push_back(p);
  if (extra_too)
    for (const auto& a : release.assets) {
      bool ours = false;
      for (const auto& m : assets)
        ours = ours || m.name == a.name;
      if (!ours) out.push_back(fmt::format("{} is not an asset of this release", a.name));
    }
  return out;
}

void print_assets(const std::vector<MadeAsset>& assets) {
  std::printf("%-40s %12s %s\n", "ASSET", "SIZE", "DIGEST");
  for (const auto& m : assets)
    std::printf("%-40s %12lld %s\n", m.name.c_str(), static_cast<long long>(m.size),
                m.digest.str().c_str());
  std::fflush(stdout);
}

// Builds the binary (unless --skip-build) and makes every asset into `dir`, afresh.
std::vector<MadeAsset> make_assets(const ReleaseRun& run, const std::string& dir) {
  std::string artifact = run.build_binary();
  int64_t epoch = git_commit_time(run.config.base_dir, "HEAD");
  for (const auto& a : run.config.release_assets)
    fs::remove(dir + "/" + a.name);
  return make_release_assets(run.config, artifact, epoch, dir, run.options.threads);
}

} // namespace

int run_github_release(const ReleaseOptions& o) {
  // 0. Everything local is checked before GitHub is asked anything.
  if (o.version.empty()) throw InputError("github-release needs --version (the release tag)");
  if (!registry::valid_tag(o.version))
    throw InputError(fmt::format("--version {}: not usable as a release tag and image tag "
                                 "([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})",
                                 o.version));
  ReleaseRun run(o);
  const ImagesConfig& c = run.config;
  if (c.release_assets.empty())
    throw InputError(fmt::format("{} lists no release_assets: nothing to publish", c.path));
  std::string notes;
  if (!o.notes_file.empty()) {
    if (!fs::is_regular_file(o.notes_file))
      throw InputError(fmt::format("--notes-file {}: no such file", o.notes_file));
    notes = read_file(o.notes_file);
  }
  std::string head = git_head(c.base_dir);
  if (std::string dirty = git_status(c.base_dir); !dirty.empty())
    throw InputError(fmt::format("the checkout {} has uncommitted changes; a release is made "
                                 "from a commit:\n{}",
                                 c.base_dir, dirty));
  if (std::string local = git_tag_commit(c.base_dir, o.version); !local.empty() && local != head)
    throw InputError(
        fmt::format("tag {} names commit {} here, but HEAD is {}", o.version, local, head));
  const std::string& repo = c.github_repository;
  std::string staging = !o.assets_dir.empty()
                            ? o.assets_dir
                            : run.cache.root() + "/github-release/" + repo + "/" + o.version;
  if (o.no_publish) {
    std::vector<MadeAsset> assets = make_assets(run, staging);
    log::info("made the assets of {} in {}; not published (--no-publish)", o.version, staging);
    print_assets(assets);
    return 0;
  }
  github::Client gh(github::ClientOptions::from_environment());
  if (gh.options().token.empty())
    throw InputError("github-release needs a token with contents: write: set GH_TOKEN (or "
                     "GITHUB_TOKEN)");
  github::ReleaseWriter writer(gh, repo);

  // 1. Before anything is created: the token may write, the tag is ours.
  github::RepoAccess access = writer.access();
  if (access.known && !access.push)
    throw RuntimeError(fmt::format("the token cannot write to {}: github-release needs "
                                   "contents: write",
                                   repo));
  if (auto remote = writer.tag_commit(o.version); remote && *remote != head)
    throw InputError(fmt::format("tag {} of {} names commit {}, but this checkout is at {}",
                                 o.version, repo, *remote, head));

  // 2. The assets, from the checkout: the same bytes on any machine.
  std::vector<MadeAsset> assets = make_assets(run, staging);

  // 3. The release of tag V: published (compare), a draft (resume), or none (create).
  const github::Release* found = nullptr;
  std::vector<github::Release> releases = writer.list_releases();
  for (const auto& r : releases)
    if (r.tag_name == o.version && (!found || (found->draft && !r.draft))) found = &r;
  if (found && !found->draft) {
    std::vector<std::string> diff = problems(*found, assets, false);
    if (!diff.empty())
      throw RuntimeError(fmt::format("release {} of {} is already published with other assets "
                                     "(nothing changed): {}",
                                     o.version, repo, fmt::join(diff, "; ")));
    log::info("release {} of {} is already published with these assets: nothing to do", o.version,
              repo);
    print_assets(assets);
    return 0;
  }
  github::Release draft;
  if (found) {
    draft = *found;
    log::info("resuming the draft release {} of {} (id {})", o.version, repo, draft.id);
  } else {
    draft = writer.create_draft({o.version, head, o.version, notes, o.prerelease});
    log::info("created the draft release {} of {} (id {}) at {}", o.version, repo, draft.id, head);
  }

  // 4. Uploads: what is there with the right digest stays; anything else goes.
  for (const auto& a : std::vector<github::Asset>(draft.assets)) {
    bool keep = false;
    for (const auto& m : assets)
      keep = keep || (m.name == a.name && asset_problem(draft, m).empty());
    if (!keep) {
      log::info("removing {} from the draft ({})", a.name,
                a.state == "uploaded" ? "not this release's bytes" : "state " + a.state);
      writer.delete_asset(a);
    }
  }
  for (const auto& m : assets) {
    if (asset_problem(draft, m).empty()) {
      log::info("{} is already uploaded", m.name);
      continue;
    }
    log::info("uploading {} ({} bytes)", m.name, m.size);
    remote::Progress& bar = run.session.progress;
    size_t line = bar.start(m.name, m.size);
    github::Asset up = writer.upload(draft, m.name, m.path, m.size,
                                     [&](int64_t sent, int64_t) { bar.update(line, sent); });
    bar.done(line, "uploaded");
    if (up.digest && *up.digest != m.digest)
      throw RuntimeError(fmt::format("GitHub stored {} as {}, but it is {}: the draft stays "
                                     "unpublished",
                                     m.name, up.digest->str(), m.digest.str()));
  }

  // 5. Every asset as GitHub reports it, then publish.
  github::Release check = writer.get(draft.id);
  if (auto diff = problems(check, assets, true); !diff.empty())
    throw RuntimeError(fmt::format("the draft release {} of {} is not right, so it stays "
                                   "unpublished: {}",
                                   o.version, repo, fmt::join(diff, "; ")));
  github::Release published = writer.publish(draft.id);
  log::info("published release {} of {}{}", o.version, repo,
            published.html_url.empty() ? "" : ": " + published.html_url);
  print_assets(assets);
  return 0;
}

bool github_release_published(const ImagesConfig& config, const std::string& version) {
  github::Client gh(github::ClientOptions::from_environment());
  github::ReleaseWriter writer(gh, config.github_repository);
  for (const auto& r : writer.list_releases())
    if (r.tag_name == version && !r.draft) return true;
  return false;
}

} // namespace rt::release

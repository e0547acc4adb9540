#include "release/github_inputs.hpp"

#include "github/fetch_url.hpp"
#include "github/github.hpp"
#include "remote/progress.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace rt::release {

namespace {

// An asset placed into the build context gets 0755 only when it is a program (an
// ELF binary or a "#!" script), else 0644: the context's COPY keeps an execute
// bit, and a tarball has no business being executable in the image.
unsigned context_mode(const std::string& file) {
  InputFile in(file);
  char head[4] = {};
  size_t n = 0;
  while (n < sizeof head) {
    size_t got = in.read(head + n, sizeof head - n);
    if (got == 0) break;
    n += got;
  }
  std::string_view magic(head, n);
  bool program = magic.starts_with("\177ELF") || magic.starts_with("#!");
  return program ? 0755 : 0644;
}

} // namespace

std::string checksum_arg_name(const std::string& asset) {
  std::string out;
  for (char c : asset)
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return out + "_SHA256";
}

GithubInputs prepare_github_inputs(ReleaseRun& run, const std::string& version,
                                   const std::string& staging, bool into_context) {
  const ImagesConfig& c = run.config;
  const std::string& repo = c.github_repository;
  github::Client gh(github::ClientOptions::from_environment());
  GithubInputs in;
  github::Release release = gh.release_by_tag(repo, version);
  github::Commit commit = gh.commit(repo, version);
  in.meta.version = version;
  in.meta.commit = commit.sha;
  in.meta.epoch = commit.committer_time;
  log::info("release {} of {}: commit {} ({})", version, repo, commit.sha, in.meta.buildtime());
  in.args.emplace_back("GITHUB_REPOSITORY", repo);

  make_dirs(staging);
  std::map<std::string, std::string> sources; // asset name → how it was verified
  std::map<std::string, Digest> digests;      // asset name → digest, hashed as it downloaded
  for (const auto& want : c.release_assets) {
    const github::Asset* asset = nullptr;
    std::vector<std::string> names;
    for (const auto& a : release.assets) {
      names.push_back(a.name);
      if (a.name == want.name) asset = &a;
    }
    if (!asset)
      throw RuntimeError(
          fmt::format("release {} of {} has no asset '{}' (it has: {})", version, repo, want.name,
                      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    std::optional<github::ExpectedDigest> expected =
        github::expected_digest(gh, repo, release, *asset, staging);
    if (!expected && !run.options.allow_unverified)
      throw RuntimeError(fmt::format(
          "release asset '{}' has no digest on GitHub and the release has no checksums file "
          "listing it ({}.sha256, SHA256SUMS, SHA256SUMS.txt or *checksums.txt): refusing to use "
          "it unverified (--allow-unverified to accept)",
          want.name, want.name));
    std::string file = staging + "/" + want.name;
    log::info("downloading {} ({} bytes)", want.name, asset->size);
    // On a terminal, a progress line per asset, as for blobs pushed.
    remote::Progress& bar = run.session.progress; // silent unless on a terminal
    size_t line = bar.start(want.name, asset->size);
    Digest actual = gh.download_asset(repo, *asset, file, expected,
                                      [&](int64_t got, int64_t) { bar.update(line, got); });
    bar.done(line, "downloaded");
    if (!expected) log::warn("{} is unverified: {}", want.name, actual.str());
    in.files[want.name] = file;
    digests.emplace(want.name, actual);
    sources[want.name] = expected ? "verified against " + expected->source
                                  : std::string("unverified: --allow-unverified");
    in.args.emplace_back(checksum_arg_name(want.name), actual.hex);
    if (into_context && !want.destination.empty()) {
      std::string dest = c.resolve(c.context) + "/" + want.destination;
      make_dirs(fs::path(dest).parent_path().string());
      AtomicFile out(dest);
      InputFile src(file);
      copy_stream(src, out);
      out.commit(context_mode(file));
    }
  }

  // ADD <release download URL> is served from the verified downloads: the
  // Dockerfile names where the bytes come from, and they are fetched once.
  std::string prefix = fmt::format("https://github.com/{}/releases/download/{}/", repo, version);
  auto files = in.files;
  in.digests = digests;
  for (const auto& [name, file] : in.files)
    in.urls[name] = prefix + name;
  in.fetcher = [prefix, files, sources, digests](const std::string& url,
                                                 const std::optional<Digest>& checksum,
                                                 const std::string& dest) -> std::string {
    if (url.rfind(prefix, 0) == 0) {
      std::string name = url.substr(prefix.size());
      auto it = files.find(name);
      if (it == files.end())
        throw RuntimeError(
            fmt::format("{} is not an asset listed in images.json's release_assets", url));
      if (checksum)
        if (const Digest& actual = digests.at(name); actual != *checksum)
          throw RuntimeError(
              fmt::format("ADD {}: digest mismatch: --checksum says {}, the release asset {} is {} "
                          "({})",
                          url, checksum->str(), name, actual.str(), sources.at(name)));
      fs::copy_file(it->second, dest, fs::copy_options::overwrite_existing);
      return name;
    }
    return github::fetch_url(url, checksum, dest);
  };
  return in;
}

} // namespace rt::release

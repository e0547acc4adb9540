#include "github/github.hpp"

#include "github/checksums.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <mutex>
#include <set>

namespace rt::github {

namespace {

constexpr const char* kJson = "application/vnd.github+json";
// The REST API version we were written against; GitHub keeps it stable for 24 months.
constexpr const char* kApiVersion = "2022-11-28";
// Release JSON grows with its assets (~1.5 KiB each); well above any real release.
constexpr size_t kMaxJson = 32 << 20;
// A checksums file is text listing a few dozen files; anything larger is not one.
constexpr int64_t kMaxChecksumFile = 4 << 20;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Registers a token with the log's masking once, however many clients use it.
void mask_token(const std::string& token) {
  static std::mutex mu;
  static std::set<std::string> done;
  std::lock_guard lock(mu);
  if (!token.empty() && done.insert(token).second) log::add_secret(token);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  while (!s.empty() && s.front() == ' ')
    s.erase(0, 1);
  return s;
}

} // namespace

const char* const kApiDigestSource = "the asset's digest field in the GitHub API";

ClientOptions ClientOptions::from_environment() {
  ClientOptions o;
  if (std::string api = trimmed(env("GITHUB_API_URL")); !api.empty()) {
    if (api.rfind("http://", 0) != 0 && api.rfind("https://", 0) != 0)
      throw InputError(fmt::format("GITHUB_API_URL={} is not an http(s) URL", api));
    while (api.back() == '/')
      api.pop_back();
    o.api_url = api;
  }
  o.token = trimmed(env("GH_TOKEN"));
  if (o.token.empty()) o.token = trimmed(env("GITHUB_TOKEN"));
  mask_token(o.token);
  return o;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {
  while (!options_.api_url.empty() && options_.api_url.back() == '/')
    options_.api_url.pop_back();
  // Whoever built the options, the token is masked in every log line and error.
  mask_token(options_.token);
  for (const auto& file : options_.ca_files)
    tls_.extra_ca_pem += read_file(file) + "\n";
}

registry::HttpRequest Client::api_request(const std::string& url, const std::string& accept) const {
  registry::HttpRequest r;
  r.url = url;
  r.headers = {{"Accept", accept}, {"X-GitHub-Api-Version", kApiVersion}};
  // The http layer sends it only to this URL's origin, even across redirects.
  if (!options_.token.empty()) r.authorization = "Bearer " + options_.token;
  r.max_body = kMaxJson;
  r.tls = tls_;
  return r;
}

registry::HttpResponse Client::get(const std::string& url) {
  registry::HttpRequest request = api_request(url, kJson);
  Retrier retrier(options_.retry, "GET " + registry::url_for_message(url));
  for (;;) {
    try {
      registry::HttpResponse response = registry::http_perform(request);
      if (!retrier.retry_response(response.status, response.headers, response.body))
        return response;
    } catch (const registry::RegistryError& e) {
      if (e.status() != 0 || !retrier.retry_failure(e)) throw;
    }
  }
}

void Client::fail(const std::string& what, long status, const std::string& body) const {
  std::string message = error_message(body);
  if (status == 401)
    throw RuntimeError(options_.token.empty()
                           ? fmt::format("{}: GitHub requires a token (401): set GH_TOKEN", what)
                           : fmt::format("{}: GitHub rejected the token (401 {})", what,
                                         message.empty() ? "Bad credentials" : message));
  if (status == 403)
    throw RuntimeError(fmt::format("{}: GitHub refused the request (403){}", what,
                                   message.empty() ? "" : ": " + message));
  throw RuntimeError(http_error_text(what, status, body));
}

std::string Client::not_found_hint() const {
  return options_.token.empty()
             ? " (or the repository is private and no token was given: set GH_TOKEN)"
             : " (or the token cannot read that repository)";
}

Release Client::release_by_tag(const std::string& owner_repo, const std::string& tag) {
  std::string url = release_by_tag_url(options_.api_url, owner_repo, tag);
  std::string what = fmt::format("release {} of {}", tag, owner_repo);
  registry::HttpResponse r = get(url);
  if (r.status == 404)
    throw RuntimeError(
        fmt::format("release {} not found in {}{}", tag, owner_repo, not_found_hint()));
  if (r.status != 200) fail(what, r.status, r.body);
  Release release = parse_release(r.body, what);
  log::debug("{}: {} assets", what, release.assets.size());
  return release;
}

Commit Client::commit(const std::string& owner_repo, const std::string& ref) {
  std::string url = commit_url(options_.api_url, owner_repo, ref);
  std::string what = fmt::format("commit {} of {}", ref, owner_repo);
  registry::HttpResponse r = get(url);
  // GitHub answers 422 "No commit found for SHA" for an unknown ref, 404 for an
  // unknown (or invisible) repository.
  if (r.status == 422) throw RuntimeError(fmt::format("no commit {} in {}", ref, owner_repo));
  if (r.status == 404)
    throw RuntimeError(fmt::format("repository {} not found{}", owner_repo, not_found_hint()));
  if (r.status != 200) fail(what, r.status, r.body);
  return parse_commit(r.body, what);
}

Digest Client::download_asset(const std::string& owner_repo, const Asset& asset,
                              const std::string& dest,
                              const std::optional<ExpectedDigest>& expected,
                              std::function<void(int64_t, int64_t)> progress) {
  // Built from the API base, not taken from asset.url: the token goes to the host
  // the user configured, never to a URL a response named.
  registry::HttpRequest request =
      api_request(asset_url(options_.api_url, owner_repo, asset.id), "application/octet-stream");
  Expected want;
  want.what = fmt::format("asset {} (id {}) of {}", asset.name, asset.id, owner_repo);
  want.size = asset.size;
  if (expected) {
    want.digest = expected->digest;
    want.digest_source = expected->source;
    if (want.digest_source.empty() && asset.digest && expected->digest == *asset.digest)
      want.digest_source = kApiDigestSource;
  }
  auto error_for = [&](long status, const registry::Headers&, const std::string& body,
                       const std::string& url) {
    if (registry::url_origin(url) != registry::url_origin(request.url))
      throw RuntimeError(http_error_text(
          fmt::format("{}: the storage host {}", want.what, registry::url_for_message(url)), status,
          body));
    if (status == 404)
      throw RuntimeError(fmt::format("{}: not found{}", want.what, not_found_hint()));
    fail(want.what, status, body);
  };
  log::debug("downloading {} ({} bytes)", want.what, asset.size);
  return download_to_file(request, want, dest, options_.retry, error_for, progress);
}

std::optional<ExpectedDigest> expected_digest(Client& client, const std::string& owner_repo,
                                              const Release& release, const Asset& asset,
                                              const std::string& scratch_dir) {
  if (asset.digest) return ExpectedDigest{*asset.digest, kApiDigestSource};
  // "<asset>.sha256" speaks of this asset alone: look there first.
  std::vector<std::pair<const Asset*, ChecksumFileKind>> files;
  for (auto kind : {ChecksumFileKind::single, ChecksumFileKind::list})
    for (const auto& a : release.assets)
      if (checksum_file_kind(a.name, asset.name) == kind) files.emplace_back(&a, kind);
  if (files.empty()) return std::nullopt;

  std::optional<ExpectedDigest> found;
  std::string names;
  for (const auto& [file, kind] : files) {
    names += (names.empty() ? "" : ", ") + file->name;
    if (file->size > kMaxChecksumFile)
      throw RuntimeError(fmt::format("{} of release {} is {} bytes: too large for a checksums file",
                                     file->name, release.tag_name, file->size));
    std::string path = fmt::format("{}/.checksums-{}", scratch_dir, file->id);
    // The checksums file is checked against its own API digest when it has one.
    client.download_asset(owner_repo, *file, path, file->digest);
    auto listed = find_checksum(parse_checksums(read_file(path)), asset.name,
                                kind == ChecksumFileKind::single, file->name);
    fs::remove(path);
    if (!listed) continue;
    std::string source = fmt::format("{}:{}", file->name, listed->line);
    if (found && found->digest != listed->digest)
      throw RuntimeError(fmt::format("{} and {} of release {} disagree on {}: {} vs {}",
                                     found->source, source, release.tag_name, asset.name,
                                     found->digest.str(), listed->digest.str()));
    if (!found) found = ExpectedDigest{listed->digest, source};
  }
  if (!found)
    throw RuntimeError(fmt::format("release {} of {} has checksums ({}) that do not list {}",
                                   release.tag_name, owner_repo, names, asset.name));
  log::info("{}: no digest from GitHub; verifying against {} ({})", asset.name, found->source,
            found->digest.str());
  return found;
}

} // namespace rt::github

#include "github/fetch_url.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <regex>

namespace rt::github {

namespace {

bool is_http_url(const std::string& url) {
  std::string scheme = url.substr(0, url.find("://"));
  for (char& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return url.find("://") != std::string::npos && (scheme == "http" || scheme == "https");
}

// A release asset through the API: github.com's own download URL does not accept
// API tokens, so this is the only way to a private repository's asset (gh does the
// same), and it checks GitHub's digest of the asset on the way.
void fetch_release_asset(Client& client, const ReleaseDownload& dl,
                         const std::optional<Digest>& checksum, const std::string& dest) {
  Release release = client.release_by_tag(dl.owner_repo, dl.tag);
  const Asset* asset = release.find_asset(dl.name);
  if (!asset)
    throw RuntimeError(
        fmt::format("release {} of {} has no asset named {}", dl.tag, dl.owner_repo, dl.name));
  std::optional<ExpectedDigest> want;
  if (checksum)
    want = ExpectedDigest{*checksum, "--checksum"};
  else if (asset->digest)
    want = ExpectedDigest{*asset->digest, kApiDigestSource};
  client.download_asset(dl.owner_repo, *asset, dest, want);
}

} // namespace

std::string fetch_url(const std::string& url, const std::optional<Digest>& checksum,
                      const std::string& dest_file) {
  return fetch_url(url, checksum, dest_file, ClientOptions::from_environment());
}

std::string fetch_url(const std::string& url, const std::optional<Digest>& checksum,
                      const std::string& dest_file, const ClientOptions& options) {
  if (!is_http_url(url))
    throw InputError(fmt::format("ADD: only http and https URLs can be fetched, not {}",
                                 url.substr(0, url.find(':'))));
  // user:password@ would be sent to the first host and shown wherever the URL is;
  // this tool sends no credentials but its own token, and only to GitHub's API.
  size_t authority = url.find("://") + 3;
  if (size_t at = url.find('@', authority);
      at != std::string::npos && at < url.find('/', authority))
    throw InputError("ADD: URLs with credentials (user:password@host) are not supported");
  std::string name = file_name_from_url(url);
  Client client(options); // also masks the token in every message from here on
  bool on_api_host = registry::url_origin(url) == registry::url_origin(options.api_url);

  if (!options.token.empty())
    if (auto dl = parse_release_download_url(url, options.api_url)) {
      log::debug("ADD {}: fetching asset {} of release {} of {} through the API", url, dl->name,
                 dl->tag, dl->owner_repo);
      fetch_release_asset(client, *dl, checksum, dest_file);
      return name;
    }

  registry::HttpRequest request;
  request.url = url;
  request.tls = client.tls();
  if (on_api_host && !options.token.empty()) {
    // An API URL written into a Dockerfile (…/releases/assets/{id}): it needs the
    // token, and the asset endpoint answers bytes only to this Accept.
    static const std::regex asset_path(R"(/repos/[^/]+/[^/]+/releases/assets/\d+([?#].*)?$)");
    bool asset = std::regex_search(url, asset_path);
    request.headers = {{"Accept", asset ? "application/octet-stream" : "*/*"},
                       {"X-GitHub-Api-Version", "2022-11-28"}};
    request.authorization = "Bearer " + options.token;
  }
  Expected want;
  want.what = "ADD " + registry::url_for_message(url);
  want.digest = checksum;
  want.digest_source = "--checksum";
  RetrySettings retry = options.retry;
  retry.github = on_api_host;
  download_to_file(request, want, dest_file, retry, {});
  return name;
}

} // namespace rt::github

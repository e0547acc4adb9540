#pragma once
// The GitHub REST API as data: URL paths, JSON shapes and rate-limit headers, as
// pure functions (no network) so that they are unit-tested on their own. The
// Client (github.hpp) puts them on the wire.
#include "registry/http.hpp"
#include "util/sha256.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::github {

// One downloadable file of a release.
struct Asset {
  int64_t id = 0;
  std::string name;
  int64_t size = 0;
  std::optional<Digest> digest; // "sha256:…" when the API gives one (assets since mid-2025)
  std::string url;              // the API URL: …/releases/assets/{id}
  std::string browser_download_url;
  std::string state = "uploaded"; // "starter" while (or after a failed) upload
};

// A release as GET /repos/{owner}/{repo}/releases/tags/{tag} describes it.
struct Release {
  int64_t id = 0;
  std::string tag_name;
  std::string target_commitish;
  bool draft = false;
  bool prerelease = false;
  bool immutable = false; // published under immutable releases: assets fixed forever
  std::string upload_url; // "https://uploads.github.com/…/assets{?name,label}"
  std::string html_url;
  std::vector<Asset> assets;

  // The asset named `name`, or nullptr.
  const Asset* find_asset(std::string_view name) const;
};

// The commit a ref points to, with its committer time (what BUILDTIME derives from).
struct Commit {
  std::string sha;
  int64_t committer_time = 0; // epoch seconds, from commit.committer.date
};

// --- paths ---------------------------------------------------------------------

struct OwnerRepo {
  std::string owner;
  std::string repo;
};
// Splits "owner/repo"; throws InputError unless both parts are non-empty and made of
// GitHub's name characters (letters, digits, '-', '_', '.').
OwnerRepo split_owner_repo(std::string_view owner_repo);
// Percent-encodes a ref (tag, branch, sha) for a URL path: everything but RFC 3986
// unreserved characters and '/' (GitHub routes refs with slashes unencoded).
std::string encode_ref(std::string_view ref);
// "{api}/repos/{o}/{r}/releases/tags/{tag}", "…/commits/{ref}", "…/releases/assets/{id}".
// `api` is the base URL without a trailing slash.
std::string release_by_tag_url(std::string_view api, std::string_view owner_repo,
                               std::string_view tag);
std::string commit_url(std::string_view api, std::string_view owner_repo, std::string_view ref);
std::string asset_url(std::string_view api, std::string_view owner_repo, int64_t asset_id);

// A release download URL: "https://github.com/{o}/{r}/releases/download/{tag}/{name}".
struct ReleaseDownload {
  std::string owner_repo;
  std::string tag;
  std::string name;
};
// Recognises a release download URL on github.com or on the origin of `api` (GitHub
// Enterprise serves the web and /api/v3 from one host; so does the test server).
// Path segments are percent-decoded. nullopt for any other URL.
std::optional<ReleaseDownload> parse_release_download_url(std::string_view url,
                                                          std::string_view api);

// The file name Docker gives ADD <url>: Go's path.Base of the percent-decoded URL
// path, query and fragment ignored; "__unnamed__" when that is "." or "/", as
// BuildKit's Dockerfile frontend does (it never looks at Content-Disposition).
std::string file_name_from_url(std::string_view url);

// --- JSON ----------------------------------------------------------------------

// Parse a release / commit body. Unknown fields are ignored, a missing or null
// `digest` gives nullopt; malformed JSON, a missing required field or a malformed
// sha256 digest throws RuntimeError naming `what`.
Release parse_release(std::string_view json, std::string_view what);
Commit parse_commit(std::string_view json, std::string_view what);
// GET /repos/{o}/{r}/releases: an array of releases.
std::vector<Release> parse_releases(std::string_view json, std::string_view what);
// The upload URL of a release without its URI template ("{?name,label}").
std::string upload_base(std::string_view upload_url);
// "2024-05-01T10:00:00Z" (also fractional seconds and ±hh:mm offsets) → epoch
// seconds; nullopt when malformed.
std::optional<int64_t> parse_timestamp(std::string_view text);
// GitHub's {"message": …} of an error body, or "" when there is none.
std::string error_message(std::string_view body);

// --- rate limits ---------------------------------------------------------------

// How long GitHub asks us to wait before the next request.
struct RateLimitWait {
  std::chrono::seconds wait;
  int64_t until = 0; // epoch seconds
};
// Interprets a response as GitHub's rate limiting (docs: "Rate limits for the REST
// API"): 403/429 with Retry-After → that many seconds; with X-RateLimit-Remaining: 0
// and X-RateLimit-Reset → until the reset; 429 without either, or a 403 whose
// message speaks of a (secondary) rate limit → one minute, as the docs advise.
// Waits are whole seconds, at least 1 (clocks differ). nullopt when it is not a
// rate limit: then a 403 is a real refusal.
std::optional<RateLimitWait> rate_limit_wait(long status, const registry::Headers& headers,
                                             std::string_view body, int64_t now);
// "HH:MM:SS" (UTC) of an epoch time.
std::string utc_clock(int64_t epoch);

} // namespace rt::github

#pragma once
// ADD [--checksum=sha256:…] <url> <dest>: fetching a URL for a Dockerfile.
#include "github/github.hpp"
#include "util/sha256.hpp"

#include <optional>
#include <string>

namespace rt::github {

// Downloads `url` (http or https) to `dest_file`, streamed through an AtomicFile;
// returns the file name Docker would give it (file_name_from_url: the last path
// segment, query stripped; Content-Disposition ignored, as BuildKit does).
//
// Credentials: none are sent, to any host, with one exception. When a token is set
// ($GH_TOKEN/$GITHUB_TOKEN) and the URL is a GitHub release download
// (github.com/{o}/{r}/releases/download/{tag}/{name}, or the same path on the API's
// host), the asset is fetched through the API (release by tag, then the asset
// download, whose storage redirect carries no token): that works for private
// repositories too, and the token goes only to the API host. Any other URL on the
// API's host gets the token, sent to that origin only. Redirects are followed
// without credentials.
//
// Verifies `checksum` when given (else, for a release asset, GitHub's digest of it):
// a mismatch throws RuntimeError with both digests and leaves no file. 5xx answers
// and connection failures are retried a few times with backoff; GitHub rate limits
// are waited out. Throws InputError for a URL that is not http(s) or carries
// user:password@, RuntimeError for anything else that fails.
std::string fetch_url(const std::string& url, const std::optional<Digest>& checksum,
                      const std::string& dest_file);
// The same with explicit options instead of the environment (tests, callers that
// already hold a client's options).
std::string fetch_url(const std::string& url, const std::optional<Digest>& checksum,
                      const std::string& dest_file, const ClientOptions& options);

} // namespace rt::github

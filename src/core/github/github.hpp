#pragma once
// The GitHub Releases client: a release by tag, the commit a tag points to, and
// asset downloads that are streamed, verified, and never leak the token to the
// storage host the API redirects to.
#include "github/http_fetch.hpp"
#include "github/protocol.hpp"
#include "registry/http.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rt::github {

// A digest a download must have, and where it was read, for messages: "the
// asset's digest field in the GitHub API", "checksums.txt:3", "ADD --checksum".
struct ExpectedDigest {
  ExpectedDigest(Digest d, std::string from = {}) : digest(std::move(d)), source(std::move(from)) {}
  Digest digest;
  std::string source;
};

// Where the API is and how to talk to it.
struct ClientOptions {
  std::string api_url = "https://api.github.com"; // no trailing slash
  std::string token;                              // may be empty: public repositories only
  RetrySettings retry;                            // rate-limit waits (10 min), 5xx attempts
  std::vector<std::string> ca_files;              // PEM files trusted besides the system's

  // $GITHUB_API_URL (default https://api.github.com), the token from $GH_TOKEN, else
  // $GITHUB_TOKEN. The token is registered with log::add_secret. Throws InputError
  // when GITHUB_API_URL is not an http(s) URL.
  static ClientOptions from_environment();
};

// Talks to one GitHub API. Every request carries User-Agent, Accept:
// application/vnd.github+json and X-GitHub-Api-Version; the token goes only to the
// API's origin. Rate limits are waited out (logged), 5xx and connection failures
// retried a few times. Errors are RuntimeError (exit 1) and never quote the token:
// 401 → "GitHub rejected the token (401 Bad credentials)"; a 403 that is not a rate
// limit → GitHub's message.
class Client {
public:
  // Throws RuntimeError if a CA file cannot be read.
  explicit Client(ClientOptions options);

  const ClientOptions& options() const { return options_; }
  // TLS settings (the CA files read) for other requests made on the client's behalf.
  const registry::TlsConfig& tls() const { return tls_; }

  // GET /repos/{owner}/{repo}/releases/tags/{tag}. Throws RuntimeError "release V not
  // found in owner/repo (…)" on 404, with a hint to set GH_TOKEN when none was given
  // (GitHub answers 404 for a private repository too); InputError for a malformed
  // owner/repo.
  Release release_by_tag(const std::string& owner_repo, const std::string& tag);

  // The commit `ref` (tag — lightweight or annotated —, branch or sha) points to:
  // GET /repos/{owner}/{repo}/commits/{ref}. Throws RuntimeError when the ref is unknown.
  Commit commit(const std::string& owner_repo, const std::string& ref);

  // Downloads `asset` to `dest`: GET /repos/{o}/{r}/releases/assets/{id} with Accept:
  // application/octet-stream, answered by the bytes (200) or a redirect to a storage
  // host, which is followed without Authorization. Streamed into an AtomicFile and
  // renamed into place only when the size matches asset.size and, if `expected` is
  // given, the digest matches it; otherwise throws RuntimeError naming the asset,
  // both values and where the expected digest came from ("…: digest mismatch:
  // checksums.txt:3 says sha256:…, downloaded sha256:…"; the asset's own API
  // digest is named as such when no source is given), and no file is left.
  // progress(bytes, asset.size) as bytes arrive. Returns the digest of what
  // was written (hashed as it arrived).
  Digest download_asset(const std::string& owner_repo, const Asset& asset, const std::string& dest,
                        const std::optional<ExpectedDigest>& expected,
                        std::function<void(int64_t, int64_t)> progress = {});

private:
  friend class ReleaseWriter; // the write side (release_writer.hpp) shares the requests
  registry::HttpRequest api_request(const std::string& url, const std::string& accept) const;
  // GET with retries; returns the first answer that is not retried, whatever its status.
  registry::HttpResponse get(const std::string& url);
  // Throws the error for a failed answer to `what` (401, 403, other statuses).
  [[noreturn]] void fail(const std::string& what, long status, const std::string& body) const;
  // The hint added to "not found" errors, which may mean "private".
  std::string not_found_hint() const;

  ClientOptions options_;
  registry::TlsConfig tls_;
};

// The digest a release asset must have, by the policy `final` uses: the asset's own
// API digest; else what a checksums asset of the same release lists for it
// ("<asset>.sha256", "SHA256SUMS[.txt]", "*checksums.txt"; downloaded into
// `scratch_dir` and parsed; the source is "FILE:LINE"); else nullopt (the caller
// refuses unless --allow-unverified). Throws RuntimeError when checksum files exist
// but none lists the asset, or when two of them disagree.
std::optional<ExpectedDigest> expected_digest(Client& client, const std::string& owner_repo,
                                              const Release& release, const Asset& asset,
                                              const std::string& scratch_dir);

// The source named for an asset's own digest: "the asset's digest field in the GitHub API".
extern const char* const kApiDigestSource;

} // namespace rt::github

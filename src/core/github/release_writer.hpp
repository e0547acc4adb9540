#pragma once
// The write side of GitHub Releases, as `gh release create` and GoReleaser use it:
// a draft release, assets uploaded to the upload host its upload_url names, then
// published — the order that survives immutable releases (published assets can
// never change). Requests go through the Client (token, rate limits, masking).
#include "github/github.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rt::github {

struct NewRelease {
  std::string tag;
  std::string target_commitish; // a full commit sha
  std::string name;
  std::string body;
  bool prerelease = false;
};

// What the token may do in the repository, from GET /repos/{o}/{r} "permissions".
struct RepoAccess {
  bool known = false; // false: the answer had no "permissions" (e.g. an app token)
  bool push = false;
};

// One repository's releases, for writing. Every failure is a RuntimeError of one
// line: 403 names the missing permission ("the token needs contents: write on
// o/r"), 422 GitHub's validation errors ("already_exists: name"), 401 as the
// Client says. Writes (POST, PATCH, DELETE) are never repeated after a failure
// without an answer (it may have happened): rate limits are waited out only.
class ReleaseWriter {
public:
  ReleaseWriter(Client& client, std::string owner_repo);

  // GET /repos/{o}/{r}.
  RepoAccess access();
  // The commit tag `tag` names (GET git/ref/tags/{tag}, then git/tags/{sha} for
  // an annotated tag), or nullopt when there is no such tag.
  std::optional<std::string> tag_commit(const std::string& tag);
  // GET /repos/{o}/{r}/releases, every page (Link: rel="next"): drafts included
  // (visible with push access), which releases/tags/{tag} never returns.
  std::vector<Release> list_releases();
  // GET /repos/{o}/{r}/releases/{id}.
  Release get(int64_t id);
  // POST /repos/{o}/{r}/releases with draft: true. 201 → the draft.
  Release create_draft(const NewRelease& release);
  // POST {upload_url}?name=NAME with the file as body (Content-Type
  // application/octet-stream, Content-Length), to the upload host — which must be
  // the API's host or, for api.X, uploads.X, else the token is not sent there
  // and this throws. 201 → the asset.
  Asset upload(const Release& release, const std::string& name, const std::string& file,
               int64_t size, const std::function<void(int64_t, int64_t)>& progress = {});
  // DELETE /repos/{o}/{r}/releases/assets/{id}. 204.
  void delete_asset(const Asset& asset);
  // PATCH /repos/{o}/{r}/releases/{id} with draft: false. 200 → the release.
  Release publish(int64_t id);

private:
  registry::HttpResponse send(const std::string& method, const std::string& url,
                              const std::string& json_body);
  [[noreturn]] void fail(const std::string& what, const registry::HttpResponse& r) const;
  std::string repo_url() const;

  Client& client_;
  std::string owner_repo_;
};

// Whether `upload_url` may receive the token of the API at `api_url`: the same
// host (any port: GitHub Enterprise, test servers), or uploads.X for api.X.
bool upload_host_allowed(std::string_view api_url, std::string_view upload_url);

} // namespace rt::github

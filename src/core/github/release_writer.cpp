#include "github/release_writer.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::github {

namespace {

constexpr const char* kJson = "application/vnd.github+json";
// A repository with more releases than this many pages of 100 is not ours to scan.
constexpr int kMaxPages = 50;

std::string host_of(std::string_view url) {
  std::string origin = registry::url_origin(url); // scheme://host[:port]
  size_t sep = origin.find("://");
  std::string host = sep == std::string::npos ? origin : origin.substr(sep + 3);
  if (size_t colon = host.rfind(':');
      colon != std::string::npos && host.find(']', colon) == std::string::npos)
    host.resize(colon);
  return ascii_lower(host);
}

// "already_exists: name; missing_field: tag_name" from GitHub's 422 errors list.
std::string validation_errors(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  std::string out;
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array()) return out;
  for (const auto& e : j["errors"]) {
    if (!e.is_object()) continue;
    std::string part;
    if (e.contains("code") && e["code"].is_string()) part = e["code"].get<std::string>();
    if (e.contains("field") && e["field"].is_string()) part += ": " + e["field"].get<std::string>();
    if (e.contains("message") && e["message"].is_string())
      part += (part.empty() ? "" : " ") + std::string("(") + e["message"].get<std::string>() + ")";
    if (!part.empty()) out += (out.empty() ? "" : "; ") + part;
  }
  return out;
}

} // namespace

bool upload_host_allowed(std::string_view api_url, std::string_view upload_url) {
  std::string api = host_of(api_url), up = host_of(upload_url);
  if (api.empty() || up.empty()) return false;
  if (api == up) return true;
  return api.rfind("api.", 0) == 0 && up == "uploads." + api.substr(4);
}

ReleaseWriter::ReleaseWriter(Client& client, std::string owner_repo)
    : client_(client), owner_repo_(std::move(owner_repo)) {
  split_owner_repo(owner_repo_); // throws InputError when malformed
}

std::string ReleaseWriter::repo_url() const {
  OwnerRepo r = split_owner_repo(owner_repo_);
  return fmt::format("{}/repos/{}/{}", client_.options().api_url, r.owner, r.repo);
}

registry::HttpResponse ReleaseWriter::send(const std::string& method, const std::string& url,
                                           const std::string& json_body) {
  registry::HttpRequest request = client_.api_request(url, kJson);
  request.method = method;
  request.body = json_body;
  if (!json_body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.follow_redirects = method == "GET";
  RetrySettings retry = client_.options().retry;
  if (method != "GET") retry.attempts = 1; // a write without an answer may have happened
  Retrier retrier(retry, method + " " + registry::url_for_message(url));
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

void ReleaseWriter::fail(const std::string& what, const registry::HttpResponse& r) const {
  std::string message = error_message(r.body);
  if (r.status == 403)
    throw RuntimeError(fmt::format("{}: GitHub refused (403{}): the token needs contents: write "
                                   "on {}",
                                   what, message.empty() ? "" : " " + message, owner_repo_));
  if (r.status == 422) {
    std::string errors = validation_errors(r.body);
    throw RuntimeError(fmt::format("{}: GitHub refused (422 {}{})", what,
                                   message.empty() ? "Unprocessable Entity" : message,
                                   errors.empty() ? "" : ": " + errors));
  }
  if (r.status == 404)
    throw RuntimeError(fmt::format("{}: not found (404){}", what, client_.not_found_hint()));
  client_.fail(what, r.status, r.body);
}

RepoAccess ReleaseWriter::access() {
  registry::HttpResponse r = send("GET", repo_url(), "");
  std::string what = fmt::format("repository {}", owner_repo_);
  if (r.status != 200) fail(what, r);
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  RepoAccess a;
  if (j.is_object() && j.contains("permissions") && j["permissions"].is_object()) {
    a.known = true;
    const auto& p = j["permissions"];
    a.push = p.contains("push") && p["push"].is_boolean() && p["push"].get<bool>();
  }
  return a;
}

std::optional<std::string> ReleaseWriter::tag_commit(const std::string& tag) {
  std::string what = fmt::format("tag {} of {}", tag, owner_repo_);
  registry::HttpResponse r = send("GET", repo_url() + "/git/ref/tags/" + encode_ref(tag), "");
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) fail(what, r);
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  auto object = [&](const nlohmann::json& v) -> std::pair<std::string, std::string> {
    if (!v.is_object() || !v.contains("object") || !v["object"].is_object())
      throw RuntimeError(fmt::format("{}: the response has no valid \"object\"", what));
    const auto& o = v["object"];
    return {o.value("type", ""), o.value("sha", "")};
  };
  auto [type, sha] = object(j);
  if (type == "tag") { // annotated: the tag object names the commit
    registry::HttpResponse t = send("GET", repo_url() + "/git/tags/" + sha, "");
    if (t.status != 200) fail(what, t);
    std::tie(type, sha) = object(nlohmann::json::parse(t.body, nullptr, false));
  }
  if (type != "commit" || sha.size() != 40)
    throw RuntimeError(fmt::format("{} names a {}, not a commit", what, type));
  return sha;
}

std::vector<Release> ReleaseWriter::list_releases() {
  std::vector<Release> out;
  std::string url = repo_url() + "/releases?per_page=100";
  std::string what = fmt::format("the releases of {}", owner_repo_);
  for (int page = 0; !url.empty(); ++page) {
    if (page == kMaxPages)
      throw RuntimeError(fmt::format("{}: more than {} pages", what, kMaxPages));
    registry::HttpResponse r = send("GET", url, "");
    if (r.status != 200) fail(what, r);
    for (auto& rel : parse_releases(r.body, what))
      out.push_back(std::move(rel));
    auto next = r.headers.get("link") ? registry::link_next(*r.headers.get("link")) : std::nullopt;
    url = next ? registry::resolve_url(url, *next) : "";
    // The next page must stay on the API: the token goes with it.
    if (!url.empty() && registry::url_origin(url) != registry::url_origin(repo_url()))
      throw RuntimeError(fmt::format("{}: the next page is on another host", what));
  }
  return out;
}

Release ReleaseWriter::get(int64_t id) {
  std::string what = fmt::format("release {} of {}", id, owner_repo_);
  registry::HttpResponse r = send("GET", fmt::format("{}/releases/{}", repo_url(), id), "");
  if (r.status != 200) fail(what, r);
  return parse_release(r.body, what);
}

Release ReleaseWriter::create_draft(const NewRelease& n) {
  nlohmann::json body = {{"tag_name", n.tag},     {"target_commitish", n.target_commitish},
                         {"name", n.name},        {"body", n.body},
                         {"draft", true},         {"prerelease", n.prerelease},
                         {"make_latest", "false"}};
  if (!n.prerelease) body["make_latest"] = "true";
  std::string what = fmt::format("creating the draft release {} of {}", n.tag, owner_repo_);
  registry::HttpResponse r = send("POST", repo_url() + "/releases", body.dump());
  if (r.status != 201) fail(what, r);
  return parse_release(r.body, what);
}

Asset ReleaseWriter::upload(const Release& release, const std::string& name,
                            const std::string& file, int64_t size,
                            const std::function<void(int64_t, int64_t)>& progress) {
  std::string what =
      fmt::format("uploading {} to release {} of {}", name, release.tag_name, owner_repo_);
  std::string base = upload_base(release.upload_url);
  if (base.empty()) throw RuntimeError(fmt::format("{}: the release has no upload_url", what));
  if (!upload_host_allowed(client_.options().api_url, base))
    throw RuntimeError(fmt::format("{}: upload_url {} is neither the API's host nor its uploads "
                                   "host; the token is not sent there",
                                   what, registry::url_for_message(base)));
  registry::HttpRequest request =
      client_.api_request(registry::add_query(base, "name", name), kJson);
  request.method = "POST";
  request.headers.emplace_back("Content-Type", "application/octet-stream");
  request.open_body = [file]() -> std::unique_ptr<ByteSource> {
    return std::make_unique<InputFile>(file);
  };
  request.body_size = size;
  request.body_replayable = false; // a second body could land in a half-made asset
  request.follow_redirects = false;
  request.progress = progress;
  RetrySettings retry = client_.options().retry;
  retry.attempts = 1;
  Retrier retrier(retry, "POST " + registry::url_for_message(base));
  for (;;) {
    registry::HttpResponse r;
    try {
      r = registry::http_perform(request);
    } catch (const registry::RegistryError& e) {
      throw RuntimeError(
          fmt::format("{}: {} (the draft stays unpublished; run again to resume)", what, e.what()));
    }
    if (retrier.retry_response(r.status, r.headers, r.body)) continue;
    if (r.status != 201) fail(what, r);
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    // An asset answer is the asset object alone; reuse the release parser's asset rules.
    nlohmann::json fake = {
        {"id", release.id}, {"tag_name", release.tag_name}, {"assets", nlohmann::json::array({j})}};
    return parse_release(fake.dump(), what).assets.at(0);
  }
}

void ReleaseWriter::delete_asset(const Asset& asset) {
  std::string what =
      fmt::format("deleting asset {} (id {}) of {}", asset.name, asset.id, owner_repo_);
  registry::HttpResponse r =
      send("DELETE", fmt::format("{}/releases/assets/{}", repo_url(), asset.id), "");
  if (r.status != 204) fail(what, r);
}

Release ReleaseWriter::publish(int64_t id) {
  std::string what = fmt::format("publishing release {} of {}", id, owner_repo_);
  registry::HttpResponse r =
      send("PATCH", fmt::format("{}/releases/{}", repo_url(), id), R"({"draft":false})");
  if (r.status != 200) fail(what, r);
  return parse_release(r.body, what);
}

} // namespace rt::github

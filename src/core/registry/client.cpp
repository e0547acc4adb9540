#include "registry/client.hpp"

#include "registry/reference.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::registry {

namespace {

Scopes pull_scope(const std::string& repo) {
  Scopes s;
  s.add_repository(repo, "pull");
  return s;
}

Scopes push_scope(const std::string& repo) {
  Scopes s;
  s.add_repository(repo, "pull,push");
  return s;
}

const std::string& checked_repo(const std::string& repo) {
  if (!valid_repository(repo)) throw InputError(fmt::format("invalid repository name '{}'", repo));
  return repo;
}

const std::string& checked_reference(const std::string& reference) {
  if (!valid_tag(reference) && !Digest::valid(reference))
    throw InputError(fmt::format("'{}' is neither a tag nor a sha256 digest", reference));
  return reference;
}

// "application/vnd.oci.image.manifest.v1+json; charset=utf-8" → the type alone.
std::string bare_media_type(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ')
    t.remove_suffix(1);
  return std::string(t);
}

// Checks the digest the registry claims against the one computed from the bytes.
void check_claimed_digest(const HttpResponse& res, const Digest& computed, std::string_view what) {
  auto claimed = res.headers.get("docker-content-digest");
  // Only sha256 is comparable; a registry using another algorithm is not wrong.
  if (!claimed || !claimed->starts_with("sha256:")) return;
  if (*claimed != computed.str())
    throw RegistryError(fmt::format("{}: the registry reports digest {} but the bytes have {}",
                                    what, *claimed, computed.str()),
                        0, {}, false);
}

// HEAD /v2/<repo>/blobs/<digest>: the blob's size (-1 if not given), nullopt on 404.
std::optional<int64_t> head_blob(Transport& transport, const std::string& repo,
                                 const Digest& digest, Retry retry) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = blob_path(checked_repo(repo), digest);
  HttpResponse res = transport.send(req, pull_scope(repo), {200, 404}, retry);
  if (res.status == 404) return std::nullopt;
  auto length = res.headers.get("content-length");
  try {
    return length ? std::stoll(*length) : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// A PUT to an upload session that the registry no longer knows: 404
// BLOB_UPLOAD_UNKNOWN, or a bare 404 (no error body).
bool upload_session_lost(const RegistryError& e) {
  return e.status() == 404 && (e.has_code("BLOB_UPLOAD_UNKNOWN") || e.codes().empty());
}

} // namespace

std::string manifest_accept() {
  return fmt::format("{}, {}, {}, {}", media_type::oci_manifest, media_type::oci_index,
                     media_type::docker_manifest, media_type::docker_manifest_list);
}

Client::Client(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

Client::Client(const std::string& registry, const Keychain& keychain, TransportOptions options)
    : transport_(
          std::make_shared<Transport>(registry, keychain.resolve(registry), std::move(options))) {}

std::optional<int64_t> Client::blob_exists(const std::string& repo, const Digest& digest) {
  return head_blob(*transport_, repo, digest, Retry::yes);
}

bool Client::mount_blob(const std::string& repo, const Digest& digest,
                        const std::string& from_repo) {
  if (checked_repo(from_repo) == checked_repo(repo)) return blob_exists(repo, digest).has_value();
  // POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<from_repo>
  Scopes scopes = push_scope(repo);
  scopes.add_repository(from_repo, "pull");
  HttpRequest req;
  req.method = "POST";
  req.url = mount_path(repo, digest, from_repo);
  HttpResponse res = transport_->send(req, scopes, {201, 202});
  if (res.status == 201) {
    log::debug("mounted {} into {} from {}", digest.str(), repo, from_repo);
    return true;
  }
  // 202: the registry started an ordinary upload instead. Cancel it
  // (DELETE <location>) so that it does not linger until the registry's purge;
  // failing to is harmless.
  if (auto location = res.headers.get("location")) {
    try {
      HttpRequest cancel;
      cancel.method = "DELETE";
      cancel.url = resolve_url(res.url, *location);
      transport_->send(cancel, push_scope(repo), {200, 202, 204, 404}, Retry::no);
    } catch (const RegistryError& e) {
      log::debug("could not cancel the upload session: {}", e.what());
    }
  }
  return false;
}

void Client::upload_blob(const std::string& repo, const Digest& digest, int64_t size,
                         const OpenFn& open, const ProgressFn& progress) {
  checked_repo(repo);
  Scopes scopes = push_scope(repo);
  // The whole POST + PUT is the unit of retry: an upload session does not survive a
  // failed PUT everywhere, so each attempt starts a new one.
  with_retries(transport_->options().retry, [&](int attempt) {
    // HEAD: a failed attempt may have landed after all (the 201 got lost). Not
    // retried on its own: this loop is the retry, and nested retries multiply
    // (a registry that went away mid-push took 21 attempts and 80 s to report).
    if (attempt > 0 && head_blob(*transport_, repo, digest, Retry::no)) return;

    // POST /v2/<repo>/blobs/uploads/ → 202 with the session's Location.
    HttpRequest start;
    start.method = "POST";
    start.url = upload_path(repo);
    HttpResponse started = transport_->send(start, scopes, {202}, Retry::no);
    auto location = started.headers.get("location");
    if (!location)
      throw RegistryError(fmt::format("POST {}: 202 without a Location", started.url), 0, {},
                          false);

    // PUT <location>&digest=<digest>: the whole blob in one request, with a
    // Content-Length. Not POST ?digest= (distribution 2.8 answers 202 and stores
    // nothing), not PATCH chunks (GHCR caps them at 4 MiB, Artifact Registry refuses
    // chunked transfer).
    HttpRequest put;
    put.method = "PUT";
    put.url = upload_commit_url(resolve_url(started.url, *location), digest);
    put.headers.emplace_back("Content-Type", "application/octet-stream");
    put.open_body = [&] {
      return std::make_unique<VerifyingSource>(open(), digest, size,
                                               fmt::format("blob {}", digest.str()));
    };
    put.body_size = size;
    put.progress = progress;
    // Never twice to one session: libcurl may not re-send it by itself (http.cpp),
    // and a failed attempt starts over from the HEAD and a new POST.
    put.body_replayable = false;
    try {
      transport_->send(put, scopes, {201}, Retry::no);
    } catch (const RegistryError& e) {
      if (!upload_session_lost(e)) throw;
      // 404 BLOB_UPLOAD_UNKNOWN: the registry lost the session (restarted, purged,
      // another replica): retried like a dropped connection, with a new session.
      throw RegistryError(
          fmt::format("{} (the upload session is gone: starting a new one)", e.what()), e.status(),
          e.codes(), true);
    }
    log::debug("uploaded {} ({} bytes) to {}", digest.str(), size, repo);
  });
}

Manifest Client::get_manifest(const std::string& repo, const std::string& reference) {
  // GET /v2/<repo>/manifests/<reference>
  HttpRequest req;
  req.url = manifest_path(checked_repo(repo), checked_reference(reference));
  req.headers.emplace_back("Accept", manifest_accept());
  HttpResponse res = transport_->send(req, pull_scope(repo), {200});
  Manifest m;
  m.digest = sha256_of(res.body);
  std::string what = fmt::format("manifest {}:{}", repo, reference);
  if (Digest::valid(reference) && reference != m.digest.str())
    throw RegistryError(fmt::format("{}: the bytes received have digest {}", what, m.digest.str()),
                        0, {}, false);
  check_claimed_digest(res, m.digest, what);
  m.media_type = bare_media_type(res.headers.get("content-type").value_or(""));
  if (m.media_type.empty() || m.media_type == "application/json" || m.media_type == "text/plain") {
    // Some registries serve manifests as plain JSON: the document names its type.
    auto doc = nlohmann::json::parse(res.body, nullptr, false);
    if (doc.is_object() && doc.contains("mediaType") && doc["mediaType"].is_string())
      m.media_type = doc["mediaType"].get<std::string>();
  }
  m.bytes = std::move(res.body);
  return m;
}

std::optional<ManifestDescriptor> Client::head_manifest(const std::string& repo,
                                                        const std::string& reference) {
  // HEAD /v2/<repo>/manifests/<reference>
  HttpRequest req;
  req.method = "HEAD";
  req.url = manifest_path(checked_repo(repo), checked_reference(reference));
  req.headers.emplace_back("Accept", manifest_accept());
  HttpResponse res = transport_->send(req, pull_scope(repo), {200, 404});
  if (res.status == 404) return std::nullopt;
  auto claimed = res.headers.get("docker-content-digest");
  if (!claimed || !Digest::valid(*claimed)) {
    Manifest m = get_manifest(repo, reference);
    return ManifestDescriptor{m.media_type, m.digest, static_cast<int64_t>(m.bytes.size())};
  }
  ManifestDescriptor d;
  d.media_type = bare_media_type(res.headers.get("content-type").value_or(""));
  d.digest = Digest::parse(*claimed);
  if (Digest::valid(reference) && d.digest.str() != reference)
    throw RegistryError(fmt::format("manifest {}@{}: the registry reports digest {}", repo,
                                    reference, d.digest.str()),
                        0, {}, false);
  if (auto length = res.headers.get("content-length")) {
    try {
      d.size = std::stoll(*length);
    } catch (const std::exception&) {
    }
  }
  return d;
}

Digest Client::put_manifest(const std::string& repo, const std::string& reference,
                            const std::string& bytes, const std::string& media_type) {
  Digest digest = sha256_of(bytes);
  if (Digest::valid(checked_reference(reference)) && reference != digest.str())
    throw RuntimeError(fmt::format("cannot put a manifest with digest {} under digest {}",
                                   digest.str(), reference));
  // PUT /v2/<repo>/manifests/<reference>
  HttpRequest req;
  req.method = "PUT";
  req.url = manifest_path(checked_repo(repo), reference);
  req.headers.emplace_back("Content-Type", media_type);
  req.body = bytes;
  HttpResponse res = transport_->send(req, push_scope(repo), {200, 201});
  check_claimed_digest(res, digest, fmt::format("manifest {}:{}", repo, reference));
  log::debug("put manifest {} as {}:{}", digest.str(), repo, reference);
  return digest;
}

std::unique_ptr<ByteSource> Client::open_blob(const std::string& repo, const Digest& digest,
                                              int64_t size) {
  // GET /v2/<repo>/blobs/<digest>: often a 307 to a storage host, which the
  // transport follows without the Authorization header.
  HttpRequest req;
  req.url = blob_path(checked_repo(repo), digest);
  auto stream = transport_->open(req, pull_scope(repo));
  return std::make_unique<VerifyingSource>(
      std::move(stream), digest, size,
      fmt::format("blob {} from {}/{}", digest.str(), transport_->host(), repo));
}

std::vector<std::string> Client::list_tags(const std::string& repo) {
  // GET /v2/<repo>/tags/list, then the Link rel="next" of each page.
  std::vector<std::string> tags;
  std::string url = tags_path(checked_repo(repo));
  for (int page = 0; page < 10000; ++page) {
    HttpRequest req;
    req.url = url;
    req.max_body = 64 << 20;
    HttpResponse res = transport_->send(req, pull_scope(repo), {200, 404});
    if (res.status == 404) {
      if (page == 0) return {};
      throw RegistryError::from_response("GET " + url_for_message(res.url), res);
    }
    auto doc = nlohmann::json::parse(res.body, nullptr, false);
    if (!doc.is_object())
      throw RegistryError(
          fmt::format("GET {}: the answer is not a JSON object", url_for_message(res.url)), 0, {},
          false);
    if (auto t = doc.find("tags"); t != doc.end() && t->is_array())
      for (const auto& tag : *t)
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
    auto link = res.headers.get("link");
    auto next = link ? link_next(*link) : std::nullopt;
    if (!next) return tags;
    url = resolve_url(res.url, *next);
  }
  throw RegistryError(fmt::format("GET {}: too many pages", tags_path(repo)), 0, {}, false);
}

std::string blob_path(const std::string& repo, const Digest& digest) {
  return fmt::format("/v2/{}/blobs/{}", repo, digest.str());
}

std::string manifest_path(const std::string& repo, const std::string& reference) {
  return fmt::format("/v2/{}/manifests/{}", repo, reference);
}

std::string upload_path(const std::string& repo) {
  return fmt::format("/v2/{}/blobs/uploads/", repo);
}

std::string mount_path(const std::string& repo, const Digest& digest, const std::string& from) {
  return add_query(add_query(upload_path(repo), "mount", digest.str()), "from", from);
}

std::string tags_path(const std::string& repo) {
  return fmt::format("/v2/{}/tags/list", repo);
}

std::string upload_commit_url(const std::string& location, const Digest& digest) {
  return add_query(location, "digest", digest.str());
}

} // namespace rt::registry

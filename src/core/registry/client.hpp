#pragma once
// Blob and manifest operations on one registry (the distribution API, as in
// go-containerregistry's remote/write.go): each method is one named step with its
// HTTP verb. Authentication, TLS and retries are the Transport's.
#include "registry/keychain.hpp"
#include "registry/transport.hpp"
#include "util/io.hpp"
#include "util/sha256.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rt::registry {

namespace media_type {
inline constexpr const char* oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
} // namespace media_type

// The Accept header of manifest requests: every OCI and Docker v2 manifest and index
// type. distribution answers 404 for an OCI manifest whose type is not accepted.
std::string manifest_accept();

// A manifest as the registry stores it: its exact bytes, and their digest.
struct Manifest {
  std::string bytes;
  std::string media_type;
  Digest digest;
};

// What a HEAD tells about a manifest.
struct ManifestDescriptor {
  std::string media_type;
  Digest digest;
  int64_t size = -1;
};

// (bytes sent, total bytes)
using ProgressFn = std::function<void(int64_t, int64_t)>;
// Opens a blob's bytes from the start; called again for each attempt.
using OpenFn = std::function<std::unique_ptr<ByteSource>()>;

class Client {
public:
  explicit Client(std::shared_ptr<Transport> transport);
  // A client for `registry` ("gcr.io", "docker.io", "localhost:5000") with the
  // keychain's credentials for it. Throws RuntimeError if a credential helper fails.
  Client(const std::string& registry, const Keychain& keychain, TransportOptions options = {});

  Transport& transport() { return *transport_; }

  // The blob's size if `repo` has it (HEAD /v2/<repo>/blobs/<digest>); -1 when the
  // registry gave no Content-Length. nullopt on 404. Throws RegistryError otherwise.
  std::optional<int64_t> blob_exists(const std::string& repo, const Digest& digest);

  // Cross-repository mount (POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<from>):
  // true when mounted (201); false when the registry opened an upload session
  // instead (202: the source lacks the blob or we may not read it), which is
  // cancelled. Throws RegistryError on other answers.
  bool mount_blob(const std::string& repo, const Digest& digest, const std::string& from_repo);

  // Uploads a blob: POST /v2/<repo>/blobs/uploads/ → 202 Location, then one
  // PUT <location>&digest=<digest> streaming `size` bytes from open() → 201.
  // A failed attempt (a dropped connection, a retryable status, or 404
  // BLOB_UPLOAD_UNKNOWN: the registry lost the session) is retried from a new
  // POST after checking (HEAD) that the blob did not land anyway: a body is never
  // sent twice to one session. Each attempt reopens the bytes with open(); they
  // are checked against size and digest as they go.
  // Throws RegistryError, or RuntimeError if the source does not match.
  void upload_blob(const std::string& repo, const Digest& digest, int64_t size, const OpenFn& open,
                   const ProgressFn& progress = {});

  // GET /v2/<repo>/manifests/<tag or digest>. The digest is computed from the bytes
  // and must match the requested digest and Docker-Content-Digest.
  // Throws RegistryError (404 MANIFEST_UNKNOWN when absent; status 0 on mismatch).
  Manifest get_manifest(const std::string& repo, const std::string& reference);

  // HEAD /v2/<repo>/manifests/<tag or digest>: nullopt on 404. Falls back to a GET
  // when the registry sends no Docker-Content-Digest. Throws RegistryError.
  std::optional<ManifestDescriptor> head_manifest(const std::string& repo,
                                                  const std::string& reference);

  // PUT /v2/<repo>/manifests/<tag or digest> with Content-Type: media_type → 201.
  // Returns the digest of `bytes`. Throws RegistryError (400 MANIFEST_BLOB_UNKNOWN
  // when a blob is missing), also when the registry reports another digest.
  Digest put_manifest(const std::string& repo, const std::string& reference,
                      const std::string& bytes, const std::string& media_type);

  // GET /v2/<repo>/blobs/<digest>, streamed, through a VerifyingSource (size may be
  // -1 if unknown). Redirects to a storage host are followed without credentials.
  // Throws RegistryError when the download cannot start; read() throws on a
  // broken connection or a size or digest mismatch.
  std::unique_ptr<ByteSource> open_blob(const std::string& repo, const Digest& digest,
                                        int64_t size);

  // GET /v2/<repo>/tags/list, following Link rel="next" pages. An unknown
  // repository (404) has no tags. Throws RegistryError.
  std::vector<std::string> list_tags(const std::string& repo);

private:
  std::shared_ptr<Transport> transport_;
};

// --- Paths of the distribution API (relative to the registry) -------------------

std::string blob_path(const std::string& repo, const Digest& digest);
std::string manifest_path(const std::string& repo, const std::string& reference);
std::string upload_path(const std::string& repo);
std::string mount_path(const std::string& repo, const Digest& digest, const std::string& from);
std::string tags_path(const std::string& repo);
// The URL that commits an upload: the Location with "digest=<digest>" added to its
// query (which may already hold the session's state).
std::string upload_commit_url(const std::string& location, const Digest& digest);

} // namespace rt::registry

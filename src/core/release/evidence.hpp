#pragma once
// Trusting a release without trusting its builder: for each image an SPDX SBOM
// and SLSA provenance, and with --sign-key a cosign signature and both as
// signed attestations (REPO:sha256-<hex>.sig / .att), pushed before any of the
// release's tags move. Without a key, --output gets them unsigned.
#include "attest/provenance.hpp"
#include "release/release.hpp"
#include "sbom/spdx.hpp"
#include "sign/keys.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace rt::release {

struct BuiltImage;
struct BuildMetadata;
struct ReleaseRun;

// What the release knows beyond its images: the key, and what the build used.
struct Evidence {
  // Loads --sign-key (COSIGN_PASSWORD for cosign's encrypted keys) and --key:
  // InputError before anything is built or pushed.
  explicit Evidence(const ReleaseOptions& options);

  std::optional<sign::SigningKey> key;        // --sign-key (rc, final)
  std::optional<sign::VerifyKey> verify;      // --key (reproduce)
  std::string dockerfile;                     // as images.json names it
  std::vector<sbom::KnownArtifact> artifacts; // the release binary / assets, by digest
  std::vector<attest::Dependency> assets;     // GitHub assets with URL and digest
};

// The SBOM of a built image; cached in the blob cache by image digest and options.
nlohmann::json release_sbom(ReleaseRun& run, const BuiltImage& image, const BuildMetadata& meta);
// The provenance statement of a built image.
nlohmann::json release_provenance(ReleaseRun& run, const BuiltImage& image,
                                  const BuildMetadata& meta, const std::string& mode);

// With a key: signs pushed images and attaches their SBOM and provenance. Each
// image's signature and attestations are queued by start() (called once it is
// pushed) for a few worker threads, which run them while the caller goes on
// pushing and reading tags; wait() throws the first failure once all have
// ended, so the caller moves no tag. Without a key, nothing. The destructor
// waits for what runs.
class EvidenceJobs {
public:
  EvidenceJobs(ReleaseRun& run, const BuildMetadata& meta, std::string mode);
  ~EvidenceJobs();
  EvidenceJobs(const EvidenceJobs&) = delete;
  EvidenceJobs& operator=(const EvidenceJobs&) = delete;

  void start(const BuiltImage& image); // `image` must outlive wait()
  void wait();

private:
  void work();
  void stop();

  ReleaseRun& run_;
  const BuildMetadata& meta_;
  std::string mode_;
  std::string record_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool closing_ = false;
  std::exception_ptr first_;
  std::vector<std::thread> workers_;
};

// Writes DIR/attestations/NAME.spdx.json and NAME.provenance.json (unsigned).
void write_evidence(ReleaseRun& run, const std::vector<BuiltImage>& images,
                    const BuildMetadata& meta, const std::string& mode, const std::string& dir);

// reproduce --key: checks what the registry holds for `published` against the
// rebuild `rebuilt`. Returns one line per failure (signature, provenance field,
// SBOM entry); empty when everything holds.
std::vector<std::string> check_evidence(ReleaseRun& run, const BuiltImage& rebuilt,
                                        const Digest& published, const BuildMetadata& meta);

} // namespace rt::release

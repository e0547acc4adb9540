#include "release/evidence.hpp"

#include "registry/reference.hpp"
#include "release/pipeline.hpp"
#include "sign/cosign.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <functional>
#include <utility>

namespace rt::release {

namespace {
// Threads that sign and attest (EvidenceJobs).
constexpr size_t kEvidenceWorkers = 2;
} // namespace

Evidence::Evidence(const ReleaseOptions& o) {
  if (!o.sign_key.empty()) {
    if (!o.output.empty())
      throw InputError("--sign-key signs images in a registry: drop --output (without a key, "
                       "--output gets the SBOM and provenance unsigned)");
    key = sign::SigningKey::load_with_env_password(o.sign_key);
  }
  if (!o.verify_key.empty()) verify = sign::VerifyKey::load(o.verify_key);
}

nlohmann::json release_sbom(ReleaseRun& run, const BuiltImage& bi, const BuildMetadata& meta) {
  sbom::SbomOptions so;
  so.name = bi.spec.name;
  so.created = meta.epoch;
  so.artifacts = run.evidence.artifacts;
  for (auto& a : so.artifacts) {
    a.version = meta.version;
    a.commit = meta.commit;
    a.repository = run.config.github_repository;
  }
  // An unchanged rerun reads no layer again: the SBOM is a function of the
  // image digest and these options.
  std::string key = bi.image.digest().str() + "\n" + so.name + "\n" + std::to_string(so.created) +
                    "\n" + RT_VERSION;
  for (const auto& a : so.artifacts)
    key += "\n" + a.name + " " + a.version + " " + a.repository + " " + a.commit + " " +
           a.digest.str();
  std::string cached = run.cache.root() + "/sbom/" + sha256_of(key).hex + ".json";
  if (path_exists(cached)) {
    nlohmann::json j = nlohmann::json::parse(read_file(cached), nullptr, false);
    if (!j.is_discarded()) return j;
  }
  log::info("{}: SBOM (reading {} layers)", bi.spec.name, bi.image.layers.size());
  nlohmann::json doc = sbom::image_sbom(bi.image, so);
  make_dirs(run.cache.root() + "/sbom");
  write_file_atomic(cached, doc.dump());
  return doc;
}

nlohmann::json release_provenance(ReleaseRun& run, const BuiltImage& bi, const BuildMetadata& meta,
                                  const std::string& mode) {
  attest::ProvenanceInputs in;
  in.mode = mode;
  in.version = meta.version;
  in.github_repository = run.config.github_repository;
  in.commit = meta.commit;
  in.image_name = bi.spec.name;
  in.target = bi.spec.target;
  in.dockerfile = run.evidence.dockerfile;
  in.dockerfile_digest = sha256_of_file(run.config.resolve(run.evidence.dockerfile));
  in.images_json_digest = sha256_of_file(run.config.path);
  in.platform = run.options.platform;
  in.source_date_epoch = meta.epoch;
  in.build_args = bi.build_args;
  in.assets = run.evidence.assets;
  in.bases = bi.bases;
  return attest::provenance_statement(bi.repository, bi.image.digest(), in);
}

EvidenceJobs::EvidenceJobs(ReleaseRun& run, const BuildMetadata& meta, std::string mode)
    : run_(run), meta_(meta), mode_(std::move(mode)) {
  if (!run.evidence.key) return;
  // What this key attached before, by manifest digest: an unchanged rerun
  // sends one HEAD per attached tag and reads no layer (sign/cosign.hpp).
  record_ = run.cache.root() + "/attached";
  make_dirs(record_);
}

EvidenceJobs::~EvidenceJobs() {
  stop();
}

void EvidenceJobs::start(const BuiltImage& bi) {
  if (!run_.evidence.key) return;
  const sign::SigningKey& key = *run_.evidence.key;
  auto sign = [this, &bi, &key] {
    sign::sign_image(run_.session.registries, registry::Reference::parse(bi.repository),
                     bi.image.digest(), key, record_);
  };
  auto attest = [this, &bi, &key] {
    Digest d = bi.image.digest();
    nlohmann::json sbom = attest::statement(bi.repository, d, sbom::kSpdxPredicateType,
                                            release_sbom(run_, bi, meta_));
    sign::attest_image(
        run_.session.registries, registry::Reference::parse(bi.repository), d, key,
        {{sbom.dump(), sbom::kSpdxPredicateType},
         {release_provenance(run_, bi, meta_, mode_).dump(), attest::kSlsaPredicateType}},
        record_);
    log::info("{}: SBOM and provenance attached", bi.spec.name);
  };
  std::lock_guard lock(mu_);
  queue_.push_back(sign);
  queue_.push_back(attest);
  // Few workers, each keeping its connection warm: an unchanged rerun's checks
  // (one HEAD per tag) then cost no new connections (on TLS, no handshakes) and
  // run behind the caller's own pushes and tag reads.
  if (workers_.size() < kEvidenceWorkers) workers_.emplace_back([this] { work(); });
  ready_.notify_one();
}

void EvidenceJobs::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      job();
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!first_) first_ = std::current_exception();
    }
  }
}

void EvidenceJobs::stop() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  ready_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

void EvidenceJobs::wait() {
  stop();
  if (first_) std::rethrow_exception(std::exchange(first_, nullptr));
}

void write_evidence(ReleaseRun& run, const std::vector<BuiltImage>& images,
                    const BuildMetadata& meta, const std::string& mode, const std::string& dir) {
  std::string out = dir + "/attestations";
  make_dirs(out);
  for (const auto& bi : images) {
    write_file_atomic(out + "/" + bi.spec.name + ".spdx.json",
                      release_sbom(run, bi, meta).dump(2) + "\n");
    write_file_atomic(out + "/" + bi.spec.name + ".provenance.json",
                      release_provenance(run, bi, meta, mode).dump(2) + "\n");
  }
  log::info("SBOMs and provenance (unsigned) in {}", out);
}

std::vector<std::string> check_evidence(ReleaseRun& run, const BuiltImage& bi,
                                        const Digest& published, const BuildMetadata& meta) {
  std::vector<std::string> faults;
  if (!run.evidence.verify) return faults;
  const sign::VerifyKey& key = *run.evidence.verify;
  auto& regs = run.session.registries;
  auto ref = registry::Reference::parse(bi.repository);
  std::string why = sign::check_signature(regs, ref, published, key);
  if (!why.empty()) faults.push_back("signature: " + why);

  // A kind of attestation is missing only when none verifies; then the ones
  // rejected say why (tampered, another key, another digest).
  auto newest = [&](const std::string& type, const char* what) -> std::optional<nlohmann::json> {
    std::vector<std::string> rejected;
    auto found = sign::verified_statements(regs, ref, published, key, type, &rejected);
    if (!found.empty()) return found.back(); // attestations append: the newest counts
    std::string line =
        fmt::format("{}: no {} signed by the key for {}", what, what, published.str());
    for (const auto& r : rejected)
      line += "; " + r;
    faults.push_back(line);
    return std::nullopt;
  };
  if (auto prov = newest(attest::kSlsaPredicateType, "provenance"))
    for (auto& d : attest::compare_provenance(release_provenance(run, bi, meta, "final"), *prov))
      faults.push_back("provenance: " + d);
  if (auto doc = newest(sbom::kSpdxPredicateType, "sbom")) {
    std::string d =
        sbom::compare_spdx(release_sbom(run, bi, meta), doc->value("predicate", nlohmann::json()));
    if (!d.empty()) faults.push_back("sbom: " + d);
  }
  return faults;
}

} // namespace rt::release

#include "sign/cosign.hpp"

#include "oci/descriptor.hpp"
#include "registry/keychain.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace rt::sign {

namespace {

std::string decoded_annotation(const AttachedLayer& l) {
  auto it = l.annotations.find(kSignatureAnnotation);
  if (it == l.annotations.end() || it->second.empty()) return "";
  try {
    return registry::base64_decode(it->second);
  } catch (const Error&) {
    return "";
  }
}

// The statement's subject names `digest` (sha256 hex).
bool names_digest(const nlohmann::json& statement, const Digest& digest) {
  if (!statement.contains("subject") || !statement["subject"].is_array()) return false;
  for (const auto& s : statement["subject"])
    if (s.is_object() && s.contains("digest") && s["digest"].is_object() &&
        s["digest"].value("sha256", "") == digest.hex)
      return true;
  return false;
}

// Where the record of REPO:sha256-<hex>.<suffix> holding `content` for `key`
// goes; "" without a record directory.
std::string record_path(const std::string& dir, const SigningKey& key,
                        const registry::Reference& repo, const Digest& subject,
                        std::string_view suffix, const std::string& content) {
  if (dir.empty()) return "";
  return dir + "/" +
         sha256_of(fmt::format("{}\n{}\n{}\n{}\n{}", key.public_key().pem(), repo.name(),
                               subject.str(), suffix, content))
             .hex;
}

// The tag still has the manifest digest recorded at `path`.
bool recorded(remote::Registries& registries, const registry::Reference& repo,
              const Digest& subject, std::string_view suffix, const std::string& path) {
  if (path.empty() || !path_exists(path)) return false;
  std::string want = read_file(path);
  auto head = registries.client(repo.registry)
                  .head_manifest(repo.repository, attached_tag(subject, suffix));
  return head && head->digest.str() == want;
}

void record(const std::string& path, const Digest& manifest) {
  if (!path.empty() && !manifest.empty()) write_file_atomic(path, manifest.str());
}

} // namespace

std::string simple_signing_payload(const std::string& docker_reference, const Digest& digest) {
  nlohmann::json j = {{"critical",
                       {{"identity", {{"docker-reference", docker_reference}}},
                        {"image", {{"docker-manifest-digest", digest.str()}}},
                        {"type", "cosign container image signature"}}},
                      {"optional", nullptr}};
  return j.dump();
}

bool sign_image(remote::Registries& registries, const registry::Reference& repo,
                const Digest& digest, const SigningKey& key, const std::string& record_dir) {
  std::string payload = simple_signing_payload(repo.name(), digest);
  std::string rec = record_path(record_dir, key, repo, digest, "sig", sha256_of(payload).hex);
  if (recorded(registries, repo, digest, "sig", rec)) {
    log::info("{}@{}: already signed with this key (as recorded)", repo.name(), digest.str());
    return false;
  }
  Digest current;
  auto layers = read_attached(registries, repo, digest, "sig", {}, &current);
  for (const auto& l : layers)
    if (l.bytes == payload && key.public_key().verify(payload, decoded_annotation(l))) {
      log::info("{}@{}: already signed with this key", repo.name(), digest.str());
      record(rec, current);
      return false;
    }
  layers.push_back({kSimpleSigningMediaType,
                    payload,
                    {{kSignatureAnnotation, registry::base64_encode(key.sign(payload))}}});
  record(rec, write_attached(registries, repo, digest, "sig", layers));
  log::info("signed {}@{} ({}:{})", repo.name(), digest.str(), repo.name(),
            attached_tag(digest, "sig"));
  return true;
}

size_t attest_image(remote::Registries& registries, const registry::Reference& repo,
                    const Digest& digest, const SigningKey& key,
                    const std::vector<Statement>& statements, const std::string& record_dir) {
  std::string content;
  for (const auto& s : statements)
    content += sha256_of(s.json).hex + " " + s.predicate_type + "\n";
  std::string rec = record_path(record_dir, key, repo, digest, "att", content);
  if (recorded(registries, repo, digest, "att", rec)) return 0;

  // Only envelopes that may hold one of ours are downloaded: cosign annotates
  // each with its predicate type.
  auto fetch = [&](const AttachedLayer& l) {
    if (l.media_type != kDsseMediaType) return false;
    auto pt = l.annotations.find(kPredicateTypeAnnotation);
    if (pt == l.annotations.end()) return true;
    for (const auto& s : statements)
      if (s.predicate_type == pt->second) return true;
    return false;
  };
  Digest current;
  auto layers = read_attached(registries, repo, digest, "att", fetch, &current);
  std::vector<bool> present(statements.size(), false);
  for (const auto& l : layers) {
    if (l.media_type != kDsseMediaType || l.bytes.empty()) continue;
    try {
      DsseEnvelope e = DsseEnvelope::parse(l.bytes, "attestation");
      for (size_t i = 0; i < statements.size(); ++i)
        if (!present[i] && e.payload == statements[i].json && e.verify(key.public_key()))
          present[i] = true;
    } catch (const Error&) {
      // Someone else's malformed envelope: kept as it is, not ours to judge here.
    }
  }
  size_t added = 0;
  for (size_t i = 0; i < statements.size(); ++i) {
    if (present[i]) continue;
    DsseEnvelope e = make_envelope(kInTotoPayloadType, statements[i].json, &key);
    // cosign leaves the signature annotation empty on attestations: it is in the envelope.
    layers.push_back(
        {kDsseMediaType,
         e.json(),
         {{kSignatureAnnotation, ""}, {kPredicateTypeAnnotation, statements[i].predicate_type}}});
    ++added;
  }
  if (added) current = write_attached(registries, repo, digest, "att", layers);
  record(rec, current);
  return added;
}

std::string check_signature(remote::Registries& registries, const registry::Reference& repo,
                            const Digest& digest, const VerifyKey& key) {
  auto layers = read_attached(registries, repo, digest, "sig");
  std::string tag = repo.name() + ":" + attached_tag(digest, "sig");
  if (layers.empty()) return fmt::format("no signature: {} does not exist", tag);
  std::vector<std::string> faults;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    std::string sig = decoded_annotation(l);
    std::string where = fmt::format("{} signature {}", tag, i + 1);
    if (sig.empty()) {
      faults.push_back(where + ": no " + kSignatureAnnotation + " annotation");
    } else if (!key.verify(l.bytes, sig)) {
      faults.push_back(where + ": does not verify with the key (payload tampered, or signed over "
                               "other bytes, or by another key)");
    } else {
      nlohmann::json p = nlohmann::json::parse(l.bytes, nullptr, false);
      std::string named;
      if (p.is_object() && p.contains("critical") && p["critical"].is_object()) {
        const auto& c = p["critical"];
        if (c.contains("image") && c["image"].is_object())
          named = c["image"].value("docker-manifest-digest", "");
        if (c.value("type", "") != "cosign container image signature") named = "";
      }
      if (named == digest.str()) return "";
      faults.push_back(where + ": signs " + (named.empty() ? "an unknown payload" : named) +
                       ", not " + digest.str());
    }
  }
  std::string out = "no valid signature";
  for (const auto& f : faults)
    out += "\n  " + f;
  return out;
}

std::vector<nlohmann::json> verified_statements(remote::Registries& registries,
                                                const registry::Reference& repo,
                                                const Digest& digest, const VerifyKey& key,
                                                const std::string& predicate_type,
                                                std::vector<std::string>* rejected) {
  std::vector<nlohmann::json> out;
  auto layers = read_attached(registries, repo, digest, "att");
  std::string tag = repo.name() + ":" + attached_tag(digest, "att");
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    if (l.media_type != kDsseMediaType) continue;
    auto pt = l.annotations.find(kPredicateTypeAnnotation);
    if (pt != l.annotations.end() && pt->second != predicate_type) continue;
    std::string where = fmt::format("{} attestation {}", tag, i + 1);
    try {
      DsseEnvelope e = DsseEnvelope::parse(l.bytes, where);
      nlohmann::json s = nlohmann::json::parse(e.payload, nullptr, false);
      if (s.is_discarded() || !s.is_object() || s.value("predicateType", "") != predicate_type) {
        if (pt != l.annotations.end() && rejected)
          rejected->push_back(where + ": its statement is not of type " + predicate_type);
        continue;
      }
      if (e.payload_type != kInTotoPayloadType || !e.verify(key)) {
        if (rejected) rejected->push_back(where + ": the envelope does not verify with the key");
      } else if (!names_digest(s, digest)) {
        if (rejected) rejected->push_back(where + ": its subject is not " + digest.str());
      } else {
        out.push_back(std::move(s));
      }
    } catch (const Error& err) {
      if (rejected) rejected->push_back(err.what());
    }
  }
  return out;
}

} // namespace rt::sign

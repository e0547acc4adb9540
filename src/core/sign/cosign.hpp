#pragma once
// Signing and attesting images in a registry the way cosign does with a key,
// and checking what is there (`cosign sign --key`, `cosign attest --key`,
// `cosign verify --key`, `cosign verify-attestation --key`).
#include "sign/attached.hpp"
#include "sign/dsse.hpp"
#include "sign/keys.hpp"

#include <nlohmann/json.hpp>

namespace rt::sign {

// The simple-signing payload cosign signs, byte for byte as Go marshals it:
// {"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":D},
//  "type":"cosign container image signature"},"optional":null}
std::string simple_signing_payload(const std::string& docker_reference, const Digest& digest);

// `record_dir` (optional, the caller's cache) remembers the attached images
// this key completed: (key, repository, subject, suffix, what was to be there)
// → the attached manifest's digest. While the tag still has that digest (one
// HEAD), its layers need not be read again: a manifest's digest fixes its
// layers, and theirs fix their bytes. Any other digest (a signature appended by
// someone else, a tag deleted or overwritten) reads and checks everything.

// Appends a signature of `digest` to REPO:sha256-<hex>.sig (the existing
// signatures are kept, as cosign appends). Like cosign's duplicate detector,
// nothing is added when a signature with the same payload already verifies with
// this key. Returns true if one was added. Throws RegistryError/RuntimeError.
bool sign_image(remote::Registries& registries, const registry::Reference& repo,
                const Digest& digest, const SigningKey& key, const std::string& record_dir = "");

// An in-toto statement to attest, and its predicate type.
struct Statement {
  std::string json;
  std::string predicate_type;
};

// Appends to REPO:sha256-<hex>.att, in one manifest write, a DSSE envelope
// signed by `key` for each statement not there already (the same statement in
// an envelope that verifies with this key), annotated with its predicate type.
// Returns how many were added.
size_t attest_image(remote::Registries& registries, const registry::Reference& repo,
                    const Digest& digest, const SigningKey& key,
                    const std::vector<Statement>& statements, const std::string& record_dir = "");

// Checks REPO:sha256-<hex>.sig: valid when at least one signature verifies over
// its payload with `key` and that payload names `digest`. Returns "" when valid,
// else why not, each signature's fault named (no .sig image, tampered payload,
// signature over other bytes, payload for another digest).
std::string check_signature(remote::Registries& registries, const registry::Reference& repo,
                            const Digest& digest, const VerifyKey& key);

// The in-toto statements in REPO:sha256-<hex>.att of `predicate_type` whose
// envelope verifies with `key` and whose subject names `digest`. `rejected`
// gets one line per envelope of that type that did not pass, saying why.
std::vector<nlohmann::json> verified_statements(remote::Registries& registries,
                                                const registry::Reference& repo,
                                                const Digest& digest, const VerifyKey& key,
                                                const std::string& predicate_type,
                                                std::vector<std::string>* rejected);

} // namespace rt::sign

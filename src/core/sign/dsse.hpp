#pragma once
// DSSE envelopes (github.com/secure-systems-lab/dsse, v1), the wrapping cosign
// uses for attestations: the signature covers PAE(payloadType, payload).
#include "sign/keys.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace rt::sign {

inline constexpr const char* kInTotoPayloadType = "application/vnd.in-toto+json";

// "DSSEv1 <len(type)> <type> <len(body)> <body>", lengths in ASCII decimal.
std::string pae(std::string_view payload_type, std::string_view payload);

struct DsseEnvelope {
  std::string payload_type;
  std::string payload;                 // decoded bytes
  std::vector<std::string> signatures; // decoded DER signatures

  // The envelope's JSON: {"payload":b64,"payloadType":..,"signatures":[{"keyid":"","sig":b64}]}.
  std::string json() const;
  // Parses an envelope; throws RuntimeError naming `what` when malformed.
  static DsseEnvelope parse(std::string_view json, std::string_view what);
  // True if one of the signatures verifies with `key`.
  bool verify(const VerifyKey& key) const;
};

// An envelope over `payload`, signed by `key` (nullptr: no signature, for inspection).
DsseEnvelope make_envelope(std::string_view payload_type, std::string payload,
                           const SigningKey* key);

} // namespace rt::sign

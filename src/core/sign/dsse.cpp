#include "sign/dsse.hpp"

#include "oci/descriptor.hpp"
#include "registry/keychain.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::sign {

std::string pae(std::string_view type, std::string_view body) {
  return fmt::format("DSSEv1 {} {} {} ", type.size(), type, body.size()) + std::string(body);
}

std::string DsseEnvelope::json() const {
  nlohmann::json sigs = nlohmann::json::array();
  for (const auto& s : signatures)
    sigs.push_back({{"keyid", ""}, {"sig", registry::base64_encode(s)}});
  return nlohmann::json{{"payloadType", payload_type},
                        {"payload", registry::base64_encode(payload)},
                        {"signatures", sigs}}
      .dump();
}

DsseEnvelope DsseEnvelope::parse(std::string_view text, std::string_view what) {
  nlohmann::json j = oci::parse_json(text, what);
  DsseEnvelope e;
  try {
    e.payload_type = j.at("payloadType").get<std::string>();
    e.payload = registry::base64_decode(j.at("payload").get<std::string>());
    if (j.contains("signatures") && !j["signatures"].is_null())
      for (const auto& s : j.at("signatures"))
        e.signatures.push_back(registry::base64_decode(s.at("sig").get<std::string>()));
  } catch (const nlohmann::json::exception&) {
    throw RuntimeError(fmt::format("{}: not a DSSE envelope", what));
  } catch (const Error&) {
    throw RuntimeError(fmt::format("{}: a DSSE field is not base64", what));
  }
  return e;
}

bool DsseEnvelope::verify(const VerifyKey& key) const {
  std::string message = pae(payload_type, payload);
  for (const auto& s : signatures)
    if (key.verify(message, s)) return true;
  return false;
}

DsseEnvelope make_envelope(std::string_view payload_type, std::string payload,
                           const SigningKey* key) {
  DsseEnvelope e{std::string(payload_type), std::move(payload), {}};
  if (key) e.signatures.push_back(key->sign(pae(e.payload_type, e.payload)));
  return e;
}

} // namespace rt::sign

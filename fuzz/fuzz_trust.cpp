// What `verify` and `reproduce --key` read from a registry or a user: DSSE envelopes, public
// keys in PEM, and cosign's encrypted private key JSON (scrypt parameters from the file are
// bounded before any work). Input: three documents separated by NULs.
#include "fuzz_support.hpp"

#include "sign/dsse.hpp"
#include "sign/keys.hpp"

using namespace rt::sign;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rt::fuzz::quiet_logs();
  auto parts = rt::fuzz::split_parts(data, size, 3);
  std::optional<VerifyKey> key;
  rt::fuzz::typed_errors_only([&] { key = VerifyKey::from_pem(parts[1], "cosign.pub"); });
  rt::fuzz::typed_errors_only([&] {
    DsseEnvelope e = DsseEnvelope::parse(parts[0], "attestation");
    pae(e.payload_type, e.payload);
    if (key) e.verify(*key);
    DsseEnvelope again = DsseEnvelope::parse(e.json(), "re-encoded");
    if (again.payload != e.payload || again.signatures != e.signatures) {
      std::fprintf(stderr, "fuzz: a DSSE envelope does not survive json() and parse()\n");
      std::abort();
    }
  });
  rt::fuzz::typed_errors_only([&] { decrypt_cosign_key(parts[2], "password", "cosign.key"); });
  return 0;
}

#pragma once
// ECDSA P-256 keys as cosign uses them: a private key that signs SHA-256 digests
// (a PEM PKCS#8 or SEC1 key, or cosign's own encrypted key file), and a public
// key (PEM SubjectPublicKeyInfo, as `cosign generate-key-pair` writes cosign.pub).
// A key's bytes and its password never appear in an error, a log or a file.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace rt::sign {

// A P-256 public key that checks ECDSA/SHA-256 signatures.
class VerifyKey {
public:
  // Loads a PEM public key from `path`. Throws InputError naming the file: not
  // readable, not a public key, not an EC P-256 key.
  static VerifyKey load(const std::string& path);
  static VerifyKey from_pem(std::string_view pem, std::string_view what);
  // True if `der_signature` is an ECDSA signature over SHA-256(message) by this key.
  bool verify(std::string_view message, std::string_view der_signature) const;
  // The key as PEM (SubjectPublicKeyInfo).
  std::string pem() const;

private:
  std::shared_ptr<evp_pkey_st> key_;
  friend class SigningKey;
};

// A P-256 private key that signs with ECDSA over SHA-256.
class SigningKey {
public:
  // Loads `path`: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1), or cosign's
  // "ENCRYPTED SIGSTORE PRIVATE KEY" / "ENCRYPTED COSIGN PRIVATE KEY" (scrypt +
  // NaCl secretbox), decrypted with `password` (nullopt: COSIGN_PASSWORD unset).
  // Throws InputError naming the file and what is wrong: unreadable, not a key,
  // encrypted without a password, wrong password, not EC P-256.
  static SigningKey load(const std::string& path, const std::optional<std::string>& password);
  // Loads `path` with the password from COSIGN_PASSWORD, as cosign does.
  static SigningKey load_with_env_password(const std::string& path);

  // An ASN.1 DER ECDSA signature over SHA-256(message). Throws RuntimeError.
  std::string sign(std::string_view message) const;
  const VerifyKey& public_key() const { return public_; }

private:
  std::shared_ptr<evp_pkey_st> key_;
  VerifyKey public_;
};

// Decrypts the JSON body of a cosign encrypted key (go-securesystemslib's
// "encrypted" format: {"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},
// "cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}, byte fields in
// standard base64) into the DER PKCS#8 key. Throws InputError prefixed `what`.
std::string decrypt_cosign_key(std::string_view json_body, std::string_view password,
                               std::string_view what);

} // namespace rt::sign

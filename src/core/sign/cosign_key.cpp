// cosign's encrypted private keys (`cosign generate-key-pair`): a PEM block whose
// body is go-securesystemslib's "encrypted" JSON. The key for NaCl secretbox
// (XSalsa20-Poly1305) is scrypt(password, salt, N, r, p, 32 bytes). OpenSSL
// has scrypt (EVP_PBE_scrypt) but no XSalsa20, so the secretbox is libsodium's
// crypto_secretbox_open_easy: the same construction, tag first, as Go's
// golang.org/x/crypto/nacl/secretbox writes it.
#include "sign/keys.hpp"

#include "oci/descriptor.hpp"
#include "registry/keychain.hpp"
#include "util/error.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

namespace rt::sign {

namespace {

std::string field_bytes(const nlohmann::json& j, const char* name, std::string_view what) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string())
    throw InputError(fmt::format("{}: the encrypted key has no \"{}\"", what, name));
  try {
    return registry::base64_decode(j[name].get<std::string>());
  } catch (const Error&) {
    throw InputError(fmt::format("{}: the encrypted key's \"{}\" is not base64", what, name));
  }
}

uint64_t param(const nlohmann::json& params, const char* name, std::string_view what) {
  if (!params.is_object() || !params.contains(name) || !params[name].is_number_unsigned())
    throw InputError(
        fmt::format("{}: the encrypted key's scrypt parameter {} is missing", what, name));
  return params[name].get<uint64_t>();
}

} // namespace

std::string decrypt_cosign_key(std::string_view json_body, std::string_view password,
                               std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(json_body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw InputError(fmt::format("{}: the encrypted key is not cosign's JSON format", what));
  const auto& kdf = j.value("kdf", nlohmann::json::object());
  const auto& cipher = j.value("cipher", nlohmann::json::object());
  if (kdf.value("name", "") != "scrypt")
    throw InputError(fmt::format("{}: unsupported key derivation (expected scrypt)", what));
  if (cipher.value("name", "") != "nacl/secretbox")
    throw InputError(fmt::format("{}: unsupported cipher (expected nacl/secretbox)", what));
  const auto& params = kdf.value("params", nlohmann::json::object());
  uint64_t n = param(params, "N", what), r = param(params, "r", what), p = param(params, "p", what);
  // Bounded, so a hostile key file cannot make us allocate gigabytes or spin for
  // minutes: cosign writes N=32768 r=8 p=1 (32 MiB); up to 8 times that memory
  // (128*N*r <= 256 MiB) and 16 times that work (N*r*p) are accepted.
  if (n < 2 || (n & (n - 1)) != 0 || n > (1u << 20) || r == 0 || r > 32 || p == 0 || p > 16 ||
      n * r > (uint64_t{1} << 21) || n * r * p > (uint64_t{1} << 22))
    throw InputError(
        fmt::format("{}: scrypt parameters N={} r={} p={} out of range", what, n, r, p));
  std::string salt = field_bytes(kdf, "salt", what);
  std::string nonce = field_bytes(cipher, "nonce", what);
  std::string sealed = field_bytes(j, "ciphertext", what);
  if (nonce.size() != crypto_secretbox_NONCEBYTES || sealed.size() < crypto_secretbox_MACBYTES)
    throw InputError(fmt::format("{}: the encrypted key's nonce or ciphertext is malformed", what));

  unsigned char key[crypto_secretbox_KEYBYTES];
  uint64_t maxmem = 128 * n * r + 128 * r * p + (1u << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     maxmem, key, sizeof key) != 1) {
    ERR_clear_error();
    throw RuntimeError(fmt::format("{}: scrypt failed", what));
  }
  if (sodium_init() < 0) throw RuntimeError("libsodium cannot initialise");
  std::string der(sealed.size() - crypto_secretbox_MACBYTES, '\0');
  int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(der.data()),
                                      reinterpret_cast<const unsigned char*>(sealed.data()),
                                      sealed.size(),
                                      reinterpret_cast<const unsigned char*>(nonce.data()), key);
  OPENSSL_cleanse(key, sizeof key);
  if (rc != 0)
    throw InputError(
        fmt::format("{}: cannot decrypt the key: wrong COSIGN_PASSWORD (or a damaged key)", what));
  return der;
}

} // namespace rt::sign

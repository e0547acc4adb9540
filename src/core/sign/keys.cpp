#include "sign/keys.hpp"

#include "registry/keychain.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace rt::sign {

namespace {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

PkeyPtr own(EVP_PKEY* k) {
  return PkeyPtr(k, EVP_PKEY_free);
}

// The key file as text; a missing file is bad input, like any file named by a flag.
std::string read_key_file(const std::string& path, std::string_view what) {
  if (!path_exists(path)) throw InputError(fmt::format("{} {}: no such file", what, path));
  try {
    return read_file(path);
  } catch (const Error&) {
    throw InputError(fmt::format("{} {}: cannot be read", what, path));
  }
}

// cosign signs with ECDSA on NIST P-256 only (its default key type).
void require_p256(EVP_PKEY* key, std::string_view what) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
    throw InputError(fmt::format("{}: not an EC key (cosign keys are ECDSA P-256)", what));
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
          1 ||
      std::string_view(group) != "prime256v1") {
    ERR_clear_error();
    throw InputError(fmt::format("{}: an EC key on curve {}, expected P-256 (prime256v1)", what,
                                 len ? group : "unknown"));
  }
}

// The PEM block's label ("PRIVATE KEY", "ENCRYPTED SIGSTORE PRIVATE KEY", ...), or "".
std::string pem_label(std::string_view text) {
  auto b = text.find("-----BEGIN ");
  if (b == std::string_view::npos) return "";
  b += 11;
  auto e = text.find("-----", b);
  if (e == std::string_view::npos) return "";
  return std::string(text.substr(b, e - b));
}

// The base64 body of the first PEM block, whitespace removed.
std::string pem_body(std::string_view text) {
  auto b = text.find("-----BEGIN ");
  b = text.find('\n', b);
  auto e = text.find("-----END ", b);
  if (b == std::string_view::npos || e == std::string_view::npos) return "";
  std::string out;
  for (char c : text.substr(b, e - b))
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

struct PasswordArg {
  const std::optional<std::string>* password;
  bool asked = false;
};

int password_callback(char* buf, int size, int, void* u) {
  auto* arg = static_cast<PasswordArg*>(u);
  arg->asked = true;
  if (!*arg->password) return -1;
  const std::string& p = **arg->password;
  if (p.size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, p.data(), p.size());
  return static_cast<int>(p.size());
}

PkeyPtr public_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw RuntimeError("cannot derive the public key");
  const unsigned char* p = der;
  PkeyPtr pub = own(d2i_PUBKEY(nullptr, &p, len));
  OPENSSL_free(der);
  if (!pub) throw RuntimeError("cannot derive the public key");
  return pub;
}

} // namespace

VerifyKey VerifyKey::from_pem(std::string_view pem, std::string_view what) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                BIO_free);
  VerifyKey k;
  k.key_ = own(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!k.key_) {
    std::string label = pem_label(pem);
    throw InputError(
        label.find("PRIVATE") != std::string::npos
            ? fmt::format("{}: a private key, expected the public key (cosign.pub)", what)
            : fmt::format("{}: not a PEM public key", what));
  }
  require_p256(k.key_.get(), what);
  return k;
}

VerifyKey VerifyKey::load(const std::string& path) {
  return from_pem(read_key_file(path, "--key"), "--key " + path);
}

bool VerifyKey::verify(std::string_view message, std::string_view der_signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der_signature.data()),
                       der_signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string VerifyKey::pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

SigningKey SigningKey::load(const std::string& path, const std::optional<std::string>& password) {
  std::string what = "--sign-key " + path;
  std::string text = read_key_file(path, "--sign-key");
  std::string label = pem_label(text);
  SigningKey k;
  if (label == "ENCRYPTED SIGSTORE PRIVATE KEY" || label == "ENCRYPTED COSIGN PRIVATE KEY") {
    if (!password)
      throw InputError(
          fmt::format("{}: the key is encrypted: set COSIGN_PASSWORD to its password", what));
    std::string body;
    try {
      body = registry::base64_decode(pem_body(text));
    } catch (const Error&) {
      throw InputError(fmt::format("{}: the PEM body is not base64", what));
    }
    std::string der = decrypt_cosign_key(body, *password, what);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    k.key_ = own(d2i_AutoPrivateKey(nullptr, &p, long(der.size())));
    OPENSSL_cleanse(der.data(), der.size());
    ERR_clear_error();
    if (!k.key_) throw InputError(fmt::format("{}: the decrypted key is not a PKCS#8 key", what));
  } else if (label.find("PRIVATE KEY") != std::string::npos) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), int(text.size())),
                                                  BIO_free);
    PasswordArg arg{&password};
    k.key_ = own(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, &arg));
    ERR_clear_error();
    if (!k.key_ && !arg.asked)
      throw InputError(fmt::format("{}: not a readable PEM private key", what));
    if (!k.key_ && !password)
      throw InputError(fmt::format("{}: the key is encrypted: set COSIGN_PASSWORD", what));
    if (!k.key_)
      throw InputError(fmt::format("{}: cannot decrypt the key: wrong COSIGN_PASSWORD", what));
  } else if (label.find("PUBLIC KEY") != std::string::npos) {
    throw InputError(fmt::format("{}: a public key; --sign-key needs the private key", what));
  } else {
    throw InputError(fmt::format("{}: not a PEM private key", what));
  }
  OPENSSL_cleanse(text.data(), text.size());
  require_p256(k.key_.get(), what);
  k.public_.key_ = public_of(k.key_.get());
  return k;
}

SigningKey SigningKey::load_with_env_password(const std::string& path) {
  const char* env = std::getenv("COSIGN_PASSWORD");
  std::optional<std::string> password;
  if (env) password = env;
  return load(path, password);
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    ERR_clear_error();
    throw RuntimeError("ECDSA signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    ERR_clear_error();
    throw RuntimeError("ECDSA signing failed");
  }
  sig.resize(len);
  return sig;
}

} // namespace rt::sign

#include "util/sha256.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <openssl/evp.h>

namespace rt {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw RuntimeError("cannot initialise SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  if (size) EVP_DigestUpdate(impl_->ctx, data, size);
}

Digest Sha256::finish() {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static const char* hexdigits = "0123456789abcdef";
  std::string hex(64, '0');
  for (int i = 0; i < 32; ++i) {
    hex[2 * i] = hexdigits[md[i] >> 4];
    hex[2 * i + 1] = hexdigits[md[i] & 15];
  }
  return Digest{hex};
}

bool Digest::valid(std::string_view text) {
  if (text.size() != 71 || text.substr(0, 7) != "sha256:") return false;
  for (char c : text.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Digest Digest::parse(std::string_view text, std::string_view what) {
  if (!valid(text))
    throw InputError(std::string(what) + " '" + std::string(text) +
                     "' is not of the form sha256:<64 lowercase hex digits>");
  return Digest{std::string(text.substr(7))};
}

Digest sha256_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

Digest sha256_of_file(const std::string& path) {
  Sha256 h;
  InputFile in(path);
  char buf[1 << 16];
  while (size_t n = in.read(buf, sizeof buf)) h.update(buf, n);
  return h.finish();
}

} // namespace rt

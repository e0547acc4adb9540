#pragma once
// Streaming SHA-256 (OpenSSL EVP) and the "sha256:<hex>" digest value used everywhere.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace rt {

// An OCI content digest. Only sha256 is produced; parse() rejects anything else.
struct Digest {
  std::string hex; // 64 lowercase hex characters

  std::string str() const { return "sha256:" + hex; }
  bool empty() const { return hex.empty(); }
  // Parses "sha256:<64 hex>"; throws InputError naming `what` on a malformed value.
  static Digest parse(std::string_view text, std::string_view what = "digest");
  static bool valid(std::string_view text);
  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  Digest finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest sha256_of(std::string_view bytes);
// Hashes a file by streaming it; throws RuntimeError if it cannot be read.
Digest sha256_of_file(const std::string& path);

} // namespace rt

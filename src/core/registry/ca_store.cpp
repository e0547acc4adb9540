#include "registry/ca_store.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <vector>

namespace rt::registry::detail {

namespace {

// The system's CA file and directory: SSL_CERT_FILE and SSL_CERT_DIR when set
// (as OpenSSL and Go read them, so docker, crane and skopeo), else libcurl's
// compiled-in ones (Debian: /etc/ssl/certs/ca-certificates.crt, /etc/ssl/certs).
struct CaDefaults {
  std::string file;
  std::vector<std::string> dirs;
};

const CaDefaults& ca_defaults() {
  static const CaDefaults d = [] {
    CaDefaults out;
    std::string dirs;
    CURL* h = curl_easy_init();
    if (h) {
      char* s = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CAINFO, &s) == CURLE_OK && s) out.file = s;
      s = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CAPATH, &s) == CURLE_OK && s) dirs = s;
      curl_easy_cleanup(h);
    }
    if (const char* f = std::getenv("SSL_CERT_FILE"); f && *f) out.file = f;
    if (const char* p = std::getenv("SSL_CERT_DIR"); p && *p) dirs = p;
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = std::min(dirs.find(':', start), dirs.size());
      if (end > start) out.dirs.push_back(dirs.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }();
  return d;
}

// The store, made once, as libcurl's OpenSSL backend fills one: the CA file,
// the CA directories looked up by hash when needed, trusted certificates first
// and partial chains accepted. Kept for the process's life: connections on other
// threads may still use it.
X509_STORE* system_store() {
  static X509_STORE* const store = [] {
    X509_STORE* s = X509_STORE_new();
    if (!s) throw RuntimeError("cannot allocate a TLS certificate store");
    const CaDefaults& d = ca_defaults();
    if (!d.file.empty()) X509_STORE_load_file(s, d.file.c_str());
    for (const auto& dir : d.dirs)
      X509_STORE_load_path(s, dir.c_str());
    X509_STORE_set_flags(s, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    // A missing file or directory shows as a failed verification, as with
    // libcurl; its queued errors must not surface in a later handshake.
    ERR_clear_error();
    return s;
  }();
  return store;
}

CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* store) {
  // Replaces the context's own, empty store.
  SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), static_cast<X509_STORE*>(store));
  return CURLE_OK;
}

} // namespace

void use_system_ca_store(CURL* h) {
  // No CA file or directory for libcurl to load. libcurl 7.88 fills the
  // context's store after this callback has run (it adds nothing then but
  // the flags set already); its own per-handle store cache stays off.
  curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
  curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, system_store());
}

} // namespace rt::registry::detail

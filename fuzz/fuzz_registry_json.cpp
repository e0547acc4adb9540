// A registry's answers: manifests, image indexes and image configs (what reading a base image
// parses), token server answers, error bodies, and the headers that steer the client
// (WWW-Authenticate, Link, Retry-After). Input: a body, then after a NUL a second body (the
// config of the manifest in the first), then after a NUL a header value.
#include "fuzz_support.hpp"

#include "oci/descriptor.hpp"
#include "oci/image.hpp"
#include "oci/index.hpp"
#include "registry/bearer.hpp"
#include "registry/error.hpp"
#include "registry/http.hpp"
#include "registry/retry.hpp"
#include "registry/url.hpp"

using namespace rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::split_parts(data, size, 3);
  const std::string& body = parts[0];
  const std::string& config = parts[1];
  const std::string& header = parts[2];
  const std::string what = "docker.io/library/base:1";

  // Reading an image: the index resolved to a platform, the manifest's config and layers.
  for (const char* platform : {"linux/amd64", "linux/arm64/v8", "windows/arm/v7"})
    fuzz::typed_errors_only(
        [&] { oci::select_manifest(body, oci::Platform::parse(platform), what); });
  fuzz::typed_errors_only([&] {
    oci::Image img;
    img.manifest = body;
    img.config_descriptor();
  });
  fuzz::typed_errors_only([&] { oci::manifest_layers(body, config, what); });
  fuzz::typed_errors_only([&] {
    oci::Image img;
    img.config = config;
    img.config_json();
  });

  // Authentication: the challenge, the scopes it asks for, the token server's answer.
  fuzz::typed_errors_only([&] {
    for (const auto& challenge : registry::parse_www_authenticate(header)) {
      challenge.param("realm");
      registry::Scopes scopes;
      scopes.add(challenge.param("scope"));
      scopes.strings();
    }
  });
  fuzz::typed_errors_only([&] {
    auto token = registry::parse_token_response(body, "https://auth.test/token");
    registry::Scopes scopes;
    scopes.add_repository("library/base", "pull");
    registry::TokenCache cache; // as the transport keeps it, for its lifetime
    cache.put(scopes, token.token, token.expires_in);
    cache.find(scopes);
  });
  log::forget_secrets();

  // Errors and what steers retries and pagination.
  fuzz::typed_errors_only([&] {
    registry::HttpResponse res;
    res.status = header.empty() ? 500 : 400 + static_cast<unsigned char>(header[0]) % 200;
    res.body = body;
    res.headers.add("Retry-After", header);
    auto error = registry::RegistryError::from_response("GET https://registry.test/v2/", res);
    error.retryable();
  });
  fuzz::typed_errors_only([&] { registry::parse_retry_after(header); });
  fuzz::typed_errors_only([&] {
    if (auto next = registry::link_next(header))
      registry::resolve_url("https://registry.test/v2/a/tags/list?n=10", *next);
  });
  return 0;
}

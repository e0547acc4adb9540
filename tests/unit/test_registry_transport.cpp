// Pure pieces of the registry transport: challenges, scopes, tokens, retry policy,
// errors and URLs. The exchanges themselves are in test_registry_fake_server.cpp
// and test_registry_live.cpp.
#include "registry/bearer.hpp"
#include "registry/client.hpp"
#include "registry/error.hpp"
#include "registry/http.hpp"
#include "registry/retry.hpp"
#include "registry/transport.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>

using namespace rt;
using namespace rt::registry;
using namespace std::chrono_literals;

TEST_CASE("parse_www_authenticate") {
  SECTION("bearer with a quoted comma in the scope") {
    auto cs = parse_www_authenticate(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
    REQUIRE(cs.size() == 1);
    CHECK(cs[0].scheme == "bearer");
    CHECK(cs[0].param("realm") == "https://auth.docker.io/token");
    CHECK(cs[0].param("service") == "registry.docker.io");
    CHECK(cs[0].param("scope") == "repository:samalba/my-app:pull,push");
    CHECK(cs[0].param("missing").empty());
  }
  SECTION("basic, case and spacing") {
    auto cs = parse_www_authenticate(R"(BASIC  Realm = "Registry Realm" )");
    REQUIRE(cs.size() == 1);
    CHECK(cs[0].scheme == "basic");
    CHECK(cs[0].param("REALM") == "Registry Realm");
  }
  SECTION("several challenges, unquoted values and escapes") {
    auto cs = parse_www_authenticate(
        R"(Bearer realm="https://t/token", error=insufficient_scope, scope="a b", Basic realm="x \"y\"")");
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].param("error") == "insufficient_scope");
    CHECK(cs[0].param("scope") == "a b");
    CHECK(cs[1].scheme == "basic");
    CHECK(cs[1].param("realm") == R"(x "y")");
  }
  SECTION("garbage does not hang or throw") {
    CHECK(parse_www_authenticate("").empty());
    CHECK_NOTHROW(parse_www_authenticate(R"(=,"Bearer realm="unterminated)"));
    CHECK(parse_www_authenticate("Negotiate").at(0).scheme == "negotiate");
    CHECK(parse_www_authenticate("Basic dXNlcjpwYXNz==").at(0).scheme == "basic");
  }
}

TEST_CASE("Scopes") {
  Scopes push;
  push.add_repository("app", "pull,push");
  Scopes pull;
  pull.add_repository("app", "pull");
  CHECK(push.contains(pull));
  CHECK_FALSE(pull.contains(push));
  CHECK(push.str() == "repository:app:pull,push");

  Scopes mount = push;
  mount.add("repository:base:pull repository:localhost:5000/x:pull");
  CHECK(mount.strings() == std::vector<std::string>{"repository:app:pull,push",
                                                    "repository:base:pull",
                                                    "repository:localhost:5000/x:pull"});
  CHECK(mount.contains(push));
  Scopes other;
  other.add_repository("other", "pull");
  CHECK_FALSE(mount.contains(other));
  Scopes star;
  star.add("repository:app:*");
  CHECK(star.contains(push));
}

TEST_CASE("TokenCache") {
  TokenCache cache;
  Scopes push, pull, other;
  push.add_repository("app", "pull,push");
  pull.add_repository("app", "pull");
  other.add_repository("base", "pull");
  CHECK_FALSE(cache.find(pull));
  cache.put(push, "tok-push", 60s);
  CHECK(cache.find(pull) == "tok-push"); // a wider token serves a narrower need
  CHECK(cache.find(push) == "tok-push");
  CHECK_FALSE(cache.find(other));
  cache.drop("tok-push");
  CHECK_FALSE(cache.find(pull));
  cache.put(pull, "expired", 0s);
  CHECK_FALSE(cache.find(pull));
}

TEST_CASE("parse_token_response") {
  auto t = parse_token_response(R"({"token":"abc123","expires_in":300})", "https://t/token");
  CHECK(t.token == "abc123");
  CHECK(t.expires_in == 300s);
  CHECK(parse_token_response(R"({"access_token":"xyz789"})", "r").expires_in == 60s);
  CHECK(parse_token_response(R"({"access_token":"xyz789"})", "r").token == "xyz789");
  CHECK_THROWS_AS(parse_token_response(R"({"nothing":1})", "r"), RegistryError);
  CHECK_THROWS_AS(parse_token_response("<html>", "r"), RegistryError);
  CHECK(log::redact("Bearer abc123") == "Bearer ***");
}

TEST_CASE("parse_retry_after") {
  auto now = std::chrono::system_clock::from_time_t(1445412480); // 2015-10-21 07:28:00 UTC
  CHECK(parse_retry_after("120", now) == 120000ms);
  CHECK(parse_retry_after(" 0 ", now) == 0ms);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30000ms);
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now) == 60000ms);
  CHECK(parse_retry_after("Wed Oct 21 07:28:05 2015", now) == 5000ms);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0ms); // in the past
  // Far dates do not fit the clock's nanoseconds: they saturate, and the policy's cap applies.
  CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) ==
        std::chrono::milliseconds::max());
  CHECK(parse_retry_after("Mon, 01 Jan 1000 00:00:00 GMT", now) == 0ms);
  CHECK(parse_retry_after("99999999999999999999", now) == std::chrono::milliseconds::max());
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
}

TEST_CASE("RetryPolicy") {
  RetryPolicy p = RetryPolicy::standard();
  CHECK(p.attempts == 5);
  CHECK(p.backoff(0) == 1000ms);
  CHECK(p.backoff(1) == 2000ms);
  CHECK(p.backoff(3) == 8000ms);
  CHECK(p.backoff(10) == 30000ms); // capped
  RegistryError plain("x", 503, {}, true);
  auto d = p.delay(0, plain);
  CHECK(d >= 1000ms);
  CHECK(d <= 1100ms); // jitter stays within 10 %
  RegistryError slow("x", 429, {}, true, 5000ms);
  CHECK(p.delay(0, slow) == 5000ms);
  RegistryError very_slow("x", 429, {}, true, 3600000ms);
  CHECK(p.delay(0, very_slow) == 60000ms); // Retry-After is capped
  CHECK(RetryPolicy::fast().delay(0, very_slow) == 20ms);
  CHECK(RetryPolicy::none().attempts == 1);

  int calls = 0;
  CHECK(with_retries(RetryPolicy::fast(), [&](int attempt) {
          ++calls;
          if (attempt < 2) throw RegistryError("flaky", 503, {}, true);
          return attempt;
        }) == 2);
  CHECK(calls == 3);
  calls = 0;
  CHECK_THROWS_AS(with_retries(RetryPolicy::fast(),
                               [&](int) -> int {
                                 ++calls;
                                 throw RegistryError("denied", 403, {}, false);
                               }),
                  RegistryError);
  CHECK(calls == 1);
}

TEST_CASE("RegistryError::from_response") {
  HttpResponse res;
  res.status = 400;
  res.body = R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry",
                 "detail":"sha256:abc"}]})";
  auto e = RegistryError::from_response("PUT https://r/v2/app/manifests/1", res);
  CHECK(e.status() == 400);
  CHECK(e.has_code("MANIFEST_BLOB_UNKNOWN"));
  CHECK_FALSE(e.retryable());
  CHECK(std::string(e.what()) == "PUT https://r/v2/app/manifests/1: HTTP 400: "
                                 "MANIFEST_BLOB_UNKNOWN: blob unknown to registry");

  HttpResponse busy;
  busy.status = 503;
  busy.headers.add("Retry-After", "7");
  auto b = RegistryError::from_response("GET x", busy);
  CHECK(b.retryable());
  CHECK(b.retry_after() == 7000ms);

  HttpResponse limited;
  limited.status = 400;
  limited.body = R"({"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]})";
  CHECK(RegistryError::from_response("GET x", limited).retryable());

  for (int s : {408, 429, 500, 502, 503, 504})
    CHECK(retryable_status(s));
  for (int s : {400, 401, 403, 404, 501})
    CHECK_FALSE(retryable_status(s));
  CHECK(parse_error_body("not json").empty());
  CHECK(parse_error_body(R"({"errors":"x"})").empty());
}

TEST_CASE("Headers are case-insensitive") {
  Headers h;
  h.add("docker-content-digest", "sha256:1");
  h.add("Link", "<a>");
  h.add("link", "<b>");
  CHECK(h.get("Docker-Content-Digest") == "sha256:1");
  CHECK(h.get_all("LINK") == std::vector<std::string>{"<a>", "<b>"});
  CHECK_FALSE(h.get("location"));
}

TEST_CASE("URL helpers") {
  CHECK(url_origin("https://Gcr.io/v2/") == "https://gcr.io:443");
  CHECK(url_origin("http://localhost/x") == url_origin("http://localhost:80/y"));
  CHECK(url_origin("https://a.example/") != url_origin("https://b.example/"));
  CHECK(url_origin("https://a.example/") != url_origin("http://a.example/"));

  CHECK(resolve_url("http://127.0.0.1:5000/v2/app/blobs/uploads/",
                    "/v2/app/blobs/uploads/uuid?_state=abc") ==
        "http://127.0.0.1:5000/v2/app/blobs/uploads/uuid?_state=abc");
  CHECK(resolve_url("https://r/v2/app/blobs/uploads/", "https://storage.example/up/1?sig=x") ==
        "https://storage.example/up/1?sig=x");
  CHECK(resolve_url("https://r/v2/app/blobs/uploads/", "uuid") ==
        "https://r/v2/app/blobs/uploads/uuid");
  CHECK_THROWS_AS(resolve_url("https://r/", "file:///etc/passwd"), RegistryError);

  Digest d = sha256_of("");
  CHECK(upload_commit_url("https://r/v2/app/blobs/uploads/u?_state=s", d) ==
        "https://r/v2/app/blobs/uploads/u?_state=s&digest=sha256%3A" + d.hex);
  CHECK(upload_commit_url("https://r/v2/app/blobs/uploads/u", d) ==
        "https://r/v2/app/blobs/uploads/u?digest=sha256%3A" + d.hex);
  CHECK(blob_path("a/b", d) == "/v2/a/b/blobs/sha256:" + d.hex);
  CHECK(manifest_path("app", "1.0") == "/v2/app/manifests/1.0");
  CHECK(upload_path("app") == "/v2/app/blobs/uploads/");
  CHECK(mount_path("app", d, "base/img") ==
        "/v2/app/blobs/uploads/?mount=sha256%3A" + d.hex + "&from=base%2Fimg");
  CHECK(tags_path("app") == "/v2/app/tags/list");
  CHECK(percent_encode("a b/~") == "a%20b%2F~");

  CHECK(link_next(R"(</v2/app/tags/list?last=b&n=2>; rel="next")") ==
        "/v2/app/tags/list?last=b&n=2");
  CHECK(link_next(R"(<p>; rel="prev", <n>; rel="next")") == "n");
  CHECK_FALSE(link_next(R"(<p>; rel="prev")"));

  CHECK(url_for_message("https://s.example/blob?X-Amz-Signature=secret") ==
        "https://s.example/blob");
  CHECK(manifest_accept().find(media_type::oci_manifest) != std::string::npos);
  CHECK(manifest_accept().find(media_type::docker_manifest_list) != std::string::npos);
}

TEST_CASE("Transport: which hosts are insecure") {
  CHECK(is_loopback_host("localhost"));
  CHECK(is_loopback_host("localhost:5000"));
  CHECK(is_loopback_host("127.0.0.1:5000"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("[::1]:5000"));
  CHECK_FALSE(is_loopback_host("127.example.com"));
  CHECK_FALSE(is_loopback_host("gcr.io"));
  CHECK(strip_port("[::1]:5000") == "::1");
  CHECK(strip_port("gcr.io:443") == "gcr.io");

  TransportOptions o;
  o.insecure_registries = {"registry.lan", "other.lan:5000", "http://third.lan:8080"};
  o.certs_dir = "";
  Transport t("gcr.io", {}, o);
  CHECK(t.is_insecure("127.0.0.1:5000"));
  CHECK(t.is_insecure("registry.lan:443"));
  CHECK(t.is_insecure("other.lan:5000"));
  CHECK_FALSE(t.is_insecure("other.lan:6000"));
  CHECK(t.is_insecure("third.lan:8080"));
  CHECK_FALSE(t.is_insecure("gcr.io"));
  CHECK(t.tls_for("gcr.io").verify);
  CHECK_FALSE(t.tls_for("registry.lan").verify);
  // Loopback may use plain HTTP, but its TLS is verified.
  CHECK(t.tls_for("127.0.0.1:5000").verify);
}

TEST_CASE("Transport::tls_for reads docker's certs.d") {
  TempDir dir("rt-certs");
  make_dirs(dir.path() + "/reg.example:5000");
  write_file_atomic(dir.path() + "/reg.example:5000/ca.crt", "CA-PEM");
  write_file_atomic(dir.path() + "/reg.example:5000/client.cert", "CERT");
  write_file_atomic(dir.path() + "/reg.example:5000/client.key", "KEY");
  write_file_atomic(dir.path() + "/extra.pem", "EXTRA-PEM");
  TransportOptions o;
  o.certs_dir = dir.path();
  o.ca_files = {dir.path() + "/extra.pem"};
  Transport t("reg.example:5000", {}, o);
  TlsConfig tls = t.tls_for("reg.example:5000");
  CHECK(tls.verify);
  CHECK(tls.extra_ca_pem.find("CA-PEM") != std::string::npos);
  CHECK(tls.extra_ca_pem.find("EXTRA-PEM") != std::string::npos);
  CHECK(tls.client_cert == dir.path() + "/reg.example:5000/client.cert");
  CHECK(tls.client_key == dir.path() + "/reg.example:5000/client.key");
  CHECK(t.tls_for("elsewhere.example").extra_ca_pem == "EXTRA-PEM\n");
}

// Client and Transport against a scripted server: the exchanges a real registry
// does not produce on demand (storage redirects, 503 + Retry-After, lost uploads,
// insufficient_scope, Link pages, lying digests).
#include "registry/client.hpp"
#include "registry_fake_server.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace rt;
using namespace rt::registry;
using rt::test::FakeRequest;
using rt::test::FakeResponse;
using rt::test::FakeServer;

namespace {

TransportOptions fast_options() {
  TransportOptions o;
  o.retry = RetryPolicy::fast();
  o.certs_dir = "";
  return o;
}

Client client_for(const FakeServer& server, Credential credential = {}) {
  return Client(std::make_shared<Transport>(server.host(), std::move(credential), fast_options()));
}

FakeResponse unknown() {
  return {404, {}, R"({"errors":[{"code":"NOT_FOUND","message":"unknown"}]})"};
}

std::string read_all(ByteSource& s) {
  std::string out;
  char buf[4096];
  while (size_t n = s.read(buf, sizeof buf))
    out.append(buf, n);
  return out;
}

const std::string blob_bytes = "hello, blob";
const Digest blob_digest = sha256_of(blob_bytes);

} // namespace

TEST_CASE("Transport: bearer tokens, scopes and storage redirects") {
  // A storage host: whatever reaches it must carry no Authorization.
  FakeServer storage([](const FakeRequest& r) -> FakeResponse {
    if (r.path() != "/bucket/blob") return unknown();
    return {200, {{"Content-Length", std::to_string(blob_bytes.size())}}, blob_bytes};
  });
  int tokens = 0;
  int mount_challenged = 0;
  std::string realm;
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/token") {
      if (r.header("authorization") != "Basic " + base64_encode("me:pa55word"))
        return {401, {}, ""};
      return {200, {}, fmt::format(R"({{"token":"tok-{}","expires_in":300}})", ++tokens)};
    }
    std::string challenge = fmt::format(R"(Bearer realm="{}",service="fake")", realm);
    if (!r.header("authorization").starts_with("Bearer tok-"))
      return {401, {{"WWW-Authenticate", challenge}}, ""};
    if (r.path() == "/v2/app/blobs/" + blob_digest.str())
      return {307, {{"Location", storage.url() + "/bucket/blob?X-Signature=abc"}}, ""};
    if (r.path() == "/v2/app/blobs/uploads/") {
      // Mounting needs pull on the source: ask for it the way registries do.
      if (!mount_challenged++)
        return {401,
                {{"WWW-Authenticate",
                  challenge + R"(,scope="repository:base:pull",error="insufficient_scope")"}},
                ""};
      return {201, {{"Location", "/v2/app/blobs/" + blob_digest.str()}}, ""};
    }
    return unknown();
  });
  realm = reg.url() + "/token";
  Client c = client_for(reg, Credential{"me", "pa55word", "", ""});

  CHECK(c.blob_exists("app", blob_digest) == static_cast<int64_t>(blob_bytes.size()));
  CHECK(read_all(*c.open_blob("app", blob_digest, blob_bytes.size())) == blob_bytes);
  CHECK(tokens == 1); // cached for the second request
  for (const auto& r : storage.requests())
    CHECK(r.header("authorization").empty());
  CHECK(storage.count("HEAD", "/bucket/blob") == 1);
  CHECK(storage.count("GET", "/bucket/blob") == 1);

  CHECK(c.mount_blob("app", blob_digest, "base"));
  auto token_requests = reg.requests();
  std::erase_if(token_requests, [](const FakeRequest& r) { return r.path() != "/token"; });
  REQUIRE(token_requests.size() == 3);
  CHECK(token_requests[0].target == "/token?service=fake&scope=repository%3Aapp%3Apull&account=me");
  CHECK(token_requests[1].target == "/token?service=fake&scope=repository%3Aapp%3Apull%2Cpush&"
                                    "scope=repository%3Abase%3Apull&account=me");
  CHECK(token_requests[2].target == token_requests[1].target);
}

TEST_CASE("Transport: retries honour Retry-After, give up, and log") {
  int calls = 0;
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/v2/") return {200, {}, "{}"};
    if (r.path() == "/v2/app/tags/list") {
      if (++calls == 1) return {503, {{"Retry-After", "1"}}, "busy"};
      return {200, {}, R"({"name":"app","tags":["a"]})"};
    }
    if (r.path() == "/v2/down/tags/list")
      return {500, {}, R"({"errors":[{"code":"UNKNOWN","message":"boom"}]})"};
    return unknown();
  });
  Client c = client_for(reg);
  auto start = std::chrono::steady_clock::now();
  CHECK(c.list_tags("app") == std::vector<std::string>{"a"});
  // Retry-After: 1 is capped at the fast policy's 20 ms.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900));
  CHECK(calls == 2);

  try {
    c.list_tags("down");
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.status() == 500);
    CHECK(e.retryable());
    CHECK(e.has_code("UNKNOWN"));
    CHECK_THAT(e.what(), Catch::Contains("GET http://" + reg.host() + "/v2/down/tags/list"));
  }
  CHECK(reg.count("GET", "/v2/down/") == 3); // RetryPolicy::fast(): 3 attempts
}

TEST_CASE("Client::upload_blob: one PUT with Content-Length, retried from HEAD") {
  int puts = 0;
  bool landed = false;
  bool lose_answer = false;
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/v2/") return {200, {}, ""};
    if (r.method == "HEAD" && r.path().starts_with("/v2/app/blobs/sha256:"))
      return landed ? FakeResponse{200, {{"Content-Length", "11"}}, ""} : unknown();
    if (r.method == "POST" && r.path() == "/v2/app/blobs/uploads/")
      return {202, {{"Location", "/v2/app/blobs/uploads/u1?_state=abc"}}, ""};
    if (r.method == "PUT" && r.path() == "/v2/app/blobs/uploads/u1") {
      ++puts;
      if (puts == 1 && !lose_answer) return {500, {}, ""};
      landed = r.body == blob_bytes;
      if (lose_answer) return {502, {}, ""}; // stored, but the client never hears it
      return {201, {}, ""};
    }
    return unknown();
  });
  Client c = client_for(reg);
  auto open = [] { return std::make_unique<StringSource>(blob_bytes); };

  SECTION("a failed PUT starts a new session") {
    c.upload_blob("app", blob_digest, blob_bytes.size(), open);
    CHECK(puts == 2);
    CHECK(reg.count("POST", "/v2/app/blobs/uploads/") == 2);
    CHECK(reg.count("HEAD", "/v2/app/blobs/") == 1);
    auto requests = reg.requests();
    const FakeRequest& put = requests.back();
    CHECK(put.target == "/v2/app/blobs/uploads/u1?_state=abc&digest=sha256%3A" + blob_digest.hex);
    CHECK(put.header("content-length") == std::to_string(blob_bytes.size()));
    CHECK(put.header("transfer-encoding").empty());
    CHECK(put.header("content-type") == "application/octet-stream");
  }
  SECTION("a PUT that landed is not sent again") {
    lose_answer = true;
    c.upload_blob("app", blob_digest, blob_bytes.size(), open);
    CHECK(puts == 1);
    CHECK(reg.count("HEAD", "/v2/app/blobs/") == 1);
  }
}

TEST_CASE("Client::upload_blob: a lost upload session is started again, never re-sent") {
  int posts = 0;
  std::vector<std::string> put_paths;
  bool landed = false;
  int opened = 0;
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/v2/") return {200, {}, ""};
    if (r.method == "HEAD" && r.path().starts_with("/v2/app/blobs/sha256:"))
      return landed ? FakeResponse{200, {{"Content-Length", "11"}}, ""} : unknown();
    if (r.method == "POST" && r.path() == "/v2/app/blobs/uploads/")
      return {202, {{"Location", fmt::format("/v2/app/blobs/uploads/u{}", ++posts)}}, ""};
    if (r.method == "PUT" && r.path().starts_with("/v2/app/blobs/uploads/u")) {
      put_paths.push_back(r.path());
      // The registry restarted between the POST and the PUT of the first session.
      if (r.path() == "/v2/app/blobs/uploads/u1")
        return {
            404,
            {},
            R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown to registry"}]})"};
      landed = r.body == blob_bytes;
      return {201, {}, ""};
    }
    return unknown();
  });
  Client c = client_for(reg);
  c.upload_blob("app", blob_digest, blob_bytes.size(), [&] {
    ++opened;
    return std::make_unique<StringSource>(blob_bytes);
  });
  CHECK(landed);
  CHECK(put_paths ==
        std::vector<std::string>{"/v2/app/blobs/uploads/u1", "/v2/app/blobs/uploads/u2"});
  CHECK(opened == 2); // the body was opened again from its source
  // POST, PUT → 404; then HEAD (still absent), a new POST, PUT → 201.
  std::vector<std::string> seen;
  for (const auto& r : reg.requests())
    if (r.path() != "/v2/") seen.push_back(r.method + " " + r.path());
  CHECK(seen ==
        std::vector<std::string>{"POST /v2/app/blobs/uploads/", "PUT /v2/app/blobs/uploads/u1",
                                 "HEAD /v2/app/blobs/" + blob_digest.str(),
                                 "POST /v2/app/blobs/uploads/", "PUT /v2/app/blobs/uploads/u2"});

  SECTION("a session lost at every attempt gives up with the registry's words") {
    FakeServer lost([&](const FakeRequest& r) -> FakeResponse {
      if (r.path() == "/v2/") return {200, {}, ""};
      if (r.method == "POST") return {202, {{"Location", "/v2/app/blobs/uploads/gone"}}, ""};
      if (r.method == "PUT")
        return {
            404,
            {},
            R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"blob upload unknown to registry"}]})"};
      return unknown();
    });
    Client l = client_for(lost);
    CHECK_THROWS_WITH(l.upload_blob("app", blob_digest, blob_bytes.size(),
                                    [] { return std::make_unique<StringSource>(blob_bytes); }),
                      Catch::Contains("HTTP 404: BLOB_UPLOAD_UNKNOWN") &&
                          Catch::Contains("the upload session is gone"));
    CHECK(lost.count("PUT", "/v2/app/blobs/uploads/") == 3); // RetryPolicy::fast(): 3 attempts
  }
}

TEST_CASE("Client::list_tags follows Link pages") {
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/v2/") return {200, {}, ""};
    if (r.target == "/v2/app/tags/list")
      return {200,
              {{"link", R"(</v2/app/tags/list?last=b&n=2>; rel="next")"}},
              R"({"name":"app","tags":["a","b"]})"};
    if (r.target == "/v2/app/tags/list?last=b&n=2")
      return {200, {}, R"({"name":"app","tags":["c"]})"};
    return unknown();
  });
  CHECK(client_for(reg).list_tags("app") == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("Client::get_manifest checks digests") {
  std::string body = R"({"schemaVersion":2})";
  Digest real = sha256_of(body);
  std::string wrong = "sha256:" + std::string(64, '0');
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    if (r.path() == "/v2/") return {200, {}, ""};
    if (r.path() == "/v2/app/manifests/honest")
      return {200,
              {{"Content-Type", "application/vnd.oci.image.manifest.v1+json; charset=utf-8"},
               {"Docker-Content-Digest", real.str()}},
              body};
    if (r.path() == "/v2/app/manifests/lying")
      return {200, {{"Docker-Content-Digest", wrong}}, body};
    if (r.path() == "/v2/app/manifests/" + wrong) return {200, {}, body};
    return unknown();
  });
  Client c = client_for(reg);
  Manifest m = c.get_manifest("app", "honest");
  CHECK(m.digest == real);
  CHECK(m.media_type == media_type::oci_manifest);
  CHECK(reg.requests().back().header("accept") == manifest_accept());
  CHECK_THROWS_WITH(c.get_manifest("app", "lying"), Catch::Contains("reports digest"));
  CHECK_THROWS_WITH(c.get_manifest("app", wrong), Catch::Contains("have digest"));
  CHECK_THROWS_AS(c.get_manifest("app", "bad tag"), InputError);
  CHECK_THROWS_AS(c.get_manifest("Bad", "x"), InputError);
}

TEST_CASE("Transport: refused credentials never show in errors") {
  FakeServer reg([&](const FakeRequest& r) -> FakeResponse {
    return {401,
            {{"WWW-Authenticate", R"(Basic realm="fake")"}},
            R"({"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]})"};
  });
  Client c = client_for(reg, Credential{"me", "hunter2-secret", "", ""});
  try {
    c.list_tags("app");
    FAIL("no error");
  } catch (const RegistryError& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::StartsWith("authentication required") &&
                         Catch::Contains("UNAUTHORIZED: bad credentials"));
    CHECK(what.find("hunter2") == std::string::npos);
    CHECK(what.find(base64_encode("me:hunter2-secret")) == std::string::npos);
    CHECK(e.status() == 401);
    CHECK_FALSE(e.retryable());
  }
  // Basic credentials were sent once the challenge asked for them, and only once.
  CHECK(reg.count("GET", "/v2/app/tags/list") == 1);
  CHECK(reg.requests().back().header("authorization") ==
        "Basic " + base64_encode("me:hunter2-secret"));
}

TEST_CASE("Transport: connection failures are retryable RegistryErrors") {
  int port = rt::test::free_port(); // nobody listens there
  Client c(std::make_shared<Transport>("127.0.0.1:" + std::to_string(port), Credential{},
                                       fast_options()));
  try {
    c.list_tags("app");
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.status() == 0);
    CHECK(e.retryable());
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(port)));
  }
}

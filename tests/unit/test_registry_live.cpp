// The registry client against the real registry: Debian's docker-registry
// (distribution 2.8), started here on 127.0.0.1 — plain, with htpasswd, with a
// token server (tests/support/token_server.py) and over TLS.
#include "registry/client.hpp"
#include "registry_fake_server.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rt;
using namespace rt::registry;
using rt::test::ChildProcess;
using rt::test::RegistryProcess;

namespace {

struct Blob {
  std::string bytes;
  Digest digest;
  int64_t size() const { return static_cast<int64_t>(bytes.size()); }
  OpenFn opener() const {
    return [this] { return std::make_unique<StringSource>(bytes); };
  }
};

Blob make_blob(std::string bytes) {
  Digest d = sha256_of(bytes);
  return {std::move(bytes), d};
}

// Incompressible-looking bytes, so that nothing along the way can shrink them.
Blob random_blob(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  uint32_t x = seed;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return make_blob(std::move(s));
}

std::string oci_manifest(const Blob& config, const Blob& layer) {
  return fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}}]}})",
      media_type::oci_manifest, config.digest.str(), config.size(), layer.digest.str(),
      layer.size());
}

std::string read_all(ByteSource& s) {
  std::string out;
  char buf[65536];
  while (size_t n = s.read(buf, sizeof buf))
    out.append(buf, n);
  return out;
}

TransportOptions test_options() {
  TransportOptions o;
  o.retry = RetryPolicy::fast();
  o.certs_dir = "";
  return o;
}

Client client_for(const std::string& host, Credential credential = {},
                  TransportOptions options = test_options()) {
  return Client(std::make_shared<Transport>(host, std::move(credential), std::move(options)));
}

std::string support_dir() {
  std::string here = __FILE__; // …/tests/unit/test_registry_live.cpp
  return here.substr(0, here.rfind("/unit/")) + "/support";
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw RuntimeError("failed: " + command);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("Client against docker-registry", "[registry-live]") {
  RegistryProcess reg;
  Client c = client_for(reg.host());
  Blob config = make_blob(R"({"architecture":"amd64","os":"linux"})");
  Blob layer = random_blob(3 << 20, 7);

  // upload_blob: POST + one streamed PUT; progress reaches the total.
  CHECK_FALSE(c.blob_exists("app", layer.digest));
  int64_t last_sent = 0, total = 0;
  c.upload_blob("app", layer.digest, layer.size(), layer.opener(), [&](int64_t sent, int64_t t) {
    last_sent = sent;
    total = t;
  });
  CHECK(last_sent == layer.size());
  CHECK(total == layer.size());
  c.upload_blob("app", config.digest, config.size(), config.opener());
  CHECK(c.blob_exists("app", layer.digest) == layer.size());

  // A source that does not match its digest fails before the registry sees it whole.
  Blob liar = make_blob("these bytes");
  CHECK_THROWS_WITH(c.upload_blob("app", sha256_of("other bytes"), liar.size(), liar.opener()),
                    Catch::Contains("digest mismatch"));

  // put_manifest / get_manifest / head_manifest with an OCI manifest.
  std::string manifest = oci_manifest(config, layer);
  Digest md = c.put_manifest("app", "1.0", manifest, media_type::oci_manifest);
  CHECK(md == sha256_of(manifest));
  Manifest got = c.get_manifest("app", "1.0");
  CHECK(got.bytes == manifest);
  CHECK(got.media_type == media_type::oci_manifest);
  CHECK(got.digest == md);
  CHECK(c.get_manifest("app", md.str()).bytes == manifest);
  auto head = c.head_manifest("app", "1.0");
  REQUIRE(head);
  CHECK(head->digest == md);
  CHECK(head->size == static_cast<int64_t>(manifest.size()));
  CHECK_FALSE(c.head_manifest("app", "nope"));
  try {
    c.get_manifest("app", "nope");
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.status() == 404);
    CHECK(e.has_code("MANIFEST_UNKNOWN"));
  }

  // A manifest whose blobs are missing: 400 MANIFEST_BLOB_UNKNOWN, not retried.
  try {
    c.put_manifest("other", "1.0", manifest, media_type::oci_manifest);
    FAIL("no error");
  } catch (const RegistryError& e) {
    CHECK(e.status() == 400);
    CHECK(e.has_code("MANIFEST_BLOB_UNKNOWN"));
    CHECK_FALSE(e.retryable());
  }

  // mount_blob across repositories; an unknown blob is not mounted.
  CHECK(c.mount_blob("other", layer.digest, "app"));
  CHECK(c.mount_blob("other", config.digest, "app"));
  CHECK(c.blob_exists("other", layer.digest) == layer.size());
  CHECK_FALSE(c.mount_blob("other", sha256_of("absent"), "app"));
  CHECK(c.put_manifest("other", "latest", manifest, media_type::oci_manifest) == md);

  // open_blob streams and verifies.
  auto in = c.open_blob("other", layer.digest, layer.size());
  CHECK(read_all(*in) == layer.bytes);
  auto short_read = c.open_blob("app", layer.digest, layer.size() - 1);
  CHECK_THROWS_WITH(read_all(*short_read), Catch::Contains("more than the expected"));
  // Reading slowly pauses the transfer without losing bytes.
  auto slow = c.open_blob("app", layer.digest, layer.size());
  std::string slowly;
  char small[1000];
  while (size_t n = slow->read(small, sizeof small))
    slowly.append(small, n);
  CHECK(slowly == layer.bytes);

  // list_tags.
  c.put_manifest("app", "1.1", manifest, media_type::oci_manifest);
  auto tags = c.list_tags("app");
  std::sort(tags.begin(), tags.end());
  CHECK(tags == std::vector<std::string>{"1.0", "1.1"});
  CHECK(c.list_tags("never-pushed").empty());
}

TEST_CASE("Client with htpasswd (Basic) authentication", "[registry-live]") {
  TempDir dir("rt-htpasswd");
  std::string htpasswd = dir.path() + "/htpasswd";
  // distribution only takes bcrypt entries.
  run(fmt::format("htpasswd -Bbn -C 4 pusher 's3cret-pass' > {}", htpasswd));
  RegistryProcess reg(fmt::format("auth:\n  htpasswd: {{realm: rt-test, path: {}}}\n", htpasswd));
  Blob config = make_blob("{}");

  Client good = client_for(reg.host(), Credential{"pusher", "s3cret-pass", "", ""});
  good.upload_blob("app", config.digest, config.size(), config.opener());
  CHECK(good.blob_exists("app", config.digest));

  std::string anonymous = error_of([&] { client_for(reg.host()).list_tags("app"); });
  CHECK_THAT(anonymous, Catch::StartsWith("authentication required") &&
                            Catch::Contains("no credentials for " + reg.host()));
  std::string wrong = error_of([&] {
    client_for(reg.host(), Credential{"pusher", "wrong-pass", "", ""}).list_tags("app");
  });
  CHECK_THAT(wrong, Catch::StartsWith("authentication required") &&
                        !Catch::Contains("wrong-pass") && !Catch::Contains("no credentials"));
  CHECK(log::redact("Basic " + base64_encode("pusher:s3cret-pass")) == "Basic ***");
}

TEST_CASE("Client with token authentication", "[registry-live]") {
  TempDir dir("rt-token");
  write_file_atomic(dir.path() + "/users", "pusher:pushpass:pull,push\npuller:pullpass:pull\n");
  std::string port_file = dir.path() + "/port";
  ChildProcess token_server({"/usr/bin/python3", support_dir() + "/token_server.py", "--port", "0",
                             "--port-file", port_file, "--certdir", dir.path() + "/certs",
                             "--users", dir.path() + "/users", "--service", "rt-test", "--issuer",
                             "rt-test-issuer"},
                            dir.path() + "/token.log");
  token_server.wait_until([&] { return path_exists(port_file) && !read_file(port_file).empty(); },
                          "token_server.py");
  std::string realm = "http://127.0.0.1:" + read_file(port_file) + "/token";
  while (!realm.empty() && (realm.back() == '\n'))
    realm.pop_back();
  realm.erase(std::remove(realm.begin(), realm.end(), '\n'), realm.end());
  RegistryProcess reg(fmt::format("auth:\n  token: {{realm: \"{}\", service: rt-test, issuer: "
                                  "rt-test-issuer, rootcertbundle: {}/certs/ca.pem}}\n",
                                  realm, dir.path()));
  Blob config = make_blob(R"({"os":"linux"})");
  Blob layer = random_blob(100000, 3);

  // Push: a pull,push token fetched with Basic credentials; mounting asks for the
  // source repository's pull scope as well.
  Client pusher = client_for(reg.host(), Credential{"pusher", "pushpass", "", ""});
  pusher.upload_blob("base", layer.digest, layer.size(), layer.opener());
  pusher.upload_blob("base", config.digest, config.size(), config.opener());
  CHECK(pusher.mount_blob("app", layer.digest, "base"));
  CHECK(pusher.mount_blob("app", config.digest, "base"));
  Digest md =
      pusher.put_manifest("app", "1.0", oci_manifest(config, layer), media_type::oci_manifest);

  // Pull with a pull-only user; pushing with it is refused after one retry.
  Client puller = client_for(reg.host(), Credential{"puller", "pullpass", "", ""});
  CHECK(puller.get_manifest("app", "1.0").digest == md);
  CHECK(read_all(*puller.open_blob("app", layer.digest, layer.size())) == layer.bytes);
  CHECK_THROWS_WITH(
      puller.put_manifest("app", "2.0", oci_manifest(config, layer), media_type::oci_manifest),
      Catch::StartsWith("authentication required"));

  // Wrong password: the token server refuses, and says so.
  CHECK_THROWS_WITH(client_for(reg.host(), Credential{"pusher", "nope", "", ""}).list_tags("app"),
                    Catch::Contains("authentication failed"));

  // An identity token (OAuth2 refresh token), exchanged with POST grant_type=refresh_token.
  HttpRequest offline;
  offline.url = realm + "?service=rt-test&offline_token=true";
  offline.authorization = Credential{"pusher", "pushpass", "", ""}.basic_authorization();
  auto refresh =
      nlohmann::json::parse(http_perform(offline).body)["refresh_token"].get<std::string>();
  Client oauth = client_for(reg.host(), Credential{"", "", refresh, ""});
  CHECK(oauth.list_tags("app") == std::vector<std::string>{"1.0"});
  CHECK(log::redact(refresh) == "***");
}

TEST_CASE("Client over TLS", "[registry-live]") {
  TempDir dir("rt-tls");
  const std::string& d = dir.path();
  run(fmt::format(
      "cd {} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout ca.key -out ca.pem -days 2 -subj /CN=rt-test-ca 2>/dev/null && "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key "
      "-out server.csr -subj /CN=127.0.0.1 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
      "-days 2 -extfile ext 2>/dev/null",
      d));
  RegistryProcess reg(
      "", fmt::format("  tls: {{certificate: {0}/server.pem, key: {0}/server.key}}\n", d));
  Blob config = make_blob("{}");

  TransportOptions verify = test_options();
  verify.insecure_loopback = false;
  std::string untrusted = error_of([&] { client_for(reg.host(), {}, verify).list_tags("app"); });
  CHECK_THAT(untrusted, Catch::StartsWith("TLS connection to " + reg.host() + " failed") &&
                            Catch::Contains("--ca-cert") && Catch::Contains("--insecure-registry"));

  // docker's certs.d/HOST:PORT/ca.crt; over TLS the registry speaks HTTP/2 and
  // header names arrive lowercase.
  make_dirs(d + "/certs.d/" + reg.host());
  run(fmt::format("cp {0}/ca.pem '{0}/certs.d/{1}/ca.crt'", d, reg.host()));
  TransportOptions certs_d = verify;
  certs_d.certs_dir = d + "/certs.d";
  Client trusted = client_for(reg.host(), {}, certs_d);
  trusted.upload_blob("app", config.digest, config.size(), config.opener());
  CHECK(trusted.blob_exists("app", config.digest) == config.size());
  CHECK(trusted.transport().url("/v2/").starts_with("https://"));

  TransportOptions ca_cert = verify;
  ca_cert.ca_files = {d + "/ca.pem"};
  CHECK(client_for(reg.host(), {}, ca_cert).blob_exists("app", config.digest));

  TransportOptions insecure = verify;
  insecure.insecure_registries = {reg.host()};
  CHECK(client_for(reg.host(), {}, insecure).blob_exists("app", config.digest));
  // Loopback may use plain HTTP by default, but TLS on loopback is verified like
  // anywhere else (issue 3): no CA, no connection, and no fallback to http.
  std::string loopback =
      error_of([&] { client_for(reg.host()).blob_exists("app", config.digest); });
  CHECK_THAT(loopback, Catch::StartsWith("TLS connection to " + reg.host() + " failed") &&
                           Catch::Contains("--ca-cert"));
}

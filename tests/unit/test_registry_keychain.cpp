#include "registry/keychain.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <sys/stat.h>

using namespace rt;
using namespace rt::registry;

namespace {

// Sets an environment variable for the scope of a test.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

// A docker-credential-<name> script on PATH that answers for one server and logs
// what it was asked.
struct FakeHelper {
  TempDir dir{"rt-helper"};
  std::optional<ScopedEnv> path;

  FakeHelper(const std::string& name, const std::string& body) {
    std::string script = dir.path() + "/docker-credential-" + name;
    write_file_atomic(script, "#!/bin/sh\n" + body, 0755);
    path.emplace("PATH", dir.path() + ":" + std::getenv("PATH"));
  }
  std::string asked() const { return read_file(dir.path() + "/asked"); }
};

std::string write_config(const TempDir& dir, const std::string& name, const std::string& json) {
  std::string path = dir.path() + "/" + name;
  write_file_atomic(path, json);
  return path;
}

} // namespace

TEST_CASE("normalize_registry_key") {
  CHECK(normalize_registry_key("gcr.io") == "gcr.io");
  CHECK(normalize_registry_key("https://gcr.io") == "gcr.io");
  CHECK(normalize_registry_key("http://localhost:5000/v2/") == "localhost:5000");
  CHECK(normalize_registry_key("gcr.io/v2/") == "gcr.io");
  CHECK(normalize_registry_key("https://index.docker.io/v1/") == "docker.io");
  CHECK(normalize_registry_key("registry-1.docker.io") == "docker.io");
  CHECK(normalize_registry_key("docker.io") == "docker.io");
}

TEST_CASE("base64") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("user:pa:ss") == "dXNlcjpwYTpzcw==");
  CHECK(base64_decode("dXNlcjpwYTpzcw==") == "user:pa:ss");
  CHECK(base64_decode("Zm8") == "fo");
  CHECK_THROWS_AS(base64_decode("Zm9v!"), RuntimeError);
}

TEST_CASE("Keychain::resolve: auths entries") {
  TempDir dir("rt-keychain");
  std::string file = write_config(dir, "config.json", R"({"auths": {
    "https://index.docker.io/v1/": {"auth": "aHViOmh1YnBhc3M="},
    "gcr.io": {"username": "_json_key", "password": "gcr-secret"},
    "https://ghcr.io": {"auth": "Z2g6Z2gtc2VjcmV0"},
    "localhost:5000/v2/": {"identitytoken": "refresh-me"},
    "quay.io": {"registrytoken": "bearer-as-is"},
    "empty.example": {}
  }})");
  Keychain k({file});

  auto hub = k.resolve("docker.io");
  CHECK(hub.username == "hub");
  CHECK(hub.password == "hubpass");
  CHECK(k.resolve("registry-1.docker.io").username == "hub");
  CHECK(k.resolve("https://index.docker.io/v1/").password == "hubpass");

  auto gcr = k.resolve("gcr.io");
  CHECK(gcr.username == "_json_key");
  CHECK(gcr.password == "gcr-secret");
  CHECK(gcr.basic_authorization() == "Basic " + base64_encode("_json_key:gcr-secret"));

  CHECK(k.resolve("ghcr.io").password == "gh-secret");
  CHECK(k.resolve("localhost:5000").identity_token == "refresh-me");
  CHECK(k.resolve("quay.io").registry_token == "bearer-as-is");
  CHECK(k.resolve("empty.example").anonymous());
  CHECK(k.resolve("other.example").anonymous());
  // Secrets read are masked in every log line from now on.
  CHECK(log::redact("password gcr-secret") == "password ***");
}

TEST_CASE("Keychain::resolve: files in order, missing and broken ones") {
  TempDir dir("rt-keychain");
  std::string podman =
      write_config(dir, "auth.json", R"({"auths": {"gcr.io": {"auth": "cG9kOnBvZHBhc3M="}}})");
  std::string docker = write_config(dir, "config.json", R"({"auths": {
    "gcr.io": {"auth": "ZG9jazpkb2NrcGFzcw=="}, "ghcr.io": {"auth": "ZG9jazpnaHBhc3M="}}})");
  Keychain k({dir.path() + "/missing.json", podman, docker});
  CHECK(k.resolve("gcr.io").username == "pod");   // the first file with an entry wins
  CHECK(k.resolve("ghcr.io").username == "dock"); // later files fill what earlier lack

  std::string broken = write_config(dir, "broken.json", "{not json");
  CHECK_THROWS_WITH(Keychain({broken}).resolve("gcr.io"), Catch::Contains("broken.json"));
  std::string bad_auth =
      write_config(dir, "bad.json", R"({"auths": {"gcr.io": {"auth": "bm9jb2xvbg=="}}})");
  CHECK_THROWS_WITH(Keychain({bad_auth}).resolve("gcr.io"), Catch::Contains("user:password"));
  CHECK(Keychain({write_config(dir, "blank.json", "  \n")}).resolve("gcr.io").anonymous());
  CHECK(Keychain().resolve("gcr.io").anonymous());
}

TEST_CASE("Keychain::from_environment") {
  TempDir dir("rt-keychain");
  ScopedEnv auth_file("REGISTRY_AUTH_FILE", dir.path() + "/auth.json");
  ScopedEnv docker_config("DOCKER_CONFIG", dir.path() + "/docker");
  auto k = Keychain::from_environment();
  REQUIRE(k.files().size() == 2);
  CHECK(k.files()[0] == dir.path() + "/auth.json");
  CHECK(k.files()[1] == dir.path() + "/docker/config.json");
  ::unsetenv("DOCKER_CONFIG");
  ScopedEnv home("HOME", "/home/someone");
  CHECK(Keychain::from_environment().files()[1] == "/home/someone/.docker/config.json");
}

TEST_CASE("Keychain::resolve: credential helpers") {
  TempDir dir("rt-keychain");
  FakeHelper helper("test", R"(read server
echo "$1 $server" >> "$(dirname "$0")/asked"
case "$server" in
  gcr.io) echo '{"ServerURL":"gcr.io","Username":"oauth2accesstoken","Secret":"helper-secret"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"hub-refresh"}' ;;
  broken.example) echo 'not json, maybe the secret' ;;
  failing.example) echo 'the keychain is locked' ; exit 3 ;;
  *) echo 'credentials not found in native keychain' ; exit 1 ;;
esac
)");
  std::string file = write_config(dir, "config.json", R"({
    "auths": {"gcr.io": {}, "plain.example": {"auth": "cDpwcA=="}},
    "credHelpers": {"https://broken.example": "test", "failing.example": "test",
                    "gcr.io": "test", "missinghelper.example": "absent"},
    "credsStore": "test"
  })");
  Keychain k({file});

  auto gcr = k.resolve("gcr.io");
  CHECK(gcr.username == "oauth2accesstoken");
  CHECK(gcr.password == "helper-secret");
  CHECK_THAT(helper.asked(), Catch::Contains("get gcr.io"));

  // credsStore for everything else; "<token>" means an identity token.
  auto hub = k.resolve("docker.io");
  CHECK(hub.identity_token == "hub-refresh");
  CHECK(hub.username.empty());
  CHECK_THAT(helper.asked(), Catch::Contains("get https://index.docker.io/v1/"));

  CHECK(k.resolve("plain.example").username == "p"); // auths before credsStore
  CHECK(k.resolve("unknown.example").anonymous());   // "credentials not found"

  CHECK_THROWS_WITH(k.resolve("broken.example"), Catch::Contains("docker-credential-test") &&
                                                     Catch::Contains("not JSON") &&
                                                     !Catch::Contains("maybe the secret"));
  CHECK_THROWS_WITH(k.resolve("failing.example"),
                    Catch::Contains("docker-credential-test") && Catch::Contains("exit status 3"));
  CHECK_THROWS_WITH(k.resolve("missinghelper.example"),
                    Catch::Contains("docker-credential-absent not found"));
}

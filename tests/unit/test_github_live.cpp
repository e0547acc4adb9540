// The GitHub client and fetch_url against tests/support/fake_github.py (an API
// port and a storage port that records every header it receives), started here on
// free ports, plus a tiny flaky server for retries.
#include "github/fetch_url.hpp"
#include "github/github.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

using namespace rt;
using namespace rt::github;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "ghp_live_test_token_7f3a";
const std::string kSha1 = std::string(40, '1');
const std::string kSha2 = std::string(40, '2');

std::string support_dir() {
  std::string here = __FILE__; // …/tests/unit/test_github_live.cpp
  return here.substr(0, here.rfind("/unit/")) + "/support";
}

// A child process (stdout and stderr to `log`), killed when this goes away.
class Child {
public:
  Child(std::vector<std::string> argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw RuntimeError("cannot start " + argv[0]);
  }
  ~Child() {
    // Never kill(-1, …): after the child is reaped pid_ is -1, and kill(-1) as root
    // signals every process on the machine.
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  // Waits (up to 5 s) for `path` to exist; throws with the log if the child dies first.
  void wait_for_file(const std::string& path) {
    for (int i = 0; i < 500; ++i) {
      if (path_exists(path)) return;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        throw RuntimeError("server exited:\n" + read_file(log_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw RuntimeError("server did not start:\n" + read_file(log_));
  }

private:
  pid_t pid_ = -1;
  std::string log_;
};

// Random-looking bytes: several MiB exercise the stream's pause/resume.
std::string blob(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  for (auto& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

// fake_github.py with two repositories, started on free ports.
class FakeGithub {
public:
  // `download`: "redirect" (302 to the storage port, like github.com) or "direct" (200).
  explicit FakeGithub(std::vector<std::string> flags = {},
                      const std::string& download = "redirect") {
    const std::string& d = dir_.path();
    write_file_atomic(d + "/lana-cli", lana_cli);
    write_file_atomic(d + "/old-tool", "an asset from 2024\n");
    write_file_atomic(d + "/unlisted", "not in the checksums\n");
    write_file_atomic(d + "/SHA256SUMS", sha256_of(std::string("an asset from 2024\n")).hex +
                                             "  old-tool\n" + std::string(64, 'e') + "  other\n");
    write_file_atomic(d + "/checksums.txt", std::string(64, 'f') + "  something-else\n");
    json config = {
        {"tokens", {kToken}},
        {"download", download},
        {"repos",
         {{"acme/public",
           {{"tags",
             {{"v1.0.0", kSha1},
              {"v1.1.0",
               {{"commit", kSha2}, {"annotated", true}, {"date", "2025-01-01T00:00:00Z"}}}}},
            {"commits",
             {{kSha1, {{"date", "2024-05-01T10:00:00Z"}}},
              {kSha2, {{"date", "2024-06-01T12:30:00+02:00"}}}}},
            {"releases",
             {{{"tag", "v1.0.0"},
               {"assets",
                {{{"name", "lana-cli"}, {"file", "lana-cli"}},
                 {{"name", "liar"},
                  {"file", "old-tool"},
                  {"digest", "sha256:" + std::string(64, '0')}},
                 {{"name", "old-tool"}, {"file", "old-tool"}, {"digest", "omit"}},
                 {{"name", "SHA256SUMS"}, {"file", "SHA256SUMS"}, {"digest", "omit"}}}}},
              {{"tag", "v2.0.0"},
               {"assets",
                {{{"name", "unlisted"}, {"file", "unlisted"}, {"digest", "omit"}},
                 {{"name", "checksums.txt"}, {"file", "checksums.txt"}}}}},
              {{"tag", "v3.0.0"},
               {"assets", {{{"name", "bare"}, {"file", "unlisted"}, {"digest", "omit"}}}}}}}}},
          {"acme/private",
           {{"private", true},
            {"releases",
             {{{"tag", "v1.0.0"},
               {"assets", {{{"name", "secret-cli"}, {"file", "lana-cli"}}}}}}}}}}}};
    write_file_atomic(d + "/config.json", config.dump(2));
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     support_dir() + "/fake_github.py",
                                     "--config",
                                     d + "/config.json",
                                     "--ports-file",
                                     d + "/ports.json",
                                     "--log",
                                     d + "/api.jsonl",
                                     "--storage-log",
                                     d + "/storage.jsonl"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    child_ = std::make_unique<Child>(argv, d + "/server.log");
    child_->wait_for_file(d + "/ports.json");
    json ports = json::parse(read_file(d + "/ports.json"));
    api_url = fmt::format("http://127.0.0.1:{}", ports["api"].get<int>());
  }

  ClientOptions options(std::string token = "") const {
    ClientOptions o;
    o.api_url = api_url;
    o.token = std::move(token);
    o.retry = RetrySettings::fast();
    return o;
  }
  // The JSON lines a log holds so far.
  std::vector<json> log(const std::string& name) const {
    std::vector<json> out;
    std::string text =
        path_exists(dir_.path() + "/" + name) ? read_file(dir_.path() + "/" + name) : std::string();
    for (size_t pos = 0, end; (end = text.find('\n', pos)) != std::string::npos; pos = end + 1)
      out.push_back(json::parse(text.substr(pos, end - pos)));
    return out;
  }
  // The server writes an entry after it answered: wait (up to 2 s) for `at_least`.
  std::vector<json> log(const std::string& name, size_t at_least) const {
    for (int i = 0; i < 200 && log(name).size() < at_least; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return log(name);
  }
  // The first entry of a log whose path starts with `path` (waiting up to 2 s), or null.
  json entry(const std::string& name, const std::string& path) const {
    for (int i = 0; i < 200; ++i) {
      for (const auto& e : log(name))
        if (e["path"].get<std::string>().rfind(path, 0) == 0) return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return nullptr;
  }
  std::vector<json> storage_log() const { return log("storage.jsonl"); }
  std::vector<json> api_log(size_t at_least = 0) const { return log("api.jsonl", at_least); }

  const std::string lana_cli = blob(3 << 20, 42);
  std::string api_url;

private:
  TempDir dir_{"rt-github-live"};
  std::unique_ptr<Child> child_;
};

// One server for the tests that do not change its flags: each start costs ~0.3 s.
FakeGithub& shared_github() {
  static FakeGithub gh;
  return gh;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// Runs f with stderr (where the log goes) captured; returns what was written.
std::string stderr_of(const std::function<void()>& f) {
  TempDir dir("rt-stderr");
  std::string path = dir.path() + "/err";
  std::fflush(stderr);
  int saved = ::dup(2);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
  try {
    f();
  } catch (...) {
    ::dup2(saved, 2);
    ::close(saved);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  return read_file(path);
}

bool any_authorization(const std::vector<json>& storage_log) {
  for (const auto& e : storage_log)
    for (const auto& [name, value] : e["headers"].items())
      if (name == "Authorization" || name == "authorization") return true;
  return false;
}

} // namespace

TEST_CASE("Client::release_by_tag against fake GitHub", "[github-live]") {
  FakeGithub& gh = shared_github();
  Client anonymous(gh.options());
  Release r = anonymous.release_by_tag("acme/public", "v1.0.0");
  CHECK(r.tag_name == "v1.0.0");
  REQUIRE(r.find_asset("lana-cli"));
  CHECK(r.find_asset("lana-cli")->size == static_cast<int64_t>(gh.lana_cli.size()));
  CHECK(r.find_asset("lana-cli")->digest == sha256_of(gh.lana_cli));
  CHECK_FALSE(r.find_asset("old-tool")->digest);
  for (const auto& e : gh.api_log()) {
    CHECK(e["user_agent"] == "release-tool/" RT_VERSION);
    CHECK(e["accept"] == "application/vnd.github+json");
  }

  // Private: visible with the token, a clear error without.
  Client with_token(gh.options(kToken));
  CHECK(with_token.release_by_tag("acme/private", "v1.0.0").find_asset("secret-cli"));
  CHECK(error_of([&] { anonymous.release_by_tag("acme/private", "v1.0.0"); }) ==
        "release v1.0.0 not found in acme/private (or the repository is private and no token "
        "was given: set GH_TOKEN)");
  CHECK_THROWS_WITH(with_token.release_by_tag("acme/public", "v9.9.9"),
                    Catch::StartsWith("release v9.9.9 not found in acme/public"));

  std::string bad = error_of(
      [&] { Client(gh.options("ghp_wrong_token_1234")).release_by_tag("acme/public", "v1.0.0"); });
  CHECK_THAT(bad, Catch::Contains("GitHub rejected the token (401 Bad credentials)"));
  CHECK_THAT(bad, !Catch::Contains("ghp_wrong"));
  CHECK_THAT(log::redact("Bearer ghp_wrong_token_1234"), !Catch::Contains("ghp_wrong"));
}

TEST_CASE("Client::commit against fake GitHub", "[github-live]") {
  FakeGithub& gh = shared_github();
  Client c(gh.options());
  Commit light = c.commit("acme/public", "v1.0.0");
  CHECK(light.sha == kSha1);
  CHECK(light.committer_time == 1714557600); // 2024-05-01T10:00:00Z
  Commit annotated = c.commit("acme/public", "v1.1.0");
  CHECK(annotated.sha == kSha2);
  CHECK(annotated.committer_time == 1717237800); // 2024-06-01T10:30:00Z
  CHECK_THROWS_WITH(c.commit("acme/public", "v7"), Catch::Contains("no commit v7 in acme/public"));
  CHECK_THROWS_WITH(c.commit("acme/private", "v1.0.0"), Catch::Contains("set GH_TOKEN"));
}

TEST_CASE("Client::download_asset against fake GitHub", "[github-live]") {
  FakeGithub& gh = shared_github();
  TempDir out("rt-github-out");
  Client c(gh.options(kToken));

  SECTION("through the storage redirect, which never sees the token") {
    Release r = c.release_by_tag("acme/private", "v1.0.0");
    const Asset& a = *r.find_asset("secret-cli");
    int64_t last = 0, total = 0;
    c.download_asset("acme/private", a, out.path() + "/secret-cli", a.digest,
                     [&](int64_t bytes, int64_t t) { last = bytes, total = t; });
    CHECK(read_file(out.path() + "/secret-cli") == gh.lana_cli);
    CHECK(last == a.size);
    CHECK(total == a.size);
    json stored =
        gh.entry("storage.jsonl", fmt::format("/github-production-release-asset/{}", a.id));
    REQUIRE(stored != nullptr);
    CHECK(stored["status"] == 200);
    CHECK_FALSE(any_authorization(gh.storage_log()));
    // The API request did carry it (the repository is private).
    json api = gh.entry("api.jsonl", fmt::format("/repos/acme/private/releases/assets/{}", a.id));
    REQUIRE(api != nullptr);
    CHECK(api["accept"] == "application/octet-stream");
    CHECK(api["authorization"] == true);
    CHECK(api["status"] == 302);
  }
  SECTION("answered directly (200) by the API") {
    FakeGithub direct({}, "direct");
    Client d(direct.options(kToken));
    const Asset a = *d.release_by_tag("acme/private", "v1.0.0").find_asset("secret-cli");
    d.download_asset("acme/private", a, out.path() + "/direct", a.digest);
    CHECK(sha256_of_file(out.path() + "/direct") == *a.digest);
    CHECK(direct.storage_log().empty());
  }
  SECTION("a lying digest fails, naming both digests, and leaves no file") {
    Release r = c.release_by_tag("acme/public", "v1.0.0");
    const Asset& liar = *r.find_asset("liar");
    std::string e =
        error_of([&] { c.download_asset("acme/public", liar, out.path() + "/liar", liar.digest); });
    CHECK_THAT(e, Catch::Contains("asset liar") && Catch::Contains("digest mismatch") &&
                      Catch::Contains("the asset's digest field in the GitHub API says " +
                                      liar.digest->str()) &&
                      Catch::Contains("downloaded sha256:") &&
                      Catch::Contains(liar.digest->str()) &&
                      Catch::Contains(sha256_of(std::string("an asset from 2024\n")).str()));
    CHECK(fs::is_empty(out.path()));
  }
  SECTION("a wrong size fails too") {
    Asset a = *c.release_by_tag("acme/public", "v1.0.0").find_asset("old-tool");
    a.size += 1;
    CHECK_THROWS_WITH(c.download_asset("acme/public", a, out.path() + "/x", std::nullopt),
                      Catch::Contains("got 19 bytes, expected 20"));
    CHECK(fs::is_empty(out.path()));
  }
}

TEST_CASE("expected_digest against fake GitHub", "[github-live]") {
  FakeGithub& gh = shared_github();
  TempDir scratch("rt-github-scratch");
  Client c(gh.options());
  Release v1 = c.release_by_tag("acme/public", "v1.0.0");
  // The API's digest first.
  auto from_api = expected_digest(c, "acme/public", v1, *v1.find_asset("lana-cli"), scratch.path());
  REQUIRE(from_api);
  CHECK(from_api->digest == sha256_of(gh.lana_cli));
  CHECK(from_api->source == "the asset's digest field in the GitHub API");
  // No digest: SHA256SUMS of the same release, named with the line.
  auto from_sums =
      expected_digest(c, "acme/public", v1, *v1.find_asset("old-tool"), scratch.path());
  REQUIRE(from_sums);
  CHECK(from_sums->digest == sha256_of(std::string("an asset from 2024\n")));
  CHECK(from_sums->source == "SHA256SUMS:1");
  c.download_asset("acme/public", *v1.find_asset("old-tool"), scratch.path() + "/old-tool",
                   from_sums);
  // A mismatch names the file and line the expected digest came from.
  ExpectedDigest wrong{sha256_of(std::string("other bytes")), from_sums->source};
  CHECK_THROWS_WITH(c.download_asset("acme/public", *v1.find_asset("old-tool"),
                                     scratch.path() + "/old-tool-2", wrong),
                    Catch::Contains("asset old-tool") &&
                        Catch::Contains("digest mismatch: " + from_sums->source + " says " +
                                        wrong.digest.str() + ", downloaded " +
                                        from_sums->digest.str()));
  // A checksums file that does not list the asset: refused.
  Release v2 = c.release_by_tag("acme/public", "v2.0.0");
  CHECK_THROWS_WITH(
      expected_digest(c, "acme/public", v2, *v2.find_asset("unlisted"), scratch.path()),
      Catch::Contains("checksums (checksums.txt) that do not list unlisted"));
  // Nothing at all: the caller decides (--allow-unverified).
  Release v3 = c.release_by_tag("acme/public", "v3.0.0");
  CHECK_FALSE(expected_digest(c, "acme/public", v3, *v3.find_asset("bare"), scratch.path()));
}

TEST_CASE("rate limits are waited out", "[github-live]") {
  for (const char* status : {"403", "429"}) {
    DYNAMIC_SECTION("HTTP " << status) {
      FakeGithub gh({"--rate-limit", "2", "--rate-limit-status", status});
      // One refusal beyond what the caller will wait: an error, not a wait.
      ClientOptions impatient = gh.options();
      impatient.retry.max_rate_limit_wait = std::chrono::seconds(0);
      CHECK_THROWS_WITH(Client(impatient).release_by_tag("acme/public", "v1.0.0"),
                        Catch::Contains("GitHub rate limit reached") &&
                            Catch::Contains("API rate limit exceeded"));
      // The second refusal is waited out (X-RateLimit-Reset or Retry-After: ~1 s).
      auto start = Clock::now();
      std::string err = stderr_of(
          [&] { CHECK(Client(gh.options()).release_by_tag("acme/public", "v1.0.0").id); });
      CHECK(Clock::now() - start >= std::chrono::milliseconds(900));
      CHECK_THAT(err, Catch::Contains("GitHub rate limit reached; waiting ") &&
                          Catch::Contains(" UTC)"));
      auto api = gh.api_log(3);
      REQUIRE(api.size() == 3);
      CHECK(api[1]["status"] == std::stoi(status));
      CHECK(api[2]["status"] == 200);
    }
  }
}

TEST_CASE("fetch_url against fake GitHub", "[github-live]") {
  FakeGithub& gh = shared_github();
  TempDir out("rt-fetch-out");
  Digest right = sha256_of(gh.lana_cli);
  std::string public_url = gh.api_url + "/acme/public/releases/download/v1.0.0/lana-cli?x=1";

  SECTION("no token: a plain GET, redirected to storage") {
    CHECK(fetch_url(public_url, right, out.path() + "/f", gh.options()) == "lana-cli");
    CHECK(read_file(out.path() + "/f") == gh.lana_cli);
    CHECK(gh.entry("storage.jsonl", "/github-production-release-asset/") != nullptr);
    CHECK_FALSE(any_authorization(gh.storage_log()));
  }
  SECTION("a wrong --checksum fails with both digests and leaves no file") {
    Digest wrong = sha256_of(std::string("something else"));
    CHECK_THROWS_WITH(fetch_url(public_url, wrong, out.path() + "/f", gh.options()),
                      Catch::Contains("ADD ") && Catch::Contains(wrong.str()) &&
                          Catch::Contains(right.str()) && Catch::Contains("--checksum"));
    CHECK(fs::is_empty(out.path()));
  }
  SECTION("with a token, a private release asset comes through the API") {
    std::string url = gh.api_url + "/acme/private/releases/download/v1.0.0/secret-cli";
    CHECK(fetch_url(url, std::nullopt, out.path() + "/f", gh.options(kToken)) == "secret-cli");
    CHECK(read_file(out.path() + "/f") == gh.lana_cli);
    CHECK_FALSE(any_authorization(gh.storage_log()));
    CHECK_THROWS_WITH(fetch_url(url, std::nullopt, out.path() + "/g", gh.options()),
                      Catch::Contains("HTTP 404"));
  }
  SECTION("not http, or with credentials in the URL") {
    CHECK_THROWS_AS(fetch_url("ftp://h/x", std::nullopt, out.path() + "/f", gh.options()),
                    InputError);
    std::string e = error_of([&] {
      fetch_url("http://u:s3cret@127.0.0.1:1/x", std::nullopt, out.path() + "/f", gh.options());
    });
    CHECK_THAT(e, Catch::Contains("credentials") && !Catch::Contains("s3cret"));
  }
}

TEST_CASE("fetch_url retries 5xx and refused connections", "[github-live]") {
  TempDir dir("rt-flaky");
  // Answers 503 to the first two requests, then the bytes.
  write_file_atomic(dir.path() + "/flaky.py", R"(
import http.server, json, os, sys
count = [0]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        count[0] += 1
        body = b"finally" if count[0] > 2 else b"busy"
        self.send_response(200 if count[0] > 2 else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
)");
  Child server({"/usr/bin/python3", dir.path() + "/flaky.py", dir.path() + "/port"},
               dir.path() + "/log");
  server.wait_for_file(dir.path() + "/port");
  std::string base = "http://127.0.0.1:" + read_file(dir.path() + "/port");
  ClientOptions o;
  o.retry = RetrySettings::fast();
  CHECK(fetch_url(base + "/dl/tool.tar.gz", sha256_of(std::string("finally")), dir.path() + "/out",
                  o) == "tool.tar.gz");
  CHECK(read_file(dir.path() + "/out") == "finally");

  // Nobody listens on the API port of a stopped server: a few attempts, then an error.
  CHECK_THROWS_WITH(fetch_url("http://127.0.0.1:1/x", std::nullopt, dir.path() + "/none", o),
                    Catch::Contains("127.0.0.1:1"));
}

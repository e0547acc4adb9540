// The GitHub client's pure parts: URLs and paths, JSON shapes, rate-limit headers,
// checksum files, ADD's file names. No network (test_github_live.cpp has that).
#include "github/checksums.hpp"
#include "github/github.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace rt;
using namespace rt::github;

namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');

registry::Headers headers(std::initializer_list<std::pair<const char*, const char*>> list) {
  registry::Headers h;
  for (const auto& [name, value] : list)
    h.add(name, value);
  return h;
}

} // namespace

TEST_CASE("split_owner_repo", "[github]") {
  CHECK(split_owner_repo("GaloyMoney/lana-bank").owner == "GaloyMoney");
  CHECK(split_owner_repo("GaloyMoney/lana-bank").repo == "lana-bank");
  CHECK(split_owner_repo("a_b/c.d").repo == "c.d");
  for (const char* bad : {"", "noslash", "/repo", "owner/", "a/b/c", "a b/c", "../x", "o/.."})
    CHECK_THROWS_AS(split_owner_repo(bad), InputError);
}

TEST_CASE("release_by_tag_url, commit_url, asset_url", "[github]") {
  const std::string api = "https://api.github.com";
  CHECK(release_by_tag_url(api, "o/r", "v1.2.3") ==
        "https://api.github.com/repos/o/r/releases/tags/v1.2.3");
  // '+' of semver build metadata and spaces are encoded; slashes of tag names are not.
  CHECK(release_by_tag_url(api, "o/r", "v1.0+build 1") ==
        "https://api.github.com/repos/o/r/releases/tags/v1.0%2Bbuild%201");
  CHECK(commit_url("http://127.0.0.1:9/api/v3", "o/r", "release/1.0") ==
        "http://127.0.0.1:9/api/v3/repos/o/r/commits/release/1.0");
  CHECK(asset_url(api, "o/r", 42) == "https://api.github.com/repos/o/r/releases/assets/42");
  CHECK_THROWS_AS(asset_url(api, "o/r/x", 1), InputError);
}

TEST_CASE("parse_release_download_url", "[github]") {
  const std::string api = "http://127.0.0.1:8080";
  auto dl = parse_release_download_url(
      "https://github.com/GaloyMoney/lana-bank/releases/download/v1.0.0/lana-cli", api);
  REQUIRE(dl);
  CHECK(dl->owner_repo == "GaloyMoney/lana-bank");
  CHECK(dl->tag == "v1.0.0");
  CHECK(dl->name == "lana-cli");
  // The API's host (GitHub Enterprise, the test server), decoded, slashes in tags.
  dl = parse_release_download_url("http://127.0.0.1:8080/o/r/releases/download/rel/1.0/a%20b?x=1",
                                  api);
  REQUIRE(dl);
  CHECK(dl->tag == "rel/1.0");
  CHECK(dl->name == "a b");
  CHECK_FALSE(parse_release_download_url("http://127.0.0.1:8081/o/r/releases/download/v1/f", api));
  CHECK_FALSE(parse_release_download_url("https://example.com/o/r/releases/download/v1/f", api));
  CHECK_FALSE(parse_release_download_url("https://github.com/o/r/releases/tag/v1", api));
  CHECK_FALSE(parse_release_download_url("http://github.com/o/r/releases/download/v1/f", api));
}

TEST_CASE("file_name_from_url", "[github]") {
  CHECK(file_name_from_url("https://h/releases/download/v1/lana-cli") == "lana-cli");
  CHECK(file_name_from_url("https://h/a/file.tar.gz?X-Amz-Signature=abc#frag") == "file.tar.gz");
  CHECK(file_name_from_url("https://h/dir/") == "dir"); // Go's path.Base drops trailing '/'
  CHECK(file_name_from_url("https://h/a%20b") == "a b");
  CHECK(file_name_from_url("https://h") == "__unnamed__");
  CHECK(file_name_from_url("https://h/") == "__unnamed__");
  CHECK(file_name_from_url("https://h:8080?q=/x") == "__unnamed__");
}

TEST_CASE("parse_release", "[github]") {
  std::string json = R"({"id": 7, "tag_name": "v1", "target_commitish": "main", "draft": false,
    "prerelease": true, "extra": {"ignored": [1, 2]},
    "assets": [
      {"id": 11, "name": "lana-cli", "size": 5, "url": "https://api/x/11",
       "browser_download_url": "https://github.com/o/r/releases/download/v1/lana-cli",
       "digest": "sha256:)" +
                     kHexA + R"("},
      {"id": 12, "name": "old", "size": 0, "url": "https://api/x/12", "digest": null},
      {"id": 13, "name": "older", "size": 1, "url": "https://api/x/13"}]})";
  Release r = parse_release(json, "release v1");
  CHECK(r.id == 7);
  CHECK(r.tag_name == "v1");
  CHECK(r.target_commitish == "main");
  CHECK(r.prerelease);
  REQUIRE(r.assets.size() == 3);
  CHECK(r.assets[0].digest == Digest{kHexA});
  CHECK(r.assets[0].browser_download_url.find("lana-cli") != std::string::npos);
  CHECK_FALSE(r.assets[1].digest);
  CHECK_FALSE(r.assets[2].digest);
  REQUIRE(r.find_asset("older"));
  CHECK(r.find_asset("older")->id == 13);
  CHECK_FALSE(r.find_asset("nope"));

  CHECK_THROWS_WITH(parse_release("{not json", "release v1"),
                    Catch::Contains("release v1") && Catch::Contains("not a JSON object"));
  CHECK_THROWS_AS(parse_release("[]", "r"), RuntimeError);
  CHECK_THROWS_WITH(parse_release(R"({"id": 1})", "r"), Catch::Contains("tag_name"));
  CHECK_THROWS_WITH(parse_release(R"({"id": 1, "tag_name": "v", "assets": [{"id": "x"}]})", "r"),
                    Catch::Contains("\"id\""));
  CHECK_THROWS_WITH(
      parse_release(
          R"({"id":1,"tag_name":"v","assets":[{"id":1,"name":"a","size":1,"url":"u","digest":"sha256:zz"}]})",
          "r"),
      Catch::Contains("malformed digest"));
}

TEST_CASE("parse_commit and parse_timestamp", "[github]") {
  Commit c = parse_commit(
      R"({"sha": "abc", "commit": {"committer": {"name": "n", "date": "2024-05-01T10:00:00Z"}}})",
      "commit v1");
  CHECK(c.sha == "abc");
  CHECK(c.committer_time == 1714557600);
  CHECK_THROWS_WITH(parse_commit(R"({"sha": "abc", "commit": {}})", "commit v1"),
                    Catch::Contains("commit.committer.date"));
  CHECK(parse_timestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp("2024-05-01T12:00:00+02:00") == 1714557600);
  CHECK(parse_timestamp("2024-05-01T05:30:00.123-04:30") == 1714557600);
  CHECK_FALSE(parse_timestamp("2024-05-01 10:00:00Z"));
  CHECK_FALSE(parse_timestamp("2024-05-01T10:00:00"));
  CHECK_FALSE(parse_timestamp("2024-13-01T10:00:00Z"));
  CHECK_FALSE(parse_timestamp(""));
}

TEST_CASE("error_message", "[github]") {
  CHECK(error_message(R"({"message": "Not Found", "status": "404"})") == "Not Found");
  CHECK(error_message("Request forbidden by administrative rules.\n") ==
        "Request forbidden by administrative rules.");
  CHECK(error_message("<html><body>Bad gateway</body></html>").empty());
}

TEST_CASE("rate_limit_wait", "[github]") {
  const int64_t now = 1700000000;
  SECTION("Retry-After in seconds, on 429 and 403") {
    auto w = rate_limit_wait(429, headers({{"Retry-After", "30"}}), "", now);
    REQUIRE(w);
    CHECK(w->wait.count() == 30);
    CHECK(w->until == now + 30);
    CHECK(rate_limit_wait(403, headers({{"retry-after", "5"}}), "", now)->wait.count() == 5);
  }
  SECTION("X-RateLimit-Remaining: 0 with a reset time") {
    auto w = rate_limit_wait(
        403, headers({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1700000042"}}), "",
        now);
    REQUIRE(w);
    CHECK(w->wait.count() == 42);
    CHECK(utc_clock(w->until) == "22:14:02");
    // A reset already past (clocks differ) still waits a second.
    CHECK(rate_limit_wait(
              403, headers({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1690000000"}}),
              "", now)
              ->wait.count() == 1);
  }
  SECTION("secondary limits without headers wait a minute") {
    CHECK(rate_limit_wait(429, headers({}), "", now)->wait.count() == 60);
    CHECK(rate_limit_wait(403, headers({}),
                          R"({"message": "You have exceeded a secondary rate limit."})", now)
              ->wait.count() == 60);
  }
  SECTION("not rate limits") {
    CHECK_FALSE(
        rate_limit_wait(403, headers({}), R"({"message": "Resource not accessible"})", now));
    CHECK_FALSE(rate_limit_wait(403, headers({{"X-RateLimit-Remaining", "12"}}), "", now));
    CHECK_FALSE(rate_limit_wait(404, headers({{"Retry-After", "1"}}), "", now));
    CHECK_FALSE(rate_limit_wait(200, headers({{"X-RateLimit-Remaining", "0"}}), "", now));
  }
}

TEST_CASE("parse_checksums and find_checksum", "[github]") {
  std::string text = kHexA + "  lana-cli\n" +               // sha256sum text mode
                     kHexB + " *dist/other.tar.gz\r\n" +    // binary mode, a path, CRLF
                     "# a comment\n\n" +                    //
                     "SHA256 (bsd-style) = " + kHexA + "\n" // BSD tag
                     + "garbage line\n" + std::string(64, 'C') + "  ./upper\n";
  auto entries = parse_checksums(text);
  REQUIRE(entries.size() == 4);
  CHECK(entries[1].name == "dist/other.tar.gz");
  CHECK(entries[3].digest.hex == std::string(64, 'c')); // lowercased
  // The digest, and the line it is on (for "checksums.txt:3 says …").
  auto found = [&](const std::vector<ChecksumEntry>& list, std::string_view name, bool bare_ok,
                   std::string_view file) -> std::pair<std::string, int> {
    auto e = find_checksum(list, name, bare_ok, file);
    return e ? std::make_pair(e->digest.hex, e->line) : std::make_pair(std::string(), 0);
  };
  CHECK(found(entries, "lana-cli", false, "SHA256SUMS") == std::make_pair(kHexA, 1));
  CHECK(found(entries, "other.tar.gz", false, "SHA256SUMS") == std::make_pair(kHexB, 2));
  CHECK(found(entries, "bsd-style", false, "SHA256SUMS") == std::make_pair(kHexA, 5));
  CHECK(found(entries, "upper", false, "SHA256SUMS") == std::make_pair(std::string(64, 'c'), 7));
  CHECK_FALSE(find_checksum(entries, "missing", false, "SHA256SUMS"));

  // A "<asset>.sha256" holding only the digest.
  auto bare = parse_checksums(kHexB + "\n");
  CHECK(found(bare, "lana-cli", true, "lana-cli.sha256") == std::make_pair(kHexB, 1));
  CHECK_FALSE(find_checksum(bare, "lana-cli", false, "SHA256SUMS"));

  auto twice = parse_checksums(kHexA + "  f\n" + kHexB + "  f\n");
  CHECK_THROWS_WITH(find_checksum(twice, "f", false, "SHA256SUMS"),
                    Catch::Contains("SHA256SUMS lists f more than once") &&
                        Catch::Contains("lines 1 and 2"));
}

TEST_CASE("checksum_file_kind", "[github]") {
  CHECK(checksum_file_kind("SHA256SUMS", "lana-cli") == ChecksumFileKind::list);
  CHECK(checksum_file_kind("sha256sums.txt", "lana-cli") == ChecksumFileKind::list);
  CHECK(checksum_file_kind("checksums.txt", "lana-cli") == ChecksumFileKind::list);
  CHECK(checksum_file_kind("lana_1.0_checksums.txt", "lana-cli") == ChecksumFileKind::list);
  CHECK(checksum_file_kind("lana-cli.sha256", "lana-cli") == ChecksumFileKind::single);
  CHECK(checksum_file_kind("other.sha256", "lana-cli") == ChecksumFileKind::none);
  CHECK(checksum_file_kind("lana-cli", "lana-cli") == ChecksumFileKind::none);
  CHECK(checksum_file_kind("SHA256SUMS", "SHA256SUMS") == ChecksumFileKind::none);
}

TEST_CASE("ClientOptions::from_environment", "[github]") {
  ::setenv("GITHUB_API_URL", "http://127.0.0.1:1234/api/v3/", 1);
  ::setenv("GH_TOKEN", "", 1);
  ::setenv("GITHUB_TOKEN", "ghs_fallback", 1);
  ClientOptions o = ClientOptions::from_environment();
  CHECK(o.api_url == "http://127.0.0.1:1234/api/v3");
  CHECK(o.token == "ghs_fallback");
  CHECK(rt::log::redact("token ghs_fallback here") == "token *** here");
  ::setenv("GH_TOKEN", "ghp_first", 1);
  CHECK(ClientOptions::from_environment().token == "ghp_first");
  ::unsetenv("GH_TOKEN");
  ::unsetenv("GITHUB_TOKEN");
  ::unsetenv("GITHUB_API_URL");
  o = ClientOptions::from_environment();
  CHECK(o.api_url == "https://api.github.com");
  CHECK(o.token.empty());
  ::setenv("GITHUB_API_URL", "api.github.com", 1);
  CHECK_THROWS_AS(ClientOptions::from_environment(), InputError);
  ::unsetenv("GITHUB_API_URL");
}

#include "registry/reference.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace rt;
using rt::registry::Reference;

namespace {
const std::string hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string digest = "sha256:" + hex;

std::string error_of(const std::string& text) {
  try {
    Reference::parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
} // namespace

TEST_CASE("Reference::parse: registry, repository, tag") {
  auto r = Reference::parse("gcr.io/distroless/static-debian12:nonroot");
  CHECK(r.registry == "gcr.io");
  CHECK(r.repository == "distroless/static-debian12");
  CHECK(r.tag == "nonroot");
  CHECK(!r.digest);
  CHECK(r.str() == "gcr.io/distroless/static-debian12:nonroot");
  CHECK(r.registry_host() == "gcr.io");
  CHECK(r.identifier() == "nonroot");
  CHECK(r.name() == "gcr.io/distroless/static-debian12");
}

TEST_CASE("Reference::parse: Docker Hub normalisation") {
  auto ubuntu = Reference::parse("ubuntu");
  CHECK(ubuntu.str() == "docker.io/library/ubuntu:latest");
  CHECK(ubuntu.registry_host() == "registry-1.docker.io");
  CHECK(Reference::parse("user/repo").str() == "docker.io/user/repo:latest");
  CHECK(Reference::parse("docker.io/ubuntu:22.04").str() == "docker.io/library/ubuntu:22.04");
  CHECK(Reference::parse("index.docker.io/library/ubuntu").str() ==
        "docker.io/library/ubuntu:latest");
  CHECK(Reference::parse("a/b/c").str() == "docker.io/a/b/c:latest");
}

TEST_CASE("Reference::parse: hosts with ports and IPs") {
  auto r = Reference::parse("localhost:5000/x");
  CHECK(r.registry == "localhost:5000");
  CHECK(r.repository == "x");
  CHECK(r.tag == "latest");
  CHECK(Reference::parse("localhost/x").registry == "localhost");
  CHECK(Reference::parse("127.0.0.1:5000/x:1.0").str() == "127.0.0.1:5000/x:1.0");
  CHECK(Reference::parse("[::1]:5000/app").registry == "[::1]:5000");
  CHECK(Reference::parse("us.gcr.io/galoyorg/dagster-code-location-lana-dw:0.1").registry ==
        "us.gcr.io");
  // An uppercase first component can only be a host.
  CHECK(Reference::parse("Registry.Example/app").registry == "Registry.Example");
  // "localhost:5000" alone is the repository localhost with the tag 5000, as in docker.
  auto odd = Reference::parse("localhost:5000");
  CHECK(odd.repository == "library/localhost");
  CHECK(odd.tag == "5000");
}

TEST_CASE("Reference::parse: digests") {
  auto d = Reference::parse("gcr.io/app@" + digest);
  CHECK(d.tag.empty());
  REQUIRE(d.digest);
  CHECK(d.digest->hex == hex);
  CHECK(d.str() == "gcr.io/app@" + digest);
  CHECK(d.identifier() == digest);

  auto td = Reference::parse("localhost:5000/app:1.0@" + digest);
  CHECK(td.tag == "1.0");
  CHECK(td.digest->hex == hex);
  CHECK(td.str() == "localhost:5000/app:1.0@" + digest);
  CHECK(td.identifier() == digest);
}

TEST_CASE("Reference::parse: separators in repository names") {
  for (const char* ok :
       {"a.b/c", "gcr.io/a_b", "gcr.io/a__b", "gcr.io/a---b", "gcr.io/a.b-c_d", "gcr.io/0/1/2"})
    CHECK_NOTHROW(Reference::parse(ok));
  for (const char* bad : {"gcr.io/a..b", "gcr.io/a___b", "gcr.io/-a", "gcr.io/a-", "gcr.io/a_",
                          "gcr.io/.a", "gcr.io//a", "gcr.io/a/"})
    CHECK_THROWS_AS(Reference::parse(bad), InputError);
}

TEST_CASE("Reference::parse: errors say what is wrong") {
  CHECK_THAT(error_of(""), Catch::Contains("empty"));
  CHECK_THAT(error_of("gcr.io/MyApp"), Catch::Contains("lowercase"));
  CHECK_THAT(error_of("user/Repo"), Catch::Contains("lowercase"));
  CHECK_THAT(error_of("app:bad/tag"), Catch::Contains("registry host"));
  CHECK_THAT(error_of("app:.bad"), Catch::Contains("tag '.bad'"));
  CHECK_THAT(error_of("app:" + std::string(129, 'a')), Catch::Contains("tag"));
  CHECK_THAT(error_of("app@sha256:abc"), Catch::Contains("digest"));
  CHECK_THAT(error_of("app@sha512:" + hex + hex), Catch::Contains("only sha256"));
  CHECK_THAT(error_of("app@" + std::string("sha256:") + std::string(64, 'G')),
             Catch::Contains("digest"));
  CHECK_THAT(error_of("app:"), Catch::Contains("tag"));
  CHECK_THAT(error_of(":tag"), Catch::Contains("empty"));
  CHECK_THAT(error_of("gcr.io/"), Catch::Contains("not a valid repository"));
  CHECK_THAT(error_of("-bad.host/app"), Catch::Contains("registry host"));
  CHECK_THAT(error_of("host:port/app"), Catch::Contains("registry host"));
  CHECK_THAT(error_of("gcr.io/" + std::string(300, 'a')), Catch::Contains("255"));
  CHECK_THAT(error_of("app with space"), Catch::Contains("invalid image reference"));
}

TEST_CASE("Reference::parse: the length limit counts the name as normalised") {
  // "docker.io/" + 245 is 255 characters, "docker.io/library/" + 245 is 263: refused, as
  // distribution/reference refuses it, so that no accepted reference has a str() that is not.
  CHECK_THAT(error_of(std::string(245, 'a')), Catch::Contains("longer than 255"));
  CHECK_THAT(error_of("index.docker.io/" + std::string(239, 'a')), Catch::Contains("255"));
  auto longest = Reference::parse(std::string(237, 'a') + ":t");
  CHECK(longest.name().size() == 255);
  CHECK(Reference::parse(longest.str()) == longest);
}

TEST_CASE("Reference::with_tag and with_digest") {
  auto r = Reference::parse("gcr.io/app:1.0@" + digest);
  auto t = r.with_tag("2.0");
  CHECK(t.str() == "gcr.io/app:2.0");
  CHECK(!t.digest);
  CHECK_THROWS_AS(r.with_tag("bad tag"), InputError);
  auto d = Reference::parse("gcr.io/app:1.0").with_digest(Digest::parse(digest));
  CHECK(d.str() == "gcr.io/app:1.0@" + digest);
  CHECK(Reference::parse(d.str()) == d);
}

TEST_CASE("valid_tag") {
  CHECK(registry::valid_tag("latest"));
  CHECK(registry::valid_tag("_x"));
  CHECK(registry::valid_tag("1.2.3-rc.1_b"));
  CHECK(registry::valid_tag(std::string(128, 'a')));
  CHECK_FALSE(registry::valid_tag(std::string(129, 'a')));
  CHECK_FALSE(registry::valid_tag(""));
  CHECK_FALSE(registry::valid_tag("-x"));
  CHECK_FALSE(registry::valid_tag("a+b"));
}

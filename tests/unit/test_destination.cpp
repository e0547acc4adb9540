#include "layout/destination.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace rt;
using namespace rt::layout;
using Kind = Destination::Kind;

TEST_CASE("parse_destination", "[layout]") {
  SECTION("oci") {
    CHECK(parse_destination("oci:out") == Destination{Kind::oci, "out", "", ""});
    CHECK(parse_destination("oci:/tmp/out:v1.2") == Destination{Kind::oci, "/tmp/out", "v1.2", ""});
    CHECK(parse_destination("oci:out:my/app:1.0") ==
          Destination{Kind::oci, "out", "my/app:1.0", ""});
    CHECK_THROWS_AS(parse_destination("oci:out:bad tag"), InputError);
    CHECK_THROWS_AS(parse_destination("oci:out:-x"), InputError);
    CHECK_THROWS_AS(parse_destination("oci:out:"), InputError);
    CHECK_THROWS_WITH(parse_destination("oci:"), Catch::Contains("path is empty"));
    CHECK_THROWS_AS(parse_destination("oci::v1"), InputError);
  }
  SECTION("docker-archive") {
    CHECK(parse_destination("docker-archive:img.tar") ==
          Destination{Kind::docker_archive, "img.tar", "", ""});
    CHECK(parse_destination("docker-archive:img.tar:app:1.0") ==
          Destination{Kind::docker_archive, "img.tar", "app:1.0", ""});
    CHECK(parse_destination("docker-archive:img.tar:app").tag == "app:latest");
    // The NAME may hold a registry port: the path ends at the first ':'.
    CHECK(parse_destination("docker-archive:img.tar:localhost:5000/team/app:2") ==
          Destination{Kind::docker_archive, "img.tar", "localhost:5000/team/app:2", ""});
    CHECK(parse_destination("docker-archive:img.tar:localhost:5000/app").tag ==
          "localhost:5000/app:latest");
    CHECK_THROWS_AS(parse_destination("docker-archive:img.tar:App:1"), InputError);
    CHECK_THROWS_AS(parse_destination("docker-archive:img.tar:app:bad tag"), InputError);
    CHECK_THROWS_WITH(
        parse_destination("docker-archive:img.tar:app@sha256:" + std::string(64, 'a')),
        Catch::Contains("digest"));
    CHECK_THROWS_AS(parse_destination("docker-archive:"), InputError);
  }
  SECTION("docker") {
    CHECK(parse_destination("docker://ghcr.io/o/app:1") ==
          Destination{Kind::docker, "", "", "ghcr.io/o/app:1"});
    CHECK_THROWS_AS(parse_destination("docker://"), InputError);
  }
  SECTION("unknown or missing transport") {
    CHECK_THROWS_WITH(parse_destination("out/dir"), Catch::Contains("names no transport"));
    CHECK_THROWS_WITH(parse_destination("dir:out"), Catch::Contains("unknown transport 'dir'"));
    CHECK_THROWS_AS(parse_destination("docker:app"), InputError);
    CHECK_THROWS_AS(parse_destination(""), InputError);
  }
  SECTION("str() reads back") {
    for (auto text : {"oci:out", "oci:out:v1", "docker-archive:a.tar",
                      "docker-archive:a.tar:localhost:5000/x:1", "docker://ubuntu:22.04"}) {
      auto d = parse_destination(text);
      CHECK(d.str() == text);
      CHECK(parse_destination(d.str()) == d);
    }
  }
}

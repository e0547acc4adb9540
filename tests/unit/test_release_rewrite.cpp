#include "release/rewrite.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using rt::release::Rewrites;

TEST_CASE("Rewrites::apply", "[release]") {
  auto r = Rewrites::parse({"gcr.io/galoyorg=127.0.0.1:5000/galoyorg", "gcr.io=mirror.local/gcr"});
  CHECK(r.apply("gcr.io/galoyorg/lana-bank") == "127.0.0.1:5000/galoyorg/lana-bank");
  CHECK(r.apply("gcr.io/distroless/static:nonroot") == "mirror.local/gcr/distroless/static:nonroot");
  CHECK(r.apply("gcr.io/galoyorgx/y") == "mirror.local/gcr/galoyorgx/y");
  CHECK(r.apply("us.gcr.io/galoyorg/x") == "us.gcr.io/galoyorg/x");
  CHECK(r.apply("gcr.io/galoyorg@sha256:00") == "127.0.0.1:5000/galoyorg@sha256:00");
}

TEST_CASE("Rewrites::parse", "[release]") {
  CHECK_THROWS_AS(Rewrites::parse({"noequals"}), rt::InputError);
  CHECK_THROWS_AS(Rewrites::parse({"=x"}), rt::InputError);
  CHECK_THROWS_AS(Rewrites::parse({"x="}), rt::InputError);
  CHECK(Rewrites::parse({}).empty());
}

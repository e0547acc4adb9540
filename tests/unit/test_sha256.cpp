#include "util/error.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace rt;

TEST_CASE("sha256_of") {
  CHECK(sha256_of("").str() ==
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_of("abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Digest::parse") {
  CHECK(Digest::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            .hex.size() == 64);
  CHECK_THROWS_AS(Digest::parse("sha256:abc"), InputError);
  CHECK_THROWS_AS(Digest::parse("md5:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                  InputError);
}

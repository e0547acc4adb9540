// The pure parts of signing, SBOMs and provenance (the registry side is
// tested against a real registry in tests/integration/090-092).
#include "attest/provenance.hpp"
#include "sbom/packages.hpp"
#include "sign/cosign.hpp"
#include "sign/dsse.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace rt;

TEST_CASE("sign::pae") {
  // The example of the DSSE v1 specification (protocol.md).
  CHECK(sign::pae("http://example.com/HelloWorld", "hello world") ==
        "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  CHECK(sign::pae("", "") == "DSSEv1 0  0 ");
}

TEST_CASE("sign::simple_signing_payload") {
  Digest d{std::string(64, 'a')};
  CHECK(sign::simple_signing_payload("gcr.io/x/y", d) ==
        "{\"critical\":{\"identity\":{\"docker-reference\":\"gcr.io/x/y\"},\"image\":{\"docker-"
        "manifest-digest\":\"sha256:" +
            std::string(64, 'a') +
            "\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
}

TEST_CASE("sign::decrypt_cosign_key") {
  auto fails = [](const std::string& json, const std::string& what) {
    try {
      sign::decrypt_cosign_key(json, "pw", "k");
      FAIL("accepted " << json);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(what));
    }
  };
  fails("not json", "not cosign's JSON format");
  fails(R"({"kdf":{"name":"pbkdf2"},"cipher":{"name":"nacl/secretbox"}})", "expected scrypt");
  fails(R"({"kdf":{"name":"scrypt"},"cipher":{"name":"aes"}})", "expected nacl/secretbox");
  // A hostile N would allocate gigabytes: refused before scrypt runs.
  fails(R"({"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":""},)"
        R"("cipher":{"name":"nacl/secretbox","nonce":""},"ciphertext":""})",
        "out of range");
  // Each bound alone is allowed, their product is not: 4 GiB of scrypt memory.
  fails(R"({"kdf":{"name":"scrypt","params":{"N":1048576,"r":32,"p":1},"salt":""},)"
        R"("cipher":{"name":"nacl/secretbox","nonce":""},"ciphertext":""})",
        "out of range");
}

TEST_CASE("sign::DsseEnvelope") {
  sign::DsseEnvelope e = sign::make_envelope(sign::kInTotoPayloadType, "{}", nullptr);
  CHECK(e.signatures.empty());
  auto back = sign::DsseEnvelope::parse(e.json(), "test");
  CHECK(back.payload == "{}");
  CHECK(back.payload_type == sign::kInTotoPayloadType);
  CHECK_THROWS_AS(sign::DsseEnvelope::parse("{\"payload\":1}", "test"), RuntimeError);
}

TEST_CASE("sbom::spdx_license") {
  CHECK(sbom::spdx_license("MIT") == "MIT");
  CHECK(sbom::spdx_license("(MIT OR Apache-2.0)") == "(MIT OR Apache-2.0)");
  CHECK(sbom::spdx_license("GPL-2.0-or-later WITH Classpath-exception-2.0") ==
        "GPL-2.0-or-later WITH Classpath-exception-2.0");
  CHECK(sbom::spdx_license("SEE LICENSE IN LICENSE.md").empty());
  CHECK(sbom::spdx_license("see LICENSE file").empty());
  CHECK(sbom::spdx_license("MIT OR").empty());
  CHECK(sbom::spdx_license("BSD (3 clause)").empty());
  CHECK(sbom::spdx_license("").empty());
}

TEST_CASE("sbom::is_package_metadata") {
  CHECK(sbom::is_package_metadata("var/lib/dpkg/status"));
  CHECK(sbom::is_package_metadata("var/lib/dpkg/status.d/tzdata"));
  CHECK_FALSE(sbom::is_package_metadata("var/lib/dpkg/status.d/tzdata.md5sums"));
  CHECK(sbom::is_package_metadata("app/node_modules/left-pad/package.json"));
  CHECK(sbom::is_package_metadata("app/node_modules/@acme/util/package.json"));
  CHECK(sbom::is_package_metadata("a/node_modules/b/node_modules/c/package.json"));
  CHECK_FALSE(sbom::is_package_metadata("app/package.json"));
  CHECK_FALSE(sbom::is_package_metadata("app/node_modules/left-pad/lib/package.json"));
  CHECK(sbom::is_package_metadata("usr/lib/python3/x-1.0.dist-info/METADATA"));
}

TEST_CASE("attest::compare_provenance") {
  attest::ProvenanceInputs in;
  in.mode = "final";
  in.github_repository = "o/r";
  in.commit = std::string(40, 'a');
  in.build_args = {{"VERSION", "1"}, {"GH_TOKEN", "secret-value"}};
  in.bases = {{"docker://reg/base:1", "sha256", std::string(64, 'b'), "reg/base:1"}};
  Digest d{std::string(64, 'c')};
  auto a = attest::provenance_statement("reg/app", d, in);
  CHECK(a.dump().find("secret-value") == std::string::npos);
  CHECK(a["predicate"]["buildDefinition"]["externalParameters"]["buildArgsWithheld"][0] ==
        "GH_TOKEN");
  CHECK(attest::compare_provenance(a, a).empty());
  in.bases[0].digest = std::string(64, 'e');
  auto b = attest::provenance_statement("reg/app", d, in);
  auto diffs = attest::compare_provenance(a, b);
  REQUIRE(diffs.size() == 1);
  CHECK_THAT(diffs[0], Catch::Contains("docker://reg/base:1"));
}

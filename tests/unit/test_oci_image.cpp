#include "oci/descriptor.hpp"
#include "oci/image.hpp"
#include "oci/index.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>

using namespace rt;

namespace {
const std::string digest =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "no error";
}
} // namespace

TEST_CASE("Descriptor::from_json") {
  auto d = oci::Descriptor::from_json({{"mediaType", "m"},
                                       {"digest", digest},
                                       {"size", 3},
                                       {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
                                      "x");
  CHECK(d.size == 3);
  CHECK(d.platform->str() == "linux/arm64");
  SECTION("a size that is not an integer is malformed (1e300 would overflow int64)") {
    for (const char* size : {"1e300", "1.5", "-1e300", "\"3\""}) {
      auto j = nlohmann::json::parse(std::string(R"({"digest":")") + digest + R"(","size":)" +
                                     size + "}");
      CHECK_THAT(error_of([&] { oci::Descriptor::from_json(j, "blob"); }),
                 Catch::Contains("blob: malformed descriptor"));
    }
  }
}

TEST_CASE("select_manifest") {
  auto entry = [](const char* arch) {
    return nlohmann::json{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                          {"digest", digest},
                          {"size", 1},
                          {"platform", {{"os", "linux"}, {"architecture", arch}}}};
  };
  std::string index = nlohmann::json{{"manifests", {entry("arm64"), entry("amd64")}}}.dump();
  auto amd64 = oci::Platform::parse("linux/amd64");
  CHECK(oci::select_manifest(index, amd64, "img").platform->architecture == "amd64");
  CHECK_THAT(
      error_of([&] { oci::select_manifest(index, oci::Platform::parse("linux/s390x"), "img"); }),
      Catch::Contains("img has no image for linux/s390x (it has: linux/arm64, linux/amd64)"));
  SECTION("an index that is not an object, or whose manifests are not an array, is malformed") {
    // nlohmann's value() on an array threw its own type_error, not a RuntimeError.
    for (const char* bad :
         {"[]", "[1]", "\"x\"", "3", R"({"manifests":{"a":1}})", R"({"manifests":"x"})"})
      CHECK_THAT(error_of([&] { oci::select_manifest(bad, amd64, "img"); }),
                 Catch::Contains("img"));
  }
}

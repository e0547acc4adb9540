// Image references (FROM, --build-context docker-image://, images.json repositories, docker://
// destinations), platforms, digests and --registry-rewrite rules. Input: one reference per
// line; a line "FROM=TO" is also tried as a rewrite rule applied to every reference.
// Beyond "no crash", a parsed reference must survive its own canonical form: parsing str()
// again gives the same reference.
#include "fuzz_support.hpp"

#include "oci/descriptor.hpp"
#include "registry/reference.hpp"
#include "release/rewrite.hpp"

#include <cstdio>

using rt::registry::Reference;

namespace {

void check_reference(const std::string& text) {
  Reference ref = Reference::parse(text);
  ref.registry_host();
  ref.name();
  ref.identifier();
  std::string canonical = ref.str();
  try {
    Reference again = Reference::parse(canonical);
    if (again == ref) return;
    std::fprintf(stderr, "fuzz: '%s' parses to '%s', which parses to '%s'\n", text.c_str(),
                 canonical.c_str(), again.str().c_str());
  } catch (const rt::Error& e) {
    std::fprintf(stderr, "fuzz: '%s' parses to '%s', which is refused: %s\n", text.c_str(),
                 canonical.c_str(), e.what());
  }
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto lines = rt::fuzz::split_lines(in);
  std::vector<std::string> rules;
  for (const auto& line : lines) {
    rt::fuzz::typed_errors_only([&] { check_reference(line); });
    rt::fuzz::typed_errors_only([&] {
      rt::registry::valid_tag(line);
      rt::registry::valid_repository(line);
      Reference::parse("a").with_tag(line);
    });
    rt::fuzz::typed_errors_only([&] { rt::oci::Platform::parse(line).str(); });
    rt::fuzz::typed_errors_only([&] { rt::Digest::parse(line); });
    if (line.find('=') != std::string::npos) rules.push_back(line);
  }
  rt::fuzz::typed_errors_only([&] {
    auto rewrites = rt::release::Rewrites::parse(rules);
    for (const auto& line : lines)
      rewrites.apply(line);
  });
  return 0;
}

#include "sbom/spdx.hpp"

#include "util/time.hpp"
#include <ctime>
#include <fmt/format.h>
#include <set>

namespace rt::sbom {

namespace {

std::string rfc3339(int64_t epoch) {
  return util::rfc3339_utc(epoch);
}

// SPDXIDs allow [A-Za-z0-9.-] only: names and paths are hashed into them.
std::string spdx_id(std::string_view kind, std::string_view key) {
  return fmt::format("SPDXRef-{}-{}", kind, sha256_of(key).hex.substr(0, 20));
}

nlohmann::json package_json(const Package& p) {
  nlohmann::json j = {
      {"SPDXID", spdx_id("Package", p.key())},
      {"name", p.name},
      {"versionInfo", p.version},
      {"downloadLocation", p.download_location.empty() ? "NOASSERTION" : p.download_location},
      {"filesAnalyzed", false},
      {"licenseConcluded", "NOASSERTION"},
      {"licenseDeclared", p.license.empty() ? "NOASSERTION" : p.license},
      {"copyrightText", "NOASSERTION"},
      {"externalRefs",
       {{{"referenceCategory", "PACKAGE-MANAGER"},
         {"referenceType", "purl"},
         {"referenceLocator", p.purl}}}},
      {"comment", "found in /" + p.found_in}};
  if (!p.supplier.empty()) j["supplier"] = p.supplier;
  if (!p.source_info.empty()) j["sourceInfo"] = p.source_info;
  if (p.type == "github") j["primaryPackagePurpose"] = "APPLICATION";
  return j;
}

} // namespace

nlohmann::json make_spdx(const oci::Image& image, const Inventory& inv, const SbomOptions& o) {
  Digest digest = image.digest();
  const std::string image_id = "SPDXRef-Image";
  nlohmann::json doc = {
      {"spdxVersion", "SPDX-2.3"},
      {"dataLicense", "CC0-1.0"},
      {"SPDXID", "SPDXRef-DOCUMENT"},
      {"name", o.name.empty() ? digest.str() : o.name},
      {"documentNamespace", "https://spdx.org/spdxdocs/release-tool/sha256-" + digest.hex},
      {"creationInfo",
       {{"created", rfc3339(o.created)},
        {"creators", {std::string("Tool: release-tool-") + RT_VERSION}}}},
      {"documentDescribes", {image_id}}};
  nlohmann::json packages = nlohmann::json::array();
  packages.push_back({{"SPDXID", image_id},
                      {"name", o.name.empty() ? digest.str() : o.name},
                      {"versionInfo", digest.str()},
                      {"downloadLocation", "NOASSERTION"},
                      {"filesAnalyzed", false},
                      {"licenseConcluded", "NOASSERTION"},
                      {"licenseDeclared", "NOASSERTION"},
                      {"copyrightText", "NOASSERTION"},
                      {"primaryPackagePurpose", "CONTAINER"},
                      {"checksums", {{{"algorithm", "SHA256"}, {"checksumValue", digest.hex}}}}});
  nlohmann::json relationships = nlohmann::json::array();
  relationships.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"},
                           {"relationshipType", "DESCRIBES"},
                           {"relatedSpdxElement", image_id}});
  auto contains = [&](const std::string& a, const std::string& b) {
    relationships.push_back(
        {{"spdxElementId", a}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", b}});
  };
  std::vector<Package> all = find_artifacts(inv, o.artifacts);
  for (auto& p : find_packages(inv))
    all.push_back(std::move(p));
  std::set<std::string> ids;
  for (const auto& p : all) {
    nlohmann::json pj = package_json(p);
    std::string id = pj["SPDXID"];
    if (!ids.insert(id).second) continue;
    packages.push_back(std::move(pj));
    contains(image_id, id);
    for (const auto& f : p.files)
      contains(id, spdx_id("File", f));
  }
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [path, facts] : inv.files) {
    std::string id = spdx_id("File", path);
    files.push_back({{"SPDXID", id},
                     {"fileName", "/" + path},
                     {"checksums",
                      {{{"algorithm", "SHA1"}, {"checksumValue", facts.sha1_hex}},
                       {{"algorithm", "SHA256"}, {"checksumValue", facts.sha256.hex}}}},
                     {"comment", fmt::format("size {} bytes", facts.size)}});
    contains(image_id, id);
  }
  doc["packages"] = std::move(packages);
  doc["files"] = std::move(files);
  doc["relationships"] = std::move(relationships);
  return doc;
}

nlohmann::json image_sbom(const oci::Image& image, const SbomOptions& options) {
  return make_spdx(image, read_inventory(image), options);
}

std::string compare_spdx(const nlohmann::json& expected, const nlohmann::json& actual) {
  auto by = [](const nlohmann::json& doc, const char* list, const char* key) {
    std::map<std::string, nlohmann::json> m;
    if (doc.contains(list) && doc[list].is_array())
      for (const auto& e : doc[list])
        if (e.is_object() && e.contains(key) && e[key].is_string()) m[e[key]] = e;
    return m;
  };
  auto fe = by(expected, "files", "fileName"), fa = by(actual, "files", "fileName");
  for (const auto& [name, e] : fe) {
    auto it = fa.find(name);
    if (it == fa.end()) return "SBOM file " + name + " is missing from the published SBOM";
    if (it->second != e) return "SBOM file " + name + " differs (checksum or size)";
  }
  for (const auto& [name, a] : fa)
    if (!fe.count(name)) return "SBOM file " + name + " is in the published SBOM only";
  auto pe = by(expected, "packages", "SPDXID"), pa = by(actual, "packages", "SPDXID");
  for (const auto& [id, e] : pe) {
    auto it = pa.find(id);
    std::string label = e.value("name", id) + " " + e.value("versionInfo", "");
    if (it == pa.end()) return "SBOM package " + label + " is missing from the published SBOM";
    if (it->second != e) return "SBOM package " + label + " differs";
  }
  for (const auto& [id, a] : pa)
    if (!pe.count(id))
      return "SBOM package " + a.value("name", id) + " " + a.value("versionInfo", "") +
             " is in the published SBOM only";
  for (const char* field : {"spdxVersion", "name", "documentNamespace", "relationships"})
    if (expected.value(field, nlohmann::json()) != actual.value(field, nlohmann::json()))
      return std::string("SBOM field ") + field + " differs";
  if (expected.value("creationInfo", nlohmann::json::object()).value("created", "") !=
      actual.value("creationInfo", nlohmann::json::object()).value("created", ""))
    return "SBOM field creationInfo.created differs";
  return "";
}

} // namespace rt::sbom

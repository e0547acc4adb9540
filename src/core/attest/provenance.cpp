#include "attest/provenance.hpp"

#include "util/time.hpp"
#include <algorithm>
#include <cctype>
#include <ctime>
#include <fmt/format.h>
#include <map>

namespace rt::attest {

namespace {

std::string rfc3339(int64_t epoch) {
  return util::rfc3339_utc(epoch);
}

nlohmann::json dependency_json(const Dependency& d) {
  nlohmann::json j = {{"uri", d.uri}, {"digest", {{d.algorithm, d.digest}}}};
  if (!d.name.empty()) j["name"] = d.name;
  return j;
}

// uri → digest map of resolvedDependencies.
std::map<std::string, nlohmann::json> deps_of(const nlohmann::json& s) {
  std::map<std::string, nlohmann::json> out;
  try {
    for (const auto& d : s.at("predicate").at("buildDefinition").at("resolvedDependencies"))
      out[d.at("uri").get<std::string>()] = d.value("digest", nlohmann::json::object());
  } catch (const nlohmann::json::exception&) {
  }
  return out;
}

} // namespace

bool secret_name(std::string_view name) {
  std::string upper;
  for (char c : name)
    upper += char(std::toupper(static_cast<unsigned char>(c)));
  for (const char* w : {"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "AUTH"})
    if (upper.find(w) != std::string::npos) return true;
  return false;
}

nlohmann::json statement(const std::string& repository, const Digest& digest,
                         const std::string& predicate_type, nlohmann::json predicate) {
  return {{"_type", kStatementType},
          {"subject", {{{"name", repository}, {"digest", {{"sha256", digest.hex}}}}}},
          {"predicateType", predicate_type},
          {"predicate", std::move(predicate)}};
}

nlohmann::json provenance_statement(const std::string& repository, const Digest& digest,
                                    const ProvenanceInputs& in) {
  nlohmann::json args = nlohmann::json::object();
  std::vector<std::string> withheld;
  for (const auto& [k, v] : in.build_args) {
    if (secret_name(k))
      withheld.push_back(k);
    else
      args[k] = v; // later ones win, as in the build
  }
  nlohmann::json external = {
      {"mode", in.mode},
      {"version", in.version},
      {"repository", "https://github.com/" + in.github_repository},
      {"image", in.image_name},
      {"target", in.target},
      {"platform", in.platform},
      {"dockerfile", {{"path", in.dockerfile}, {"digest", {{"sha256", in.dockerfile_digest.hex}}}}},
      {"imagesJson", {{"digest", {{"sha256", in.images_json_digest.hex}}}}},
      {"buildArgs", args}};
  if (!withheld.empty()) external["buildArgsWithheld"] = withheld;
  nlohmann::json deps = nlohmann::json::array();
  deps.push_back(
      dependency_json({"git+https://github.com/" + in.github_repository + "@" + in.commit,
                       "gitCommit", in.commit, ""}));
  for (const auto& a : in.assets)
    deps.push_back(dependency_json(a));
  for (const auto& b : in.bases)
    deps.push_back(dependency_json(b));
  nlohmann::json predicate = {
      {"buildDefinition",
       {{"buildType", kBuildType},
        {"externalParameters", external},
        {"internalParameters", {{"sourceDateEpoch", in.source_date_epoch}}},
        {"resolvedDependencies", deps}}},
      {"runDetails",
       {{"builder", {{"id", kBuilderId}, {"version", {{"release-tool", RT_VERSION}}}}},
        {"metadata",
         {{"invocationId", fmt::format("{}/{}/{}", in.github_repository, in.version, in.mode)},
          {"startedOn", rfc3339(in.source_date_epoch)}}}}}};
  return statement(repository, digest, kSlsaPredicateType, std::move(predicate));
}

std::vector<std::string> compare_provenance(const nlohmann::json& expected,
                                            const nlohmann::json& published) {
  std::vector<std::string> out;
  auto e = deps_of(expected), p = deps_of(published);
  for (const auto& [uri, d] : e) {
    auto it = p.find(uri);
    if (it == p.end())
      out.push_back(fmt::format("provenance does not name {} {}", uri, d.dump()));
    else if (it->second != d)
      out.push_back(fmt::format("provenance names {} with digest {}, the rebuild used {}", uri,
                                it->second.dump(), d.dump()));
  }
  for (const auto& [uri, d] : p)
    if (!e.count(uri))
      out.push_back(
          fmt::format("provenance names {} {}, which the rebuild did not use", uri, d.dump()));
  try {
    const auto& ee = expected.at("predicate").at("buildDefinition").at("externalParameters");
    const auto& pe = published.at("predicate").at("buildDefinition").at("externalParameters");
    for (const auto& [k, v] : ee.items())
      if (!pe.contains(k) || pe[k] != v)
        out.push_back(fmt::format("provenance externalParameters.{} is {}, the rebuild has {}", k,
                                  pe.contains(k) ? pe[k].dump() : "missing", v.dump()));
  } catch (const nlohmann::json::exception&) {
    out.push_back("provenance has no buildDefinition.externalParameters");
  }
  return out;
}

} // namespace rt::attest

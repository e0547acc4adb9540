#include "oci/descriptor.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::oci {

Platform Platform::parse(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool ok = parts.size() >= 2 && parts.size() <= 3;
  for (const auto& s : parts)
    ok = ok && !s.empty();
  if (!ok)
    throw InputError(fmt::format("platform '{}' is not of the form os/arch[/variant]", text));
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  // Docker normalises these aliases; a user typing linux/x86_64 means amd64.
  if (p.architecture == "x86_64" || p.architecture == "x86-64") p.architecture = "amd64";
  if (p.architecture == "aarch64") p.architecture = "arm64";
  if (p.architecture == "arm64" && p.variant == "v8") p.variant.clear();
  return p;
}

std::string Platform::str() const {
  return variant.empty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
}

bool Platform::matches(const Platform& o) const {
  if (os != o.os || architecture != o.architecture) return false;
  return variant.empty() || o.variant.empty() || variant == o.variant;
}

nlohmann::json Descriptor::to_json() const {
  nlohmann::json j = {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
  if (!annotations.empty()) j["annotations"] = annotations;
  if (platform) {
    nlohmann::json p = {{"os", platform->os}, {"architecture", platform->architecture}};
    if (!platform->variant.empty()) p["variant"] = platform->variant;
    j["platform"] = p;
  }
  return j;
}

Descriptor Descriptor::from_json(const nlohmann::json& j, std::string_view what) {
  try {
    Descriptor d;
    d.media_type = j.value("mediaType", "");
    d.digest = Digest::parse(j.at("digest").get<std::string>());
    // A size written as a float (1e300) is malformed: converting it would overflow.
    if (!j.at("size").is_number_integer()) throw RuntimeError("size is not an integer");
    d.size = j.at("size").get<int64_t>();
    if (d.size < 0) throw RuntimeError("negative size");
    if (j.contains("annotations"))
      d.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    if (j.contains("platform")) {
      const auto& p = j.at("platform");
      d.platform = Platform{p.at("os").get<std::string>(), p.at("architecture").get<std::string>(),
                            p.value("variant", "")};
    }
    return d;
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: malformed descriptor: {}", what, e.what()));
  }
}

std::string canonical(const nlohmann::json& j) {
  return j.dump();
}

nlohmann::json parse_json(std::string_view bytes, std::string_view what) {
  try {
    return nlohmann::json::parse(bytes);
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: malformed JSON: {}", what, e.what()));
  }
}

} // namespace rt::oci

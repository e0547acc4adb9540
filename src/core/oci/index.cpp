#include "oci/index.hpp"

#include "util/error.hpp"

#include <fmt/format.h>
#include <optional>
#include <vector>

namespace rt::oci {

Descriptor select_manifest(std::string_view index, const Platform& platform,
                           std::string_view what) {
  auto doc = parse_json(index, what);
  // value() on anything but an object throws nlohmann's type_error, which is no Error of ours.
  if (!doc.is_object()) throw RuntimeError(fmt::format("{}: malformed index: not an object", what));
  auto manifests = doc.value("manifests", nlohmann::json::array());
  if (!manifests.is_array())
    throw RuntimeError(fmt::format("{}: malformed index: 'manifests' is not an array", what));
  std::optional<Descriptor> chosen;
  std::vector<std::string> seen;
  for (const auto& entry : manifests) {
    auto d = Descriptor::from_json(entry, what);
    if (!d.platform) continue;
    seen.push_back(d.platform->str());
    if (platform.matches(*d.platform) && !chosen) chosen = d;
  }
  if (!chosen)
    throw RuntimeError(fmt::format("{} has no image for {} (it has: {})", what, platform.str(),
                                   fmt::join(seen, ", ")));
  return *chosen;
}

} // namespace rt::oci

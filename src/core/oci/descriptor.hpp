#pragma once
// The OCI content descriptor and platform, with their JSON forms.
#include "util/sha256.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rt::oci {

// os/architecture[/variant], as in --platform linux/arm64/v8.
struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;

  // Parses "os/arch[/variant]"; throws InputError on anything else.
  static Platform parse(std::string_view text);
  std::string str() const;
  // True if an index entry for `other` can serve a request for this platform
  // (variant is ignored when either side leaves it empty).
  bool matches(const Platform& other) const;
  friend bool operator==(const Platform&, const Platform&) = default;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;

  nlohmann::json to_json() const;
  // Throws RuntimeError naming `what` if a field is missing or malformed.
  static Descriptor from_json(const nlohmann::json& j, std::string_view what);
};

// Canonical bytes for JSON we write ourselves: keys sorted (nlohmann::json's
// std::map), no whitespace. Digests are computed over these bytes.
std::string canonical(const nlohmann::json& j);

// Parses JSON read from outside; throws RuntimeError naming `what` when malformed.
nlohmann::json parse_json(std::string_view bytes, std::string_view what);

} // namespace rt::oci

#pragma once
// Times as the OCI config, SPDX and in-toto write them.
#include <cstdint>
#include <ctime>
#include <string>

namespace rt::util {

// RFC 3339 in UTC with a 'Z' and whole seconds ("1970-01-01T00:00:00Z"): every `created`
// field release-tool writes, so an epoch prints the same in all of them.
inline std::string rfc3339_utc(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace rt::util

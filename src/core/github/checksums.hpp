#pragma once
// Checksum files published beside release assets (SHA256SUMS, checksums.txt,
// <asset>.sha256): which asset names are ones, and what they list.
#include "util/sha256.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::github {

// One line of a checksums file.
struct ChecksumEntry {
  std::string name; // as written, "" for a bare digest (a "<file>.sha256" holding only hex)
  Digest digest;
  int line = 0; // 1-based, in the file
};
// Parses sha256sum output ("<hex>  <name>", "<hex> *<name>"), BSD tags
// ("SHA256 (<name>) = <hex>") and a bare "<hex>". Blank lines, comments and lines
// of other shapes are skipped (goreleaser and friends add none, but humans do).
std::vector<ChecksumEntry> parse_checksums(std::string_view text);
// The entry listing `asset_name`: an exact name match (after a leading "./" or
// "*"), else a unique match of the last path segment, else a bare digest when
// `bare_ok` (the file is "<asset>.sha256"); the first of equal ones. nullopt when
// not listed; throws RuntimeError when the file lists the name twice with
// different digests.
std::optional<ChecksumEntry> find_checksum(const std::vector<ChecksumEntry>& entries,
                                           std::string_view asset_name, bool bare_ok,
                                           std::string_view file_name);
// Whether an asset name is a checksums file, and for which asset: "SHA256SUMS",
// "SHA256SUMS.txt", "*checksums.txt" (goreleaser's "<project>_<v>_checksums.txt")
// list many; "<asset>.sha256" only `asset_name`. Case-insensitive.
enum class ChecksumFileKind { none, list, single };
ChecksumFileKind checksum_file_kind(std::string_view file_name, std::string_view asset_name);

} // namespace rt::github

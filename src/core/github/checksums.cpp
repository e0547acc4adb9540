#include "github/checksums.hpp"

#include "util/error.hpp"

#include "util/strings.hpp"
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace rt::github {

namespace {

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

} // namespace

std::vector<ChecksumEntry> parse_checksums(std::string_view text) {
  std::vector<ChecksumEntry> out;
  size_t pos = 0;
  int number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("SHA256 (", 0) == 0) { // BSD: SHA256 (name) = hex
      size_t close = line.rfind(") = ");
      if (close == std::string_view::npos || close < 8) continue;
      std::string_view hex = trim(line.substr(close + 4));
      if (!is_hex64(hex)) continue;
      out.push_back({std::string(line.substr(8, close - 8)), Digest{ascii_lower(hex)}, number});
      continue;
    }
    std::string_view hex = line.substr(0, 64);
    if (!is_hex64(hex)) continue;
    std::string_view rest = line.substr(64);
    if (rest.empty()) {
      out.push_back({"", Digest{ascii_lower(hex)}, number});
      continue;
    }
    if (rest.front() != ' ' && rest.front() != '\t') continue;
    // "<hex>  <name>" (text mode) or "<hex> *<name>" (binary mode).
    rest.remove_prefix(1);
    if (!rest.empty() && (rest.front() == ' ' || rest.front() == '*')) rest.remove_prefix(1);
    if (rest.empty()) continue;
    out.push_back({std::string(rest), Digest{ascii_lower(hex)}, number});
  }
  return out;
}

std::optional<ChecksumEntry> find_checksum(const std::vector<ChecksumEntry>& entries,
                                           std::string_view asset_name, bool bare_ok,
                                           std::string_view file_name) {
  auto normal = [](std::string_view n) {
    while (n.rfind("./", 0) == 0)
      n.remove_prefix(2);
    return n;
  };
  auto base = [&](std::string_view n) {
    n = normal(n);
    size_t slash = n.rfind('/');
    return slash == std::string_view::npos ? n : n.substr(slash + 1);
  };
  // Exact names first, then last path segments ("dist/lana-cli"), then a bare digest.
  for (int pass = 0; pass < 3; ++pass) {
    std::optional<ChecksumEntry> found;
    for (const auto& e : entries) {
      bool match = pass == 0   ? !e.name.empty() && normal(e.name) == asset_name
                   : pass == 1 ? !e.name.empty() && base(e.name) == asset_name
                               : bare_ok && e.name.empty();
      if (!match) continue;
      if (found && found->digest != e.digest)
        throw RuntimeError(fmt::format("{} lists {} more than once, with different digests "
                                       "(lines {} and {})",
                                       file_name, asset_name, found->line, e.line));
      if (!found) found = e;
    }
    if (found) return found;
  }
  return std::nullopt;
}

ChecksumFileKind checksum_file_kind(std::string_view file_name, std::string_view asset_name) {
  std::string n = ascii_lower(file_name);
  std::string a = ascii_lower(asset_name);
  if (n == a) return ChecksumFileKind::none;
  if (n == a + ".sha256" || n == a + ".sha256sum") return ChecksumFileKind::single;
  if (n == "sha256sums" || n == "sha256sums.txt" ||
      (n.size() >= 13 && n.compare(n.size() - 13, 13, "checksums.txt") == 0))
    return ChecksumFileKind::list;
  return ChecksumFileKind::none;
}

} // namespace rt::github

#include "build/go_values.hpp"

#include <array>
#include <tuple>
#include <utility>

namespace rt::build {

namespace {

constexpr uint64_t kLimit = uint64_t{1} << 63; // |INT64_MIN|

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Go's leadingInt: the digits at the front of s; nullopt on overflow past 1<<63.
std::optional<uint64_t> leading_int(std::string_view& s) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (x > kLimit / 10) return std::nullopt;
    x = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (x > kLimit) return std::nullopt;
  }
  s.remove_prefix(i);
  return x;
}

// Go's leadingFraction: digits after '.', as x / scale; digits past int64 precision are read
// and dropped.
std::pair<uint64_t, double> leading_fraction(std::string_view& s) {
  uint64_t x = 0;
  double scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kLimit - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t y = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (y > kLimit) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
  return {x, scale};
}

std::optional<uint64_t> unit_nanos(std::string_view u) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"ns", 1},
      {"us", 1000},
      {"\xC2\xB5s", 1000}, // U+00B5 micro sign
      {"\xCE\xBCs", 1000}, // U+03BC Greek mu
      {"ms", 1000000},
      {"s", 1000000000},
      {"m", 60000000000},
      {"h", 3600000000000},
  }};
  for (const auto& [name, nanos] : kUnits)
    if (u == name) return nanos;
  return std::nullopt;
}

} // namespace

std::optional<int64_t> parse_go_duration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return std::nullopt;
    size_t before = s.size();
    auto v = leading_int(s);
    if (!v) return std::nullopt;
    bool pre = before != s.size();
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t at = s.size();
      std::tie(frac, scale) = leading_fraction(s);
      post = at != s.size();
    }
    if (!pre && !post) return std::nullopt;
    size_t i = 0;
    while (i < s.size() && s[i] != '.' && !is_digit(s[i]))
      ++i;
    auto unit = unit_nanos(s.substr(0, i));
    if (!unit) return std::nullopt; // missing or unknown unit
    s.remove_prefix(i);
    if (*v > kLimit / *unit) return std::nullopt;
    uint64_t part = *v * *unit;
    if (frac > 0) {
      part +=
          static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(*unit) / scale));
      if (part > kLimit) return std::nullopt;
    }
    total += part;
    if (total > kLimit) return std::nullopt;
  }
  if (neg) return total == kLimit ? INT64_MIN : -static_cast<int64_t>(total);
  if (total > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    auto d = static_cast<uint64_t>(c - '0');
    if (d > max || v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

} // namespace rt::build

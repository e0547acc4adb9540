#include "debian/version.hpp"

#include "util/error.hpp"

#include <cctype>
#include <fmt/format.h>

namespace rt::debian {

namespace {

// dpkg's order of a character in the non-digit parts: '~' first (before the
// end of the string), then the end, then letters, then everything else.
int order(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return 0;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

int compare_part(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !std::isdigit(static_cast<unsigned char>(a[i]))) ||
           (j < b.size() && !std::isdigit(static_cast<unsigned char>(b[j])))) {
      int ac = i < a.size() ? order(a[i]) : 0;
      int bc = j < b.size() ? order(b[j]) : 0;
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0')
      ++i;
    while (j < b.size() && b[j] == '0')
      ++j;
    while (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i])) && j < b.size() &&
           std::isdigit(static_cast<unsigned char>(b[j]))) {
      if (!first_diff) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i]))) return 1;
    if (j < b.size() && std::isdigit(static_cast<unsigned char>(b[j]))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Parts {
  long long epoch = 0;
  std::string_view upstream, revision;
};

Parts split(std::string_view v) {
  Parts p;
  if (size_t colon = v.find(':'); colon != std::string_view::npos) {
    for (char c : v.substr(0, colon))
      if (std::isdigit(static_cast<unsigned char>(c)) && p.epoch < 1000000000)
        p.epoch = p.epoch * 10 + (c - '0');
    v.remove_prefix(colon + 1);
  }
  if (size_t dash = v.rfind('-'); dash != std::string_view::npos) {
    p.upstream = v.substr(0, dash);
    p.revision = v.substr(dash + 1);
  } else {
    p.upstream = v;
  }
  return p;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

const char* op_text(Op op) {
  switch (op) {
  case Op::lt:
    return "<<";
  case Op::le:
    return "<=";
  case Op::eq:
    return "=";
  case Op::ge:
    return ">=";
  case Op::gt:
    return ">>";
  case Op::any:
    break;
  }
  return "";
}

Alternative parse_alternative(std::string_view text, std::string_view what) {
  auto bad = [&](const char* why) {
    return RuntimeError(fmt::format("{}: '{}': {}", what, text, why));
  };
  Alternative alt;
  text = trim(text);
  size_t paren = text.find('(');
  std::string_view name = trim(text.substr(0, paren));
  // "[amd64]" restrictions and "<profile>" lists appear only in source packages.
  if (name.empty() || name.find_first_of(" \t[<") != std::string_view::npos)
    throw bad("expected a package name");
  if (size_t colon = name.find(':'); colon != std::string_view::npos) name = name.substr(0, colon);
  alt.name = std::string(name);
  if (paren == std::string_view::npos) return alt;
  size_t close = text.find(')', paren);
  if (close == std::string_view::npos || !trim(text.substr(close + 1)).empty())
    throw bad("unbalanced parenthesis");
  std::string_view inside = trim(text.substr(paren + 1, close - paren - 1));
  static const std::pair<const char*, Op> ops[] = {{"<<", Op::lt}, {"<=", Op::le}, {">>", Op::gt},
                                                   {">=", Op::ge}, {"=", Op::eq},  {"<", Op::le},
                                                   {">", Op::ge}};
  for (const auto& [text_op, op] : ops) {
    if (inside.substr(0, std::string_view(text_op).size()) == text_op) {
      alt.op = op;
      alt.version = std::string(trim(inside.substr(std::string_view(text_op).size())));
      break;
    }
  }
  if (alt.op == Op::any || alt.version.empty()) throw bad("expected (OP VERSION)");
  return alt;
}

} // namespace

int compare_versions(std::string_view a, std::string_view b) {
  Parts pa = split(a), pb = split(b);
  if (pa.epoch != pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  if (int c = compare_part(pa.upstream, pb.upstream)) return c;
  return compare_part(pa.revision, pb.revision);
}

bool Alternative::satisfied_by(const std::optional<std::string>& v) const {
  if (op == Op::any) return true;
  if (!v) return false;
  int c = compare_versions(*v, version);
  switch (op) {
  case Op::lt:
    return c < 0;
  case Op::le:
    return c <= 0;
  case Op::eq:
    return c == 0;
  case Op::ge:
    return c >= 0;
  case Op::gt:
    return c > 0;
  case Op::any:
    break;
  }
  return true;
}

std::string Alternative::str() const {
  return op == Op::any ? name : fmt::format("{} ({} {})", name, op_text(op), version);
}

std::vector<Group> parse_relations(std::string_view field, std::string_view what) {
  std::vector<Group> out;
  size_t i = 0;
  while (i <= field.size()) {
    size_t comma = field.find(',', i);
    if (comma == std::string_view::npos) comma = field.size();
    std::string_view group_text = trim(field.substr(i, comma - i));
    i = comma + 1;
    if (group_text.empty()) continue;
    Group group;
    size_t k = 0;
    while (k <= group_text.size()) {
      size_t bar = group_text.find('|', k);
      if (bar == std::string_view::npos) bar = group_text.size();
      group.push_back(parse_alternative(group_text.substr(k, bar - k), what));
      k = bar + 1;
    }
    out.push_back(std::move(group));
  }
  return out;
}

std::string group_str(const Group& group) {
  std::string s;
  for (const auto& alt : group) {
    if (!s.empty()) s += " | ";
    s += alt.str();
  }
  return s;
}

} // namespace rt::debian

#pragma once
// Debian package versions and relations, as dpkg compares and parses them
// (deb-version(7), deb-control(5) "Depends: a (>= 1) | b, c:any").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::debian {

// <0, 0, >0 as dpkg --compare-versions orders a and b ([epoch:]upstream[-revision],
// '~' before everything, even the end).
int compare_versions(std::string_view a, std::string_view b);

enum class Op { any, lt, le, eq, ge, gt };

// One alternative of a relation: a name, an optional version constraint.
struct Alternative {
  std::string name; // without any ":any"/":native" architecture qualifier
  Op op = Op::any;
  std::string version;

  // True if a package (or a versioned Provides) of `version` satisfies it.
  // An unversioned Provides (nullopt) satisfies only an unversioned relation.
  bool satisfied_by(const std::optional<std::string>& version) const;
  std::string str() const; // "name (>= 1.2)"
};

// "a | b": any one of them will do.
using Group = std::vector<Alternative>;

// Parses a Depends/Pre-Depends/Conflicts/Provides field. Throws
// RuntimeError naming `what` (the package and field) when malformed.
std::vector<Group> parse_relations(std::string_view field, std::string_view what);

std::string group_str(const Group& group); // "a (>= 1) | b"

} // namespace rt::debian

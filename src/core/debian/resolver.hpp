#pragma once
// The dependency closure of a recipe's packages for one architecture, the
// way distroless resolves it: Pre-Depends and Depends followed, the first
// alternative that can be had taken (a package already chosen first),
// versioned relations and Provides honoured, nothing a recipe excludes ever
// taken — a package that needs one is refused — and Conflicts/Breaks within
// the set refused. Recommends and Suggests are not followed (apt
// --no-install-recommends), nor Essential packages added.
#include "debian/index.hpp"
#include "release/json_located.hpp"

#include <map>
#include <string>
#include <vector>

namespace rt::debian {

struct Wanted {
  std::string name;
  release::SourceLocation at; // where the recipe names it
};

struct ResolveRules {
  std::string file; // the recipe, for "file:line:col: what"
  std::string arch; // for messages
  std::vector<Wanted> packages;
  std::map<std::string, release::SourceLocation> exclude; // never in the image
  // Dependencies on these names are not followed (debconf: maintainer scripts
  // use it, and they never run here); name → the recipe's reason.
  std::map<std::string, std::string> skip_dependencies;
};

// The chosen packages sorted by name. Throws InputError located at the recipe's
// package that leads to the problem (with the dependency chain in the message):
// an unknown package, a dependency nothing satisfies, one only an excluded
// package satisfies, an excluded package asked for, or a conflict.
std::vector<const Package*> resolve(const Index& index, const ResolveRules& rules);

} // namespace rt::debian

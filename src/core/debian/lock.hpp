#pragma once
// The lock of a recipe (apko's .lock.json, rules_distroless's lock): the
// exact packages of each architecture — version, file in the pool, size and
// SHA-256 — and the signed Release each suite was resolved from. A build
// reads only the lock: the same lock gives the same image.
#include "debian/recipe.hpp"
#include "util/sha256.hpp"

#include <map>
#include <string>
#include <vector>

namespace rt::debian {

struct LockedPackage {
  std::string name, version, architecture, suite, filename;
  int64_t size = 0;
  Digest sha256;
};

struct LockedSource {
  std::string suite;
  std::string date; // the Release's Date
  Digest inrelease; // of the InRelease file resolved against
};

struct Lock {
  Digest inputs; // recipe_inputs(): what was resolved; a changed recipe makes the lock stale
  std::vector<LockedSource> sources;
  std::map<std::string, std::vector<LockedPackage>> packages; // by architecture, sorted by name

  // Pretty JSON with a fixed key order, ending in a newline: diffs stay readable.
  std::string to_json() const;
  // Reads a lock; InputError "FILE:LINE:COL: what" when malformed.
  static Lock parse(const std::string& text, const std::string& file);
};

// A digest of what the lock depends on in a recipe (sources, architectures,
// packages, exclude, skip_dependencies), so a build can tell a stale lock.
Digest recipe_inputs(const Recipe& recipe);

} // namespace rt::debian

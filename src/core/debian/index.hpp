#pragma once
// The packages of one architecture across a recipe's suites, as apt would
// choose among them: for each name the highest version (the first suite
// listed wins a tie), and who provides each virtual name.
#include "debian/version.hpp"
#include "util/sha256.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::debian {

// One binary package of a Packages index. Relation fields stay raw until used.
struct Package {
  std::string name, version, architecture, filename, suite;
  Digest sha256;
  int64_t size = 0;
  std::string pre_depends, depends, conflicts, breaks, provides;
};

// A package that provides a name, at a version when the Provides is versioned.
struct Provider {
  const Package* package = nullptr;
  std::optional<std::string> version;
};

class Index {
public:
  // Adds the paragraphs of a Packages index of `suite`. Paragraphs without
  // Package, Version, Filename, Size or SHA256 are ignored; a malformed one is a
  // RuntimeError naming `what` and its line.
  void add(std::string_view packages_text, const std::string& suite, const std::string& what);
  // The package apt would install for `name`, or nullptr.
  const Package* candidate(const std::string& name) const;
  // Candidates that provide `name` (built on first use after the last add()).
  const std::vector<Provider>& providers(const std::string& name) const;
  size_t size() const { return candidates_.size(); }

private:
  std::map<std::string, Package> candidates_;
  mutable std::map<std::string, std::vector<Provider>> providers_;
  mutable bool providers_built_ = false;
};

} // namespace rt::debian

#pragma once
// A base recipe (after apko's YAML and distroless's per-base lists): which
// Debian suites, architectures and packages, what never to take, and the
// users, groups, directories, files and image config the base carries. JSON,
// read with locations so that every error is "RECIPE:LINE:COL: what".
#include "debian/resolver.hpp"
#include "release/json_located.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rt::debian {

struct SourceSpec {
  std::string suite;                   // "bookworm", "bookworm-security", …
  std::vector<std::string> components; // default ["main"]
  release::SourceLocation at;
};

struct UserSpec {
  std::string name;
  uint32_t uid = 0, gid = 0;
  std::string home, shell = "/sbin/nologin";
};

struct GroupSpec {
  std::string name;
  uint32_t gid = 0;
};

// A directory, a file with its content, or a symlink, written over what the packages hold.
struct PathSpec {
  enum class Kind { file, directory, symlink };
  std::string path; // absolute in the recipe; stored without the leading '/'
  Kind kind = Kind::file;
  std::string content; // a file's bytes, or a symlink's target
  uint32_t mode = 0644, uid = 0, gid = 0;
};

struct Recipe {
  std::string file; // as given: messages name it
  std::string name;
  std::vector<SourceSpec> sources;
  std::vector<std::pair<std::string, release::SourceLocation>> architectures;
  std::vector<Wanted> packages;
  std::map<std::string, release::SourceLocation> exclude;
  std::map<std::string, std::string> skip_dependencies;
  std::vector<GroupSpec> groups; // /etc/group, in this order
  std::vector<UserSpec> users;   // /etc/passwd, in this order
  std::vector<PathSpec> paths;
  nlohmann::json config = nlohmann::json::object(); // OCI config: User, Env, Cmd, …
  std::map<std::string, std::string> annotations;   // on the manifest
  std::map<std::string, std::string> labels;        // in the config

  // RECIPE without ".json", plus ".lock.json": the lock beside the recipe.
  std::string lock_path() const;
  // The location of an architecture in the recipe, or {0,0} if it has none.
  release::SourceLocation architecture_at(const std::string& arch) const;
  // Resolver rules for one architecture.
  ResolveRules rules(const std::string& arch) const;
};

// Reads and checks a recipe; InputError "RECIPE:LINE:COL: what" when anything
// is missing, misspelt or of the wrong type.
Recipe load_recipe(const std::string& path);

} // namespace rt::debian

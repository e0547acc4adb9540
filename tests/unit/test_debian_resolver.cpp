// The resolver on small indexes written here: closure, alternatives, versions,
// Provides, exclusions and conflicts, each error located at the recipe's package.
#include "debian/index.hpp"
#include "debian/resolver.hpp"
#include "util/error.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace rt;
using namespace rt::debian;

namespace {

std::string pkg(const std::string& name, const std::string& version,
                const std::string& extra = "") {
  return fmt::format("Package: {}\nVersion: {}\nArchitecture: all\n{}Filename: pool/{}_{}.deb\n"
                     "Size: 10\nSHA256: {}\n\n",
                     name, version, extra, name, version, std::string(64, 'a'));
}

ResolveRules rules(std::vector<std::string> names, std::vector<std::string> exclude = {}) {
  ResolveRules r;
  r.file = "r.json";
  r.arch = "amd64";
  int line = 3;
  for (auto& n : names)
    r.packages.push_back({n, {line++, 5}});
  for (auto& n : exclude)
    r.exclude[n] = {20, 7};
  r.skip_dependencies["debconf"] = "scripts";
  return r;
}

std::string names(const std::vector<const Package*>& list) {
  std::string out;
  for (const auto* p : list)
    out += (out.empty() ? "" : " ") + p->name + "=" + p->version;
  return out;
}

} // namespace

TEST_CASE("resolve follows Pre-Depends and Depends, picking the newest version across suites") {
  Index index;
  index.add(pkg("app", "1",
                "Pre-Depends: base\nDepends: lib (>= 2) | lib-compat, debconf | debconf-2.0\n") +
                pkg("base", "1") + pkg("lib", "1") + pkg("lib-compat", "1"),
            "stable", "stable");
  index.add(pkg("lib", "2.1", "Depends: mta\n") + pkg("mail", "1", "Provides: mta\n"), "security",
            "security");
  auto chosen = resolve(index, rules({"app"}));
  CHECK(names(chosen) == "app=1 base=1 lib=2.1 mail=1");
  CHECK(chosen[2]->suite == "security");
}

TEST_CASE("resolve takes an alternative already chosen, and versioned Provides") {
  Index index;
  index.add(pkg("a", "1", "Depends: x | y\n") + pkg("x", "1") + pkg("y", "1") +
                pkg("b", "1", "Depends: abi (>= 2)\n") + pkg("old", "1", "Provides: abi\n") +
                pkg("new", "1", "Provides: abi (= 2)\n"),
            "s", "s");
  CHECK(names(resolve(index, rules({"y", "a"}))) == "a=1 y=1");
  CHECK(names(resolve(index, rules({"b"}))) == "b=1 new=1");
}

TEST_CASE("resolve refuses what cannot be had, located at the recipe's package") {
  Index index;
  index.add(pkg("app", "1", "Depends: tool\n") + pkg("tool", "1", "Depends: perl\n") +
                pkg("perl", "5") + pkg("needy", "1", "Depends: lib (>= 3)\n") + pkg("lib", "2") +
                pkg("c", "1", "Conflicts: lib (<< 3)\n") + pkg("v1", "1", "Provides: virt\n") +
                pkg("v2", "1", "Provides: virt\n") + pkg("alt", "1", "Depends: perl | tool\n"),
            "s", "s");
  CHECK_THROWS_WITH(resolve(index, rules({"nope"})),
                    "r.json:3:5: nope (amd64): no such package in the recipe's suites");
  CHECK_THROWS_WITH(resolve(index, rules({"lib", "app"}, {"perl"})),
                    "r.json:4:5: app (amd64): app → tool depends on 'perl', and the recipe "
                    "excludes perl (line 20:7)");
  CHECK_THROWS_WITH(resolve(index, rules({"needy"})),
                    Catch::StartsWith("r.json:3:5: needy (amd64): needy depends on 'lib (>= 3)', "
                                      "which nothing satisfies (the suites have lib 2)"));
  CHECK_THROWS_WITH(resolve(index, rules({"perl"}, {"perl"})),
                    Catch::Contains("the recipe also excludes it (line 20:7)"));
  CHECK_THROWS_WITH(resolve(index, rules({"lib", "c"})),
                    Catch::Contains("r.json:4:5: c (amd64): c conflicts with lib"));
  CHECK_THROWS_WITH(resolve(index, rules({"virt"})),
                    Catch::Contains("a virtual package provided by v1, v2"));
  // An excluded alternative is passed over when another one can be had.
  CHECK_THROWS_AS(resolve(index, rules({"alt"}, {"perl"})), InputError);
  Index other;
  other.add(pkg("alt2", "1", "Depends: perl | lib\n") + pkg("perl", "5") + pkg("lib", "2"), "s",
            "s");
  CHECK(names(resolve(other, rules({"alt2"}, {"perl"}))) == "alt2=1 lib=2");
}

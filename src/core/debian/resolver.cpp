#include "debian/resolver.hpp"

#include "util/error.hpp"

#include <deque>
#include <fmt/format.h>

namespace rt::debian {

namespace {

class Resolver {
public:
  Resolver(const Index& index, const ResolveRules& rules) : index_(index), rules_(rules) {}

  std::vector<const Package*> run() {
    for (size_t i = 0; i < rules_.packages.size(); ++i)
      add_root(i);
    while (!queue_.empty()) {
      const Package* pkg = queue_.front();
      queue_.pop_front();
      expand(*pkg);
    }
    check_conflicts();
    std::vector<const Package*> out;
    for (const auto& [name, chosen] : chosen_)
      out.push_back(chosen.package);
    return out;
  }

private:
  struct Chosen {
    const Package* package;
    std::string parent; // empty for a root
    size_t root;
  };

  [[noreturn]] void fail(size_t root, const std::string& what) const {
    const Wanted& w = rules_.packages[root];
    throw InputError::located(rules_.file, w.at.line, w.at.column,
                              fmt::format("{} ({}): {}", w.name, rules_.arch, what));
  }

  std::string chain(const std::string& name) const {
    std::string out = name;
    std::string at = name;
    for (int guard = 0; guard < 10000; ++guard) {
      auto it = chosen_.find(at);
      if (it == chosen_.end() || it->second.parent.empty()) break;
      at = it->second.parent;
      out = at + " → " + out;
    }
    return out;
  }

  std::string excluded_at(const std::string& name) const {
    const auto& loc = rules_.exclude.at(name);
    return fmt::format("line {}:{}", loc.line, loc.column);
  }

  void choose(const Package* pkg, const std::string& parent, size_t root) {
    chosen_.emplace(pkg->name, Chosen{pkg, parent, root});
    for (const auto& group : parse_relations(pkg->provides, pkg->name + " Provides"))
      for (const auto& alt : group)
        provided_[alt.name].push_back(
            Provider{pkg, alt.op == Op::eq ? std::optional(alt.version) : std::nullopt});
    queue_.push_back(pkg);
  }

  bool satisfied(const Alternative& alt) const {
    if (auto it = chosen_.find(alt.name);
        it != chosen_.end() && alt.satisfied_by(it->second.package->version))
      return true;
    if (auto it = provided_.find(alt.name); it != provided_.end())
      for (const auto& p : it->second)
        if (alt.satisfied_by(p.version)) return true;
    return false;
  }

  // A package for `alt` that is not excluded, or nullptr.
  const Package* find(const Alternative& alt) const {
    if (rules_.exclude.count(alt.name)) return nullptr;
    if (const Package* p = index_.candidate(alt.name); p && alt.satisfied_by(p->version)) return p;
    for (const auto& prov : index_.providers(alt.name))
      if (!rules_.exclude.count(prov.package->name) && alt.satisfied_by(prov.version))
        return prov.package;
    return nullptr;
  }

  void add_root(size_t i) {
    const std::string& name = rules_.packages[i].name;
    if (rules_.exclude.count(name))
      fail(i, fmt::format("the recipe also excludes it ({})", excluded_at(name)));
    if (chosen_.count(name)) return;
    if (const Package* p = index_.candidate(name)) return choose(p, "", i);
    const auto& providers = index_.providers(name);
    if (providers.empty()) fail(i, "no such package in the recipe's suites");
    if (providers.size() > 1) {
      std::string names;
      for (const auto& p : providers)
        names += (names.empty() ? "" : ", ") + p.package->name;
      fail(i, fmt::format("a virtual package provided by {}: name one of them", names));
    }
    if (!chosen_.count(providers[0].package->name)) choose(providers[0].package, "", i);
  }

  void expand(const Package& pkg) {
    size_t root = chosen_.at(pkg.name).root;
    std::vector<Group> groups = parse_relations(pkg.pre_depends, pkg.name + " Pre-Depends");
    for (auto& g : parse_relations(pkg.depends, pkg.name + " Depends"))
      groups.push_back(g);
    for (const auto& group : groups) {
      bool skip = false, done = false;
      for (const auto& alt : group) {
        skip = skip || rules_.skip_dependencies.count(alt.name);
        done = done || satisfied(alt);
      }
      if (skip || done) continue;
      const Package* found = nullptr;
      for (const auto& alt : group)
        if ((found = find(alt))) break;
      if (found) {
        if (!chosen_.count(found->name)) choose(found, pkg.name, root);
        continue;
      }
      for (const auto& alt : group)
        if (rules_.exclude.count(alt.name))
          fail(root,
               fmt::format("{} depends on '{}', and the recipe excludes {} ({})", chain(pkg.name),
                           group_str(group), alt.name, excluded_at(alt.name)));
      std::string have;
      if (const Package* c = index_.candidate(group.front().name))
        have = fmt::format(" (the suites have {} {})", c->name, c->version);
      fail(root, fmt::format("{} depends on '{}', which nothing satisfies{}", chain(pkg.name),
                             group_str(group), have));
    }
  }

  void check_conflicts() const {
    for (const auto& [name, chosen] : chosen_) {
      const Package& pkg = *chosen.package;
      std::vector<Group> groups = parse_relations(pkg.conflicts, pkg.name + " Conflicts");
      for (auto& g : parse_relations(pkg.breaks, pkg.name + " Breaks"))
        groups.push_back(g);
      for (const auto& group : groups)
        for (const auto& alt : group) {
          std::string other;
          if (auto it = chosen_.find(alt.name); it != chosen_.end() && alt.name != pkg.name &&
                                                alt.satisfied_by(it->second.package->version))
            other = alt.name;
          if (auto it = provided_.find(alt.name); other.empty() && it != provided_.end())
            for (const auto& p : it->second)
              if (p.package != &pkg && alt.satisfied_by(p.version)) other = p.package->name;
          if (!other.empty())
            fail(chosen.root,
                 fmt::format("{} conflicts with {} ('{}'), which {} brings in", chain(pkg.name),
                             other, alt.str(), rules_.packages[chosen_.at(other).root].name));
        }
    }
  }

  const Index& index_;
  const ResolveRules& rules_;
  std::map<std::string, Chosen> chosen_;
  std::map<std::string, std::vector<Provider>> provided_;
  std::deque<const Package*> queue_;
};

} // namespace

std::vector<const Package*> resolve(const Index& index, const ResolveRules& rules) {
  return Resolver(index, rules).run();
}

} // namespace rt::debian

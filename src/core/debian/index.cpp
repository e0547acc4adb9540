#include "debian/index.hpp"

#include "debian/control.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::debian {

void Index::add(std::string_view text, const std::string& suite, const std::string& what) {
  providers_built_ = false;
  parse_paragraphs(
      text,
      [&](const Paragraph& p) {
        std::string_view name = p.get("Package"), version = p.get("Version"),
                         filename = p.get("Filename"), size = p.get("Size"), sha = p.get("SHA256");
        if (name.empty() || version.empty() || filename.empty() || size.empty() || sha.empty())
          return;
        std::string key(name);
        auto it = candidates_.find(key);
        // The first suite listed keeps a package when versions are equal.
        if (it != candidates_.end() && compare_versions(version, it->second.version) <= 0) return;
        std::string digest = "sha256:" + std::string(sha);
        if (!Digest::valid(digest) ||
            size.find_first_not_of("0123456789") != std::string_view::npos || size.size() > 15)
          throw RuntimeError(
              fmt::format("{}:{}: package {}: malformed Size or SHA256", what, p.line, name));
        Package pkg;
        pkg.name = key;
        pkg.version = std::string(version);
        pkg.architecture = std::string(p.get("Architecture"));
        pkg.filename = std::string(filename);
        pkg.suite = suite;
        pkg.sha256 = Digest::parse(digest);
        pkg.size = std::stoll(std::string(size));
        pkg.pre_depends = std::string(p.get("Pre-Depends"));
        pkg.depends = std::string(p.get("Depends"));
        pkg.conflicts = std::string(p.get("Conflicts"));
        pkg.breaks = std::string(p.get("Breaks"));
        pkg.provides = std::string(p.get("Provides"));
        candidates_[key] = std::move(pkg);
      },
      what);
}

const Package* Index::candidate(const std::string& name) const {
  auto it = candidates_.find(name);
  return it == candidates_.end() ? nullptr : &it->second;
}

const std::vector<Provider>& Index::providers(const std::string& name) const {
  if (!providers_built_) {
    providers_.clear();
    for (const auto& [n, pkg] : candidates_) {
      if (pkg.provides.empty()) continue;
      for (const auto& group : parse_relations(pkg.provides, pkg.name + " Provides"))
        for (const auto& alt : group)
          providers_[alt.name].push_back(
              Provider{&pkg, alt.op == Op::eq ? std::optional(alt.version) : std::nullopt});
    }
    providers_built_ = true;
  }
  static const std::vector<Provider> none;
  auto it = providers_.find(name);
  return it == providers_.end() ? none : it->second;
}

} // namespace rt::debian

#include "release/rewrite.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

namespace rt::release {

Rewrites Rewrites::parse(const std::vector<std::string>& flags) {
  Rewrites r;
  for (const auto& f : flags) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == f.size())
      throw InputError(fmt::format("--registry-rewrite '{}': expected FROM=TO", f));
    r.rules_.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  return r;
}

std::string Rewrites::apply(const std::string& ref) const {
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& rule : rules_) {
    const std::string& from = rule.first;
    if (ref.compare(0, from.size(), from) != 0) continue;
    bool boundary = ref.size() == from.size() || from.back() == '/' ||
                    std::string("/:@").find(ref[from.size()]) != std::string::npos;
    if (boundary && (!best || from.size() > best->first.size())) best = &rule;
  }
  return best ? best->second + ref.substr(best->first.size()) : ref;
}

} // namespace rt::release

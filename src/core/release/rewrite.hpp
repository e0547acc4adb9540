#pragma once
// --registry-rewrite FROM=TO: prefix rewrites of image references, applied to
// release targets and to bases alike (staging registries, mirrors, tests).
#include <string>
#include <utility>
#include <vector>

namespace rt::release {

class Rewrites {
public:
  // Parses "FROM=TO" flags; InputError when one has no '=' or an empty side.
  static Rewrites parse(const std::vector<std::string>& flags);
  // The reference with the longest matching prefix replaced; unchanged if none
  // matches. A prefix matches at a component boundary only: "gcr.io/a" matches
  // "gcr.io/a/b" and "gcr.io/a:1", not "gcr.io/ab".
  std::string apply(const std::string& ref) const;
  bool empty() const { return rules_.empty(); }

private:
  std::vector<std::pair<std::string, std::string>> rules_;
};

} // namespace rt::release

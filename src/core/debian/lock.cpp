#include "debian/lock.hpp"

#include "oci/descriptor.hpp"
#include "release/json_located.hpp"
#include "util/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rt::debian {

namespace {

constexpr int kLockVersion = 1;

using release::JsonType;
using release::JsonValue;

[[noreturn]] void fail(const std::string& file, const JsonValue& v, const std::string& what) {
  throw InputError::located(file, v.location().line, v.location().column, what);
}

const JsonValue& member(const std::string& file, const JsonValue& obj, std::string_view key,
                        JsonType type) {
  if (!obj.is(JsonType::object)) fail(file, obj, "expected an object");
  const auto* m = obj.find(key);
  if (!m) fail(file, obj, fmt::format("missing '{}'", key));
  if (!m->value.is(type))
    fail(file, m->value, fmt::format("'{}' must be {}", key, release::json_type_name(type)));
  return m->value;
}

std::string text(const std::string& file, const JsonValue& obj, std::string_view key) {
  return member(file, obj, key, JsonType::string).as_string();
}

Digest digest(const std::string& file, const JsonValue& obj, std::string_view key) {
  const JsonValue& v = member(file, obj, key, JsonType::string);
  if (!Digest::valid(v.as_string())) fail(file, v, fmt::format("'{}' must be sha256:<hex>", key));
  return Digest::parse(v.as_string());
}

} // namespace

std::string Lock::to_json() const {
  // ordered_json keeps the order written here; the digests do not depend on it.
  nlohmann::ordered_json j;
  j["lock_version"] = kLockVersion;
  j["recipe_inputs"] = inputs.str();
  j["sources"] = nlohmann::ordered_json::array();
  for (const auto& s : sources)
    j["sources"].push_back(
        {{"suite", s.suite}, {"date", s.date}, {"inrelease", s.inrelease.str()}});
  j["packages"] = nlohmann::ordered_json::object();
  for (const auto& [arch, list] : packages) {
    auto& out = j["packages"][arch] = nlohmann::ordered_json::array();
    for (const auto& p : list)
      out.push_back({{"name", p.name},
                     {"version", p.version},
                     {"architecture", p.architecture},
                     {"suite", p.suite},
                     {"filename", p.filename},
                     {"size", p.size},
                     {"sha256", p.sha256.hex}});
  }
  return j.dump(2) + "\n";
}

Lock Lock::parse(const std::string& content, const std::string& file) {
  JsonValue root = release::parse_json_located(content, file);
  Lock lock;
  const JsonValue& version = member(file, root, "lock_version", JsonType::number);
  if (version.number_text() != std::to_string(kLockVersion))
    fail(file, version,
         fmt::format("lock_version {} is not {}: lock the recipe again", version.number_text(),
                     kLockVersion));
  lock.inputs = digest(file, root, "recipe_inputs");
  for (const auto& s : member(file, root, "sources", JsonType::array).items())
    lock.sources.push_back(
        {text(file, s, "suite"), text(file, s, "date"), digest(file, s, "inrelease")});
  for (const auto& arch : member(file, root, "packages", JsonType::object).members()) {
    auto& list = lock.packages[arch.key];
    if (!arch.value.is(JsonType::array)) fail(file, arch.value, "expected an array of packages");
    for (const auto& p : arch.value.items()) {
      LockedPackage lp;
      lp.name = text(file, p, "name");
      lp.version = text(file, p, "version");
      lp.architecture = text(file, p, "architecture");
      lp.suite = text(file, p, "suite");
      lp.filename = text(file, p, "filename");
      const JsonValue& size = member(file, p, "size", JsonType::number);
      if (size.number_text().find_first_not_of("0123456789") != std::string::npos ||
          size.number_text().size() > 15)
        fail(file, size, "'size' must be a whole number of bytes");
      lp.size = std::stoll(size.number_text());
      const JsonValue& sha = member(file, p, "sha256", JsonType::string);
      if (!Digest::valid("sha256:" + sha.as_string()))
        fail(file, sha, "'sha256' must be 64 hex digits");
      lp.sha256 = Digest{sha.as_string()};
      // The filename goes into a URL under the mirror: it must stay under it.
      if (lp.filename.empty() || lp.filename.front() == '/' ||
          lp.filename.find("..") != std::string::npos ||
          lp.filename.find_first_of("?#\\ \n") != std::string::npos)
        fail(file, p,
             fmt::format("package {}: filename '{}' is not a pool path", lp.name, lp.filename));
      list.push_back(std::move(lp));
    }
  }
  return lock;
}

Digest recipe_inputs(const Recipe& recipe) {
  nlohmann::json j;
  for (const auto& s : recipe.sources)
    j["sources"].push_back({s.suite, s.components});
  for (const auto& [a, at] : recipe.architectures)
    j["architectures"].push_back(a);
  for (const auto& p : recipe.packages)
    j["packages"].push_back(p.name);
  for (const auto& [name, at] : recipe.exclude)
    j["exclude"].push_back(name);
  for (const auto& [name, why] : recipe.skip_dependencies)
    j["skip"].push_back(name);
  return sha256_of(oci::canonical(j));
}

} // namespace rt::debian

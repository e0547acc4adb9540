#include "debian/recipe.hpp"

#include "layer/tar_entry.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>
#include <set>

namespace rt::debian {

namespace {

using release::JsonMember;
using release::JsonType;
using release::JsonValue;

class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const JsonValue& v, const std::string& what) const {
    throw InputError::located(file_, v.location().line, v.location().column, what);
  }

  const JsonValue& want(const JsonValue& v, JsonType t, const std::string& what) const {
    if (!v.is(t))
      fail(v, fmt::format("{} must be {}, not {}", what, release::json_type_name(t),
                          release::json_type_name(v.type())));
    return v;
  }

  std::string string(const JsonValue& v, const std::string& what) const {
    const std::string& s = want(v, JsonType::string, what).as_string();
    if (s.empty() || s.find('\0') != std::string::npos || s.size() > 4096)
      fail(v, fmt::format("{} must be a non-empty string", what));
    return s;
  }

  uint32_t id(const JsonValue& v, const std::string& what) const {
    const std::string& t = want(v, JsonType::number, what).number_text();
    if (t.find_first_not_of("0123456789") != std::string::npos || t.size() > 10 ||
        std::stoull(t) > 0xFFFFFFFEull)
      fail(v, fmt::format("{} must be a whole number from 0 to 4294967294", what));
    return static_cast<uint32_t>(std::stoul(t));
  }

  // "0644", "1777": octal permission bits as text (JSON has no octal numbers).
  uint32_t mode(const JsonValue& v, const std::string& what) const {
    std::string s = string(v, what);
    if (s.size() > 5 || s.find_first_not_of("01234567") != std::string::npos)
      fail(v, fmt::format("{} must be octal permission bits as a string, such as \"0644\"", what));
    return static_cast<uint32_t>(std::stoul(s, nullptr, 8));
  }

  // A package or suite name as Debian allows them (policy 5.6.1, plus '_' for suites).
  std::string name(const JsonValue& v, const std::string& what) const {
    std::string s = string(v, what);
    for (char c : s)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-' &&
          c != '_')
        fail(v, fmt::format("{} '{}' is not a valid Debian name", what, s));
    return s;
  }

  std::string abs_path(const JsonValue& v, const std::string& what) const {
    std::string s = string(v, what);
    if (s.front() != '/') fail(v, fmt::format("{} '{}' must be an absolute path", what, s));
    try {
      std::string clean = layer::clean_entry_path(s);
      if (clean.empty()) fail(v, fmt::format("{} must not be the root", what));
      return clean;
    } catch (const RuntimeError&) {
      fail(v, fmt::format("{} '{}' leaves the root", what, s));
    }
  }

  void keys(const JsonValue& obj, std::initializer_list<std::string_view> allowed,
            std::initializer_list<std::string_view> required, const std::string& what) const {
    want(obj, JsonType::object, what);
    for (const auto& m : obj.members()) {
      bool ok = false;
      for (auto k : allowed)
        ok = ok || k == m.key;
      if (!ok) {
        std::string list;
        for (auto k : allowed)
          list += (list.empty() ? "" : ", ") + std::string(k);
        throw InputError::located(
            file_, m.key_location.line, m.key_location.column,
            fmt::format("unknown key '{}' in {} (known: {})", m.key, what, list));
      }
    }
    for (auto k : required)
      if (!obj.find(k)) fail(obj, fmt::format("{} needs '{}'", what, k));
  }

  const std::vector<JsonValue>& array(const JsonValue& v, const std::string& what,
                                      bool non_empty) const {
    const auto& items = want(v, JsonType::array, what).items();
    if (non_empty && items.empty()) fail(v, fmt::format("{} must not be empty", what));
    return items;
  }

  std::map<std::string, std::string> string_map(const JsonValue& v, const std::string& what) const {
    std::map<std::string, std::string> out;
    for (const auto& m : want(v, JsonType::object, what).members())
      out[m.key] = want(m.value, JsonType::string, what + " '" + m.key + "'").as_string();
    return out;
  }

private:
  std::string file_;
};

void read_config(const Reader& r, const JsonValue& v, Recipe& recipe) {
  r.keys(v, {"User", "Env", "Cmd", "Entrypoint", "WorkingDir"}, {}, "'config'");
  for (const auto& m : v.members()) {
    if (m.key == "User" || m.key == "WorkingDir") {
      recipe.config[m.key] = r.string(m.value, "config." + m.key);
    } else {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& item : r.array(m.value, "config." + m.key, false))
        list.push_back(r.want(item, JsonType::string, "each of config." + m.key).as_string());
      recipe.config[m.key] = list;
    }
  }
}

void read_paths(const Reader& r, const JsonValue& v, Recipe& recipe, PathSpec::Kind kind) {
  std::string what = kind == PathSpec::Kind::directory ? "'directories'"
                     : kind == PathSpec::Kind::file    ? "'files'"
                                                       : "'symlinks'";
  for (const auto& item : r.array(v, what, false)) {
    if (kind == PathSpec::Kind::directory)
      r.keys(item, {"path", "mode", "uid", "gid"}, {"path"}, "a directory");
    else if (kind == PathSpec::Kind::file)
      r.keys(item, {"path", "mode", "uid", "gid", "content"}, {"path", "content"}, "a file");
    else
      r.keys(item, {"path", "target"}, {"path", "target"}, "a symlink");
    PathSpec p;
    p.kind = kind;
    p.mode = kind == PathSpec::Kind::file ? 0644 : kind == PathSpec::Kind::directory ? 0755 : 0777;
    p.path = r.abs_path(item.find("path")->value, "path");
    if (auto* m = item.find("mode")) p.mode = r.mode(m->value, "mode");
    if (auto* m = item.find("uid")) p.uid = r.id(m->value, "uid");
    if (auto* m = item.find("gid")) p.gid = r.id(m->value, "gid");
    if (auto* m = item.find("content"))
      p.content = r.want(m->value, JsonType::string, "content").as_string();
    if (auto* m = item.find("target")) p.content = r.string(m->value, "target");
    recipe.paths.push_back(std::move(p));
  }
}

} // namespace

std::string Recipe::lock_path() const {
  std::string base = file;
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0)
    base.resize(base.size() - 5);
  return base + ".lock.json";
}

release::SourceLocation Recipe::architecture_at(const std::string& arch) const {
  for (const auto& [a, at] : architectures)
    if (a == arch) return at;
  return {0, 0};
}

ResolveRules Recipe::rules(const std::string& arch) const {
  ResolveRules rules;
  rules.file = file;
  rules.arch = arch;
  rules.packages = packages;
  rules.exclude = exclude;
  rules.skip_dependencies = skip_dependencies;
  return rules;
}

Recipe load_recipe(const std::string& path) {
  if (!path_exists(path)) throw InputError(fmt::format("recipe {}: no such file", path));
  std::string text = read_file(path);
  JsonValue root = release::parse_json_located(text, path);
  Reader r(path);
  r.keys(root,
         {"name", "sources", "architectures", "packages", "exclude", "skip_dependencies", "groups",
          "users", "directories", "files", "symlinks", "config", "annotations", "labels"},
         {"name", "sources", "architectures", "packages"}, "the recipe");
  Recipe recipe;
  recipe.file = path;
  recipe.name = r.name(root.find("name")->value, "'name'");
  for (const auto& s : r.array(root.find("sources")->value, "'sources'", true)) {
    r.keys(s, {"suite", "components"}, {"suite"}, "a source");
    SourceSpec spec{r.name(s.find("suite")->value, "suite"), {}, s.location()};
    if (auto* c = s.find("components"))
      for (const auto& comp : r.array(c->value, "components", true))
        spec.components.push_back(r.name(comp, "component"));
    else
      spec.components = {"main"};
    recipe.sources.push_back(std::move(spec));
  }
  std::set<std::string> seen;
  for (const auto& a : r.array(root.find("architectures")->value, "'architectures'", true)) {
    std::string arch = r.name(a, "architecture");
    if (!seen.insert("arch:" + arch).second) r.fail(a, "architecture " + arch + " is listed twice");
    recipe.architectures.emplace_back(arch, a.location());
  }
  for (const auto& p : r.array(root.find("packages")->value, "'packages'", true)) {
    std::string name = r.name(p, "package");
    if (!seen.insert("pkg:" + name).second) r.fail(p, "package " + name + " is listed twice");
    recipe.packages.push_back(Wanted{name, p.location()});
  }
  if (auto* m = root.find("exclude"))
    for (const auto& p : r.array(m->value, "'exclude'", false))
      recipe.exclude[r.name(p, "excluded package")] = p.location();
  if (auto* m = root.find("skip_dependencies"))
    for (const auto& [name, why] : r.string_map(m->value, "'skip_dependencies'"))
      recipe.skip_dependencies[name] = why;
  if (auto* m = root.find("groups"))
    for (const auto& g : r.array(m->value, "'groups'", false)) {
      r.keys(g, {"name", "gid"}, {"name", "gid"}, "a group");
      recipe.groups.push_back(
          {r.name(g.find("name")->value, "group name"), r.id(g.find("gid")->value, "gid")});
    }
  if (auto* m = root.find("users"))
    for (const auto& u : r.array(m->value, "'users'", false)) {
      r.keys(u, {"name", "uid", "gid", "home", "shell"}, {"name", "uid", "gid", "home"}, "a user");
      UserSpec spec{r.name(u.find("name")->value, "user name"), r.id(u.find("uid")->value, "uid"),
                    r.id(u.find("gid")->value, "gid"), r.string(u.find("home")->value, "home")};
      if (auto* s = u.find("shell")) spec.shell = r.string(s->value, "shell");
      // Each is a field of an /etc/passwd line.
      for (const auto* f : {&spec.home, &spec.shell})
        if (f->find_first_of(":\n") != std::string::npos)
          r.fail(u, fmt::format("user {}: '{}' must not contain ':' or a newline", spec.name, *f));
      recipe.users.push_back(std::move(spec));
    }
  if (auto* m = root.find("directories"))
    read_paths(r, m->value, recipe, PathSpec::Kind::directory);
  if (auto* m = root.find("files")) read_paths(r, m->value, recipe, PathSpec::Kind::file);
  if (auto* m = root.find("symlinks")) read_paths(r, m->value, recipe, PathSpec::Kind::symlink);
  if (auto* m = root.find("config")) read_config(r, m->value, recipe);
  if (auto* m = root.find("annotations"))
    recipe.annotations = r.string_map(m->value, "'annotations'");
  if (auto* m = root.find("labels")) recipe.labels = r.string_map(m->value, "'labels'");
  return recipe;
}

} // namespace rt::debian

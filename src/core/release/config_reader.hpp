#pragma once
// The located reader of images.json and its overlays (images_config.cpp,
// assets_config.cpp): typed values that fail as "FILE:LINE:COL: what".
// Internal to the release module.
#include "release/json_located.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rt::release::config {

using Keys = std::span<const std::string_view>;

// Overlays give any subset of fields; the base file must give the required ones.
enum class Mode { full, overlay };

// The candidate the user most likely meant, if any is close enough to be worth suggesting.
std::optional<std::string_view> closest(std::string_view word, Keys candidates);
// "'a', 'b', 'c'".
std::string quoted_list(const std::vector<std::string>& names);
// Why a tag template is unusable, or nothing. Literal parts must be tag characters, and the tag
// must not start with '.' or '-' (docker's [A-Za-z0-9_][A-Za-z0-9_.-]*).
std::optional<std::string> template_problem(std::string_view tmpl);

// Reads the values of one file, failing located in it.
class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(SourceLocation at, const std::string& what) const {
    throw InputError::located(file_, at.line, at.column, what);
  }

  void expect(const JsonValue& v, JsonType type, std::string_view what) const {
    if (!v.is(type))
      fail(v.location(), fmt::format("{} must be {}, not {}", what, json_type_name(type),
                                     json_type_name(v.type())));
  }

  // One reader per known key: the keys cannot drift from what is read.
  struct Field {
    std::string_view key;
    std::function<void(const JsonMember&)> read;
  };
  // Reads every member of object with its key's reader; unknown keys fail.
  void read_fields(const JsonValue& object, std::initializer_list<Field> fields) const {
    for (const JsonMember& m : object.members()) {
      auto field = std::find_if(fields.begin(), fields.end(),
                                [&](const Field& f) { return f.key == m.key; });
      if (field != fields.end()) {
        field->read(m);
        continue;
      }
      std::vector<std::string_view> known;
      for (const Field& f : fields)
        known.push_back(f.key);
      unknown_key(m, known);
    }
  }

  [[noreturn]] void unknown_key(const JsonMember& m, Keys known) const {
    if (auto guess = closest(m.key, known))
      fail(m.key_location, fmt::format("unknown key '{}' (did you mean '{}'?)", m.key, *guess));
    std::vector<std::string> names(known.begin(), known.end());
    fail(m.key_location,
         fmt::format("unknown key '{}' (known keys: {})", m.key, quoted_list(names)));
  }

  // Missing fields are blamed on the object's '{': there is no better place to point at.
  void require(const JsonValue& object, Keys keys, std::string_view owner) const {
    for (std::string_view k : keys)
      if (!object.find(k)) fail(object.location(), fmt::format("{} has no '{}'", owner, k));
  }

  // Remembers key in seen, failing at `at` if it is already there.
  void unique(std::map<std::string, int>& seen, const std::string& key, const JsonValue& at,
              std::string_view what) const {
    if (auto [it, fresh] = seen.emplace(key, at.location().line); !fresh)
      fail(at.location(),
           fmt::format("duplicate {} '{}' (first at line {})", what, key, it->second));
  }

  // A non-empty string without control characters (they only hide mistakes in names and paths).
  std::string text(const JsonMember& m) const {
    expect(m.value, JsonType::string, fmt::format("'{}'", m.key));
    const std::string& s = m.value.as_string();
    if (s.empty()) fail(m.value.location(), fmt::format("'{}' must not be empty", m.key));
    if (std::any_of(s.begin(), s.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      fail(m.value.location(), fmt::format("'{}' must not contain control characters", m.key));
    return s;
  }

  // A non-empty array of strings; `check` validates each item at its own location.
  template <typename Check>
  std::vector<std::string> texts(const JsonMember& m, std::string_view hint, Check check) const {
    if (!m.value.is(JsonType::array))
      fail(m.value.location(), fmt::format("'{}' must be an array of strings{}, not {}", m.key,
                                           hint, json_type_name(m.value.type())));
    if (m.value.items().empty())
      fail(m.value.location(), fmt::format("'{}' must not be empty", m.key));
    std::vector<std::string> out;
    for (const JsonValue& item : m.value.items()) {
      expect(item, JsonType::string, fmt::format("'{}' item {}", m.key, out.size() + 1));
      check(item, out.size());
      out.push_back(item.as_string());
    }
    return out;
  }

  // A path inside the build context: relative, not escaping it, naming a file. Normalised.
  std::string destination(const JsonMember& m) const {
    std::string s = text(m);
    std::filesystem::path p = std::filesystem::path(s).lexically_normal();
    auto bad = [&](std::string_view why) {
      fail(m.value.location(), fmt::format("'{}' {}, not '{}'", m.key, why, s));
    };
    if (p.is_absolute()) bad("must be a path relative to the build context");
    if (!p.empty() && *p.begin() == "..") bad("must stay inside the build context");
    if (p.empty() || p == "." || !p.has_filename()) bad("must name a file in the build context");
    return p.generic_string();
  }

  // What the build produces, relative to its working directory (".." allowed: the build may
  // write beside it, as cargo's target/ does).
  std::string artifact(const JsonMember& m) const {
    std::string s = text(m);
    if (std::filesystem::path(s).is_absolute())
      fail(m.value.location(),
           fmt::format("'artifact' must be relative to 'working_directory', not '{}'", s));
    return s;
  }

  // "owner/name" as GitHub allows them.
  std::string github_repository(const JsonMember& m) const;
  // docker's reference grammar (registry::Reference) restricted to what a push target needs: an
  // explicit lowercase registry host (else docker would silently mean Docker Hub), no tag (the
  // tags come from 'tags'), no digest.
  std::string repository(const JsonMember& m) const;

private:
  std::string file_;
};

} // namespace rt::release::config

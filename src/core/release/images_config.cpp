#include "release/images_config.hpp"

#include "registry/reference.hpp"
#include "release/json_located.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <span>

namespace rt::release {

namespace {

using Keys = std::span<const std::string_view>;
constexpr std::string_view placeholders[] = {"version", "commit", "short_commit"};
constexpr size_t short_commit_length = 12;

// Overlays give any subset of fields; the base file must give the required ones.
enum class Mode { full, overlay };

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Lowercase without '_' and '-': "workingDirectory" and "working-directory" are the key
// "working_directory" in another spelling, however far apart they are in edit distance.
std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The candidate the user most likely meant, if any is close enough to be worth suggesting.
std::optional<std::string_view> closest(std::string_view word, Keys candidates) {
  // Short words are all close to each other: "xy" is no typo of "rc".
  size_t allowed = word.size() <= 3 ? 1 : std::max<size_t>(2, word.size() / 3);
  std::optional<std::string_view> best;
  size_t best_distance = allowed + 1;
  for (std::string_view c : candidates) {
    size_t d = fold(c) == fold(word) ? 0 : edit_distance(word, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::vector<std::string> names_of(const std::vector<ImageSpec>& images) {
  std::vector<std::string> names;
  for (const ImageSpec& image : images)
    names.push_back(image.name);
  return names;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names)
    out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// Why a tag template is unusable, or nothing. Literal parts must be tag characters, and the tag
// must not start with '.' or '-' (docker's [A-Za-z0-9_][A-Za-z0-9_.-]*).
std::optional<std::string> template_problem(std::string_view tmpl) {
  if (tmpl.empty()) return "a tag template must not be empty";
  for (size_t i = 0; i < tmpl.size();) {
    char c = tmpl[i];
    if (c == '{') {
      size_t close = tmpl.find('}', i);
      if (close == std::string_view::npos)
        return fmt::format("unclosed '{{' in tag template '{}'", tmpl);
      std::string_view name = tmpl.substr(i + 1, close - i - 1);
      if (std::find(std::begin(placeholders), std::end(placeholders), name) ==
          std::end(placeholders))
        return fmt::format("unknown placeholder '{{{}}}' in tag template '{}' (allowed: "
                           "{{version}}, {{commit}}, {{short_commit}})",
                           name, tmpl);
      i = close + 1;
      continue;
    }
    bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (!word && !(i > 0 && (c == '.' || c == '-')))
      return fmt::format("tag template '{}' has '{}' where a tag allows only letters, digits, "
                         "'_', and '.' or '-' after the first character",
                         tmpl, c);
    ++i;
  }
  return std::nullopt;
}

// Reads the values of one file, failing located in it.
class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

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

  std::string github_repository(const JsonMember& m) const {
    std::string s = text(m);
    // GitHub: owners are alphanumerics and single inner hyphens (≤ 39), names [A-Za-z0-9._-].
    static const std::regex owner_name(
        "([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})/([A-Za-z0-9._-]{1,100})");
    std::smatch match;
    if (!std::regex_match(s, match, owner_name) || match[2] == "." || match[2] == "..")
      fail(m.value.location(),
           fmt::format("'github_repository' must be 'owner/name' as on GitHub, not '{}'", s));
    return s;
  }

  // docker's reference grammar (registry::Reference) restricted to what a push target needs: an
  // explicit lowercase registry host (else docker would silently mean Docker Hub), no tag (the
  // tags come from 'tags'), no digest.
  std::string repository(const JsonMember& m) const {
    std::string s = text(m);
    auto bad = [&](std::string_view why) {
      fail(m.value.location(), fmt::format("'repository' {}, not '{}'", why, s));
    };
    if (s.find('@') != std::string::npos) bad("must not contain a digest");
    size_t first_slash = s.find('/'), last_slash = s.rfind('/');
    if (last_slash != std::string::npos && s.find(':', last_slash) != std::string::npos)
      bad("must not contain a tag (tags go in 'tags')");
    if (std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      bad("must be lowercase");
    std::string head = s.substr(0, first_slash);
    if (first_slash == std::string::npos ||
        (head.find_first_of(".:") == std::string::npos && head != "localhost"))
      bad("must start with a registry host, as in 'gcr.io/galoyorg/lana-bank'");
    try {
      registry::Reference::parse(s);
    } catch (const InputError& e) {
      // Reference says "invalid image reference '…': why"; keep only the why.
      std::string why = e.what();
      if (size_t colon = why.find("': "); colon != std::string::npos) why = why.substr(colon + 3);
      bad(fmt::format("is not a valid image repository ({})", why));
    }
    return s;
  }

private:
  std::string file_;
};

void read_binary(const Reader& r, const JsonValue& object, BinaryBuild& binary, Mode mode) {
  r.expect(object, JsonType::object, "'binary'");
  r.read_fields(
      object,
      {{"command",
        [&](const JsonMember& m) {
          // argv[0] names a program; later arguments may be empty ("sed -i ''").
          binary.command =
              r.texts(m, " (argv, run without a shell)", [&](const JsonValue& v, size_t i) {
                if (i == 0 && v.as_string().empty())
                  r.fail(v.location(), "'command' must start with a program, not ''");
              });
        }},
       {"working_directory", [&](const JsonMember& m) { binary.working_directory = r.text(m); }},
       {"artifact", [&](const JsonMember& m) { binary.artifact = r.artifact(m); }},
       {"destination", [&](const JsonMember& m) { binary.destination = r.destination(m); }}});
  constexpr std::string_view required[] = {"command", "artifact", "destination"};
  if (mode == Mode::full) r.require(object, required, "'binary'");
}

std::vector<ReleaseAsset> read_release_assets(const Reader& r, const JsonMember& list) {
  r.expect(list.value, JsonType::array, "'release_assets'");
  std::vector<ReleaseAsset> assets;
  std::map<std::string, int> names, destinations; // → line of the first
  for (const JsonValue& object : list.value.items()) {
    std::string owner = fmt::format("release asset {}", assets.size() + 1);
    r.expect(object, JsonType::object, owner);
    ReleaseAsset& asset = assets.emplace_back();
    r.read_fields(object, {{"name", [&](const JsonMember& m) { asset.name = r.text(m); }},
                           {"destination",
                            [&](const JsonMember& m) { asset.destination = r.destination(m); }}});
    constexpr std::string_view required[] = {"name", "destination"};
    r.require(object, required, owner);
    r.unique(names, asset.name, object.find("name")->value, "release asset");
    r.unique(destinations, asset.destination, object.find("destination")->value,
             "release asset destination");
  }
  return assets;
}

void read_dockerfiles(const Reader& r, const JsonValue& object, ImagesConfig& c, Mode mode) {
  r.expect(object, JsonType::object, "'dockerfiles'");
  r.read_fields(object,
                {{"rc", [&](const JsonMember& m) { c.dockerfile_rc = r.text(m); }},
                 {"release", [&](const JsonMember& m) { c.dockerfile_release = r.text(m); }}});
  constexpr std::string_view required[] = {"rc", "release"};
  if (mode == Mode::full) r.require(object, required, "'dockerfiles'");
}

// Applies the fields given in an image object; the caller checks required ones.
void read_image_fields(const Reader& r, const JsonValue& object, ImageSpec& image) {
  static const std::regex name_pattern("[A-Za-z0-9][A-Za-z0-9._-]*");
  auto name = [&](const JsonMember& m) {
    image.name = r.text(m);
    if (!std::regex_match(image.name, name_pattern))
      r.fail(m.value.location(), fmt::format("image name '{}' must be letters, digits, '.', '_' "
                                             "and '-', starting with a letter or digit",
                                             image.name));
  };
  auto context = [&](const JsonMember& m) {
    image.context = r.text(m);
    image.context_is_default = false;
  };
  auto tags = [&](const JsonMember& m) {
    image.tags = r.texts(m, "", [&](const JsonValue& v, size_t i) {
      if (auto problem = template_problem(v.as_string())) r.fail(v.location(), *problem);
      for (size_t j = 0; j < i; ++j)
        if (m.value.items()[j].as_string() == v.as_string())
          r.fail(v.location(), fmt::format("tag template '{}' is listed twice", v.as_string()));
    });
  };
  r.read_fields(object,
                {{"name", name},
                 {"repository", [&](const JsonMember& m) { image.repository = r.repository(m); }},
                 {"target", [&](const JsonMember& m) { image.target = r.text(m); }},
                 {"context", context},
                 {"tags", tags}});
}

// A base file's images are new, with defaults; an overlay's name images of the base and
// replace the fields they give.
void read_images(const Reader& r, const JsonMember& list, ImagesConfig& c, Mode mode) {
  r.expect(list.value, JsonType::array, "'images'");
  if (mode == Mode::full && list.value.items().empty())
    r.fail(list.value.location(), "'images' must not be empty");
  std::vector<ImageSpec> images = mode == Mode::full ? std::vector<ImageSpec>{} : c.images;
  std::map<std::string, int> names; // → line of the first
  for (size_t i = 0; i < list.value.items().size(); ++i) {
    const JsonValue& object = list.value.items()[i];
    std::string owner = fmt::format("image {}", i + 1);
    r.expect(object, JsonType::object, owner);
    ImageSpec* image = nullptr;
    if (mode == Mode::full) {
      image = &images.emplace_back();
      image->tags = {"{version}"};
      image->context_is_default = true;
      image->line = object.location().line;
      image->column = object.location().column;
      read_image_fields(r, object, *image);
      constexpr std::string_view required[] = {"name", "repository", "target"};
      r.require(object, required, owner);
    } else {
      constexpr std::string_view required[] = {"name"};
      r.require(object, required, owner);
      const JsonMember& name = *object.find("name");
      std::string wanted = r.text(name);
      for (ImageSpec& candidate : images)
        if (candidate.name == wanted) image = &candidate;
      if (!image)
        r.fail(name.value.location(), fmt::format("{} has no image '{}' (its images: {})", c.path,
                                                  wanted, quoted_list(names_of(c.images))));
      read_image_fields(r, object, *image);
    }
    r.unique(names, image->name, object.find("name")->value, "image name");
  }
  c.images = std::move(images);
}

// The top-level object, for a base file (mode full) or an overlay.
void read_config(const Reader& r, const JsonValue& root, ImagesConfig& c, Mode mode) {
  r.expect(root, JsonType::object, "the configuration");
  bool context_given = false;
  auto context = [&](const JsonMember& m) {
    c.context = r.text(m);
    context_given = true;
  };
  r.read_fields(
      root, {{"github_repository",
              [&](const JsonMember& m) { c.github_repository = r.github_repository(m); }},
             {"binary", [&](const JsonMember& m) { read_binary(r, m.value, c.binary, mode); }},
             {"release_assets",
              [&](const JsonMember& m) { c.release_assets = read_release_assets(r, m); }},
             {"dockerfiles", [&](const JsonMember& m) { read_dockerfiles(r, m.value, c, mode); }},
             {"context", context},
             {"images", [&](const JsonMember& m) { read_images(r, m, c, mode); }}});
  constexpr std::string_view required[] = {"github_repository", "binary", "dockerfiles", "images"};
  if (mode == Mode::full) r.require(root, required, "the configuration");
  // Done last: "context" may come after "images" in the file.
  if (mode == Mode::full || context_given)
    for (ImageSpec& image : c.images)
      if (image.context_is_default) image.context = c.context;
}

JsonValue parse_file(const std::string& path) {
  return parse_json_located(read_file(path), path);
}

} // namespace

ImagesConfig load_images_config(const std::string& path) {
  JsonValue root = parse_file(path);
  ImagesConfig c;
  c.path = path;
  c.base_dir = std::filesystem::absolute(path).parent_path().lexically_normal().string();
  c.binary.working_directory = ".";
  c.context = ".";
  read_config(Reader(path), root, c, Mode::full);
  return c;
}

void apply_overlay(ImagesConfig& config, const std::string& overlay_path) {
  JsonValue root = parse_file(overlay_path);
  // On a failure half-way the caller's config stays as it was.
  ImagesConfig patched = config;
  read_config(Reader(overlay_path), root, patched, Mode::overlay);
  config = std::move(patched);
}

std::vector<ImageSpec> ImagesConfig::select(const std::vector<std::string>& names) const {
  if (names.empty()) return images;
  std::vector<std::string> known = names_of(images);
  std::vector<std::string_view> candidates(known.begin(), known.end());
  std::string unknown;
  for (const std::string& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    auto guess = closest(name, candidates);
    unknown += fmt::format("{}'{}'{}", unknown.empty() ? "" : ", ", name,
                           guess ? fmt::format(" (did you mean '{}'?)", *guess) : "");
  }
  if (!unknown.empty())
    throw InputError(
        fmt::format("{} has no image {}; its images are {}", path, unknown, quoted_list(known)));
  std::vector<ImageSpec> chosen;
  for (const ImageSpec& image : images)
    if (std::find(names.begin(), names.end(), image.name) != names.end()) chosen.push_back(image);
  return chosen;
}

std::string ImagesConfig::resolve(const std::string& path_in_config) const {
  std::filesystem::path p(path_in_config);
  if (p.is_absolute()) return path_in_config;
  std::string joined = (std::filesystem::path(base_dir) / p).lexically_normal().string();
  // "dir/." normalises to "dir/"; callers append "/name".
  if (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

std::string expand_tag(const std::string& tmpl, const std::string& version,
                       const std::string& commit) {
  if (auto problem = template_problem(tmpl)) throw InputError(*problem);
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    size_t close = tmpl.find('}', i);
    std::string_view name = std::string_view(tmpl).substr(i + 1, close - i - 1);
    if (name != "version" && commit.empty())
      throw InputError(
          fmt::format("tag template '{}' uses {{{}}} but the commit is not known", tmpl, name));
    out += name == "version"  ? version
           : name == "commit" ? commit
                              : commit.substr(0, short_commit_length);
    i = close;
  }
  if (!registry::valid_tag(out))
    throw InputError(fmt::format("tag '{}' (from template '{}') is not a valid tag: "
                                 "[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}",
                                 out, tmpl));
  return out;
}

} // namespace rt::release

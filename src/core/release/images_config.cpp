#include "release/images_config.hpp"

#include "registry/reference.hpp"
#include "release/assets_config.hpp"
#include "release/config_reader.hpp"
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

using namespace config;

namespace {

constexpr size_t short_commit_length = 12;

std::vector<std::string> names_of(const std::vector<ImageSpec>& images) {
  std::vector<std::string> names;
  for (const ImageSpec& image : images)
    names.push_back(image.name);
  return names;
}

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
  // A list of templates, or {"rc": [...], "final": [...]} (both required).
  auto template_list = [&](const JsonMember& m) {
    return r.texts(m, m.key == "tags" ? " (or {\"rc\": [...], \"final\": [...]})" : "",
                   [&](const JsonValue& v, size_t i) {
                     if (auto problem = template_problem(v.as_string()))
                       r.fail(v.location(), *problem);
                     for (size_t j = 0; j < i; ++j)
                       if (m.value.items()[j].as_string() == v.as_string())
                         r.fail(v.location(),
                                fmt::format("tag template '{}' is listed twice", v.as_string()));
                   });
  };
  auto tags = [&](const JsonMember& m) {
    if (!m.value.is(JsonType::object)) {
      image.tags_rc = image.tags_final = template_list(m);
      return;
    }
    r.read_fields(m.value,
                  {{"rc", [&](const JsonMember& t) { image.tags_rc = template_list(t); }},
                   {"final", [&](const JsonMember& t) { image.tags_final = template_list(t); }}});
    constexpr std::string_view required[] = {"rc", "final"};
    r.require(m.value, required, "'tags'");
  };
  auto compression = [&](const JsonMember& m) {
    try {
      image.compression = layer::parse_compression(r.text(m), "'compression'");
    } catch (const InputError& e) {
      r.fail(m.value.location(), e.what());
    }
  };
  r.read_fields(object,
                {{"name", name},
                 {"repository", [&](const JsonMember& m) { image.repository = r.repository(m); }},
                 {"target", [&](const JsonMember& m) { image.target = r.text(m); }},
                 {"context", context},
                 {"tags", tags},
                 {"compression", compression}});
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
      image->tags_rc = image->tags_final = {"{version}"};
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

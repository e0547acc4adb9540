// The `release_assets` list of images.json: what each asset of a GitHub Release
// is made of (the build command's binary, or a tarball of trees of the
// checkout) and where `final` puts it in the build context.
#include "release/assets_config.hpp"

#include <regex>

namespace rt::release::config {

namespace {

// The checksums asset github-release adds; no listed asset may take its name.
constexpr std::string_view kChecksumsAsset = "SHA256SUMS";

// A relative path that stays where it is put: not absolute, no ".." escaping.
// "." is allowed when `root_ok`. Normalised, without a trailing '/'.
std::string inside_path(const Reader& r, const JsonMember& m, std::string_view where,
                        bool root_ok) {
  std::string s = r.text(m);
  std::filesystem::path p = std::filesystem::path(s).lexically_normal();
  auto bad = [&](std::string_view why) {
    r.fail(m.value.location(), fmt::format("'{}' {}, not '{}'", m.key, why, s));
  };
  if (p.is_absolute()) bad(fmt::format("must be a path relative to {}", where));
  if (!p.empty() && *p.begin() == "..") bad(fmt::format("must stay inside {}", where));
  std::string out = p.generic_string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  if (out.empty()) out = ".";
  if (out == "." && !root_ok) bad(fmt::format("must name a path inside {}", where));
  return out;
}

bool nested(const std::string& a, const std::string& b) {
  return a == "." || b == "." || a == b || b.rfind(a + "/", 0) == 0 || a.rfind(b + "/", 0) == 0;
}

std::vector<AssetContent> read_contents(const Reader& r, const JsonMember& list) {
  r.expect(list.value, JsonType::array, "'contents'");
  if (list.value.items().empty()) r.fail(list.value.location(), "'contents' must not be empty");
  std::vector<AssetContent> out;
  std::map<std::string, int> seen; // to → line of the first
  for (const JsonValue& object : list.value.items()) {
    std::string owner = fmt::format("'contents' item {}", out.size() + 1);
    r.expect(object, JsonType::object, owner);
    AssetContent& c = out.emplace_back();
    c.line = object.location().line;
    c.column = object.location().column;
    r.read_fields(
        object,
        {{"from",
          [&](const JsonMember& m) { c.from = inside_path(r, m, "the build context", true); }},
         {"to", [&](const JsonMember& m) { c.to = inside_path(r, m, "the archive", true); }}});
    constexpr std::string_view required[] = {"from", "to"};
    r.require(object, required, owner);
    r.unique(seen, c.to, object.find("to")->value, "'to'");
  }
  return out;
}

} // namespace

std::vector<ReleaseAsset> read_release_assets(const Reader& r, const JsonMember& list) {
  static const std::regex name_pattern("[A-Za-z0-9][A-Za-z0-9._+-]*");
  r.expect(list.value, JsonType::array, "'release_assets'");
  std::vector<ReleaseAsset> assets;
  std::map<std::string, int> names, destinations; // → line of the first
  for (const JsonValue& object : list.value.items()) {
    std::string owner = fmt::format("release asset {}", assets.size() + 1);
    r.expect(object, JsonType::object, owner);
    ReleaseAsset& asset = assets.emplace_back();
    asset.file = r.file();
    asset.line = object.location().line;
    asset.column = object.location().column;
    r.read_fields(
        object,
        {{"name",
          [&](const JsonMember& m) {
            asset.name = r.text(m);
            if (!std::regex_match(asset.name, name_pattern) || asset.name.size() > 255)
              r.fail(m.value.location(),
                     fmt::format("release asset name '{}' must be letters, digits, '.', '_', '+' "
                                 "and '-', starting with a letter or digit",
                                 asset.name));
            if (asset.name == kChecksumsAsset)
              r.fail(m.value.location(),
                     fmt::format("release asset name '{}' is taken: github-release adds it, "
                                 "listing every asset's digest",
                                 asset.name));
          }},
         {"destination", [&](const JsonMember& m) { asset.destination = r.destination(m); }},
         {"binary",
          [&](const JsonMember& m) {
            r.expect(m.value, JsonType::boolean, "'binary'");
            asset.binary = m.value.as_bool();
          }},
         {"contents", [&](const JsonMember& m) { asset.contents = read_contents(r, m); }}});
    constexpr std::string_view required[] = {"name", "destination"};
    r.require(object, required, owner);
    bool has_contents = object.find("contents") != nullptr;
    if (asset.binary == has_contents)
      r.fail(object.location(),
             fmt::format("{} ('{}') needs exactly one of '\"binary\": true' (the build "
                         "command's artifact) and 'contents' (a tarball of the checkout)",
                         owner, asset.name));
    if (has_contents && !asset.name.ends_with(".tar.gz"))
      r.fail(object.find("name")->value.location(),
             fmt::format("release asset '{}' is a tarball of 'contents': its name must end in "
                         "'.tar.gz'",
                         asset.name));
    r.unique(names, asset.name, object.find("name")->value, "release asset");
    r.unique(destinations, asset.destination, object.find("destination")->value,
             "release asset destination");
  }
  // Two assets unpacked into one image would fight over their paths: destinations
  // in the build context must not nest either.
  for (size_t i = 0; i < assets.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (nested(assets[i].destination, assets[j].destination))
        r.fail(list.value.items()[i].find("destination")->value.location(),
               fmt::format("release asset destination '{}' overlaps '{}' (line {})",
                           assets[i].destination, assets[j].destination, assets[j].line));
  return assets;
}

} // namespace rt::release::config

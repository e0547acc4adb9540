// images.json and its overlay: the located JSON reader, the schema checks, apply_overlay and the
// tag templates. Input: images.json, then after a NUL an overlay (applied when not empty), then
// after another NUL a version and a commit (one a line) for the tag templates.
#include "fuzz_support.hpp"

#include "release/images_config.hpp"
#include "release/json_located.hpp"

using namespace rt::release;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = rt::fuzz::split_parts(data, size, 3);
  const std::string& dir = rt::fuzz::scratch_dir();
  rt::fuzz::typed_errors_only([&] { parse_json_located(parts[0], "images.json"); });
  rt::fuzz::write_file(dir + "/images.json", parts[0]);
  rt::fuzz::write_file(dir + "/overlay.json", parts[1]);
  auto version_commit = rt::fuzz::split_lines(parts[2]);
  version_commit.resize(2);
  rt::fuzz::typed_errors_only([&] {
    ImagesConfig config = load_images_config(dir + "/images.json");
    if (!parts[1].empty()) apply_overlay(config, dir + "/overlay.json");
    config.resolve(config.context);
    config.select({});
    std::vector<std::string> names;
    for (const auto& image : config.images) {
      names.push_back(image.name + "x");
      config.resolve(image.context);
      for (const char* mode : {"rc", "final"})
        for (const auto& tag : image.tags_for(mode))
          rt::fuzz::typed_errors_only(
              [&] { expand_tag(tag, version_commit[0], version_commit[1]); });
    }
    config.select(names); // unknown names: the error suggests close ones
  });
  return 0;
}

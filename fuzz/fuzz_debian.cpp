// Debian archive metadata (base lock): deb822 paragraphs of a Packages index and its
// relation fields, version comparison, and a base recipe and its lock (the located JSON reader).
// Input: a Packages index, then after NULs a package name to resolve, two versions, a recipe
// and a lock.
#include "fuzz_support.hpp"

#include "debian/control.hpp"
#include "debian/index.hpp"
#include "debian/lock.hpp"
#include "debian/recipe.hpp"
#include "debian/version.hpp"

using namespace rt::debian;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rt::fuzz::quiet_logs();
  auto parts = rt::fuzz::split_parts(data, size, 6);
  rt::fuzz::typed_errors_only([&] {
    parse_paragraphs(
        parts[0],
        [](const Paragraph& p) {
          for (const auto& [name, value] : p.fields) {
            value_lines(value);
            value_words(value);
          }
        },
        "Packages");
  });
  rt::fuzz::typed_errors_only([&] {
    Index index;
    index.add(parts[0], "bookworm", "Packages");
    if (const Package* p = index.candidate(parts[1])) {
      for (const std::string* field : {&p->pre_depends, &p->depends, &p->provides})
        rt::fuzz::typed_errors_only([&] {
          for (const auto& group : parse_relations(*field, "Depends"))
            group_str(group);
        });
    }
    index.providers(parts[1]);
  });
  rt::fuzz::typed_errors_only([&] {
    int ab = compare_versions(parts[2], parts[3]);
    int ba = compare_versions(parts[3], parts[2]);
    if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) {
      std::fprintf(stderr, "fuzz: compare_versions is not antisymmetric\n");
      std::abort();
    }
  });
  rt::fuzz::typed_errors_only([&] {
    for (const auto& group : parse_relations(parts[2], "Depends"))
      group_str(group);
  });
  const std::string& dir = rt::fuzz::scratch_dir();
  rt::fuzz::write_file(dir + "/recipe.json", parts[4]);
  rt::fuzz::typed_errors_only([&] {
    Recipe recipe = load_recipe(dir + "/recipe.json");
    recipe_inputs(recipe);
  });
  rt::fuzz::typed_errors_only([&] { Lock::parse(parts[5], "base.lock.json"); });
  return 0;
}

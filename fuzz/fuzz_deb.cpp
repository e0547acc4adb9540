// A .deb from a mirror (base build reads them after their SHA-256 matched the lock, but the lock
// came from an index that came from outside): ar, control.tar and data.tar in any compression.
// Nothing may be written outside the staging directory, whose files are named by number.
#include "fuzz_support.hpp"

#include "debian/deb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rt::fuzz::quiet_logs();
  const std::string& dir = rt::fuzz::scratch_dir();
  std::string staging = dir + "/staging";
  std::filesystem::remove_all(staging);
  std::filesystem::create_directories(staging);
  rt::fuzz::write_file(dir + "/p.deb", std::string_view(reinterpret_cast<const char*>(data), size));
  rt::fuzz::typed_errors_only([&] {
    auto contents = rt::debian::read_deb(dir + "/p.deb", staging, "p.deb");
    for (const auto& e : contents.entries)
      if (!e.path.empty())
        if (e.path.front() == '/' || e.path == ".." || e.path.starts_with("../") ||
            e.path.find("/../") != std::string::npos || e.path.ends_with("/..")) {
          std::fprintf(stderr, "fuzz: read_deb kept an entry that escapes: %s\n", e.path.c_str());
          std::abort();
        }
  });
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename();
    if (name != "staging" && name != "p.deb") {
      std::fprintf(stderr, "fuzz: read_deb wrote outside its staging directory: %s\n",
                   name.c_str());
      std::abort();
    }
  }
  return 0;
}

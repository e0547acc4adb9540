#pragma once
// Shared by the fuzz targets (one per reader of outside data, run by scripts/fuzz.sh).
// The rule every target follows: the project's typed errors (rt::Error: InputError,
// RuntimeError, RegistryError) are the expected answer to bad input; anything else (a crash, a
// sanitizer report, an exception of another type, a timeout, memory past -rss_limit_mb) is a
// finding.
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/log_reset.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unistd.h>
#include <vector>

namespace rt::fuzz {

// The input split at NUL bytes into at most `max_parts` parts; the last part keeps any further
// NULs. Parts that are missing are empty, so every target sees exactly max_parts parts.
inline std::vector<std::string> split_parts(const uint8_t* data, size_t size, size_t max_parts) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    size_t nul = in.find('\0');
    if (nul == std::string_view::npos) break;
    parts.emplace_back(in.substr(0, nul));
    in.remove_prefix(nul + 1);
  }
  parts.emplace_back(in);
  parts.resize(max_parts);
  return parts;
}

// The lines of text, without their '\n'.
inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return lines;
}

// Runs body(); an rt::Error is a normal outcome. Any other exception is reported with its type
// and message, then aborts, which libFuzzer records as a crash with the input that caused it.
template <typename Body> void typed_errors_only(Body&& body) {
  try {
    body();
  } catch (const rt::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: uncaught %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: uncaught exception of an unknown type\n");
    std::abort();
  }
}

// A directory of this process for files the code under test reads or writes (on tmpfs when
// /dev/shm exists: the disk is spared). Removed when the process exits normally.
inline const std::string& scratch_dir() {
  struct Scratch {
    std::string path;
    Scratch() {
      std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
      path = base + "/rt-fuzz-" + std::to_string(getpid());
      std::filesystem::remove_all(path);
      std::filesystem::create_directories(path);
    }
    ~Scratch() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Scratch scratch;
  return scratch.path;
}

// Writes data to path, replacing it.
inline void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Once per process: only warnings and errors on stderr (info lines would drown libFuzzer's).
inline void quiet_logs() {
  static bool done = (log::set_level(log::Level::quiet), true);
  (void)done;
}

} // namespace rt::fuzz

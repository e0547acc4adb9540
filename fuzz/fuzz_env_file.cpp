// --build-arg-file: the .env reader (docker compose's format).
#include "fuzz_support.hpp"

#include "build/env_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rt::fuzz::typed_errors_only([&] { rt::build::parse_env_file(text, ".env"); });
  return 0;
}

// Shell-word expansion (BuildKit's lexer) on its own. Input: the word, then NUL-separated
// "NAME=VALUE" lines for the variables in scope; the word is expanded with '\\' and with '`' as
// the escape character, in every form the builder uses.
#include "fuzz_support.hpp"

#include "dockerfile/expand.hpp"

using namespace rt::dockerfile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = rt::fuzz::split_parts(data, size, 2);
  const std::string& word = parts[0];
  VarMap vars;
  for (const auto& line : rt::fuzz::split_lines(parts[1])) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (char escape : {'\\', '`'}) {
    rt::fuzz::typed_errors_only([&] { expand_word(word, vars, escape, "Dockerfile", 1); });
    rt::fuzz::typed_errors_only([&] { expand_words(word, vars, escape, "Dockerfile", 1); });
    rt::fuzz::typed_errors_only(
        [&] { expand_keeping_quotes(word, vars, escape, "Dockerfile", 1); });
    rt::fuzz::typed_errors_only([&] { split_raw_words(word, escape); });
  }
  rt::fuzz::typed_errors_only([&] { expand_heredoc(word, vars, "Dockerfile", 1); });
  return 0;
}

#pragma once
// Bounds on what a Dockerfile can make the builder do: nesting, the size of any expanded word,
// and the total expansion work of a build. Real Dockerfiles stay orders of magnitude below them;
// a hostile one gets "Dockerfile:LINE: ..." (exit 2) instead of a crash or a runaway.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace rt::dockerfile {

// ${...} inside ${...} ("${A:-${B:-x}}"): the lexer recurses once per level.
constexpr int kMaxExpansionNesting = 64;
// What expansion may add to a word (and to any ${...} operand on the way): 1 MiB beyond the
// length of the text as written, so a long heredoc body is not refused for its own size.
constexpr size_t kMaxWordBytes = size_t{1} << 20;
// Per build: bytes produced by variable references plus pattern-matching steps of
// ${VAR#pat}, ${VAR%pat} and ${VAR/pat/rep}: 64 Mi units (well under a second of work).
constexpr uint64_t kMaxExpansionWork = uint64_t{64} << 20;

// A lexer failure with BuildKit's wording; the caller adds "file:line: failed to process ...".
struct LexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The expansion work left to a build (or to a single call, when no build shares one). Not
// thread-safe; one per build.
class ExpansionBudget {
public:
  // Counts `units` of work. Throws LexError once the build's total exceeds kMaxExpansionWork.
  void charge(uint64_t units) {
    used_ += units;
    if (used_ > kMaxExpansionWork)
      throw LexError("variable expansion exceeds its limit for a build (64 Mi bytes and "
                     "pattern steps): a Dockerfile that doubles variables or matches patterns "
                     "against huge values");
  }
  uint64_t used() const { return used_; }

private:
  uint64_t used_ = 0;
};

// Throws LexError if `bytes`, the size of a word being built from `written` bytes of text, is
// past kMaxWordBytes more than that.
inline void check_word_size(size_t bytes, size_t written) {
  if (bytes > written + kMaxWordBytes)
    throw LexError("variable expansion makes a word " + std::to_string(bytes) +
                   " bytes long (the limit is 1 MiB more than its text)");
}

} // namespace rt::dockerfile

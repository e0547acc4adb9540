#pragma once
// Path patterns as Docker understands them: Go's path.Match for COPY/ADD source globs, and
// moby/patternmatcher rules for .dockerignore.
#include <string>
#include <string_view>
#include <vector>

namespace rt::build {

// Go's path.Match: '*' matches any run of non-'/' characters, '?' one non-'/' character,
// '[...]' a class with ranges and '^' negation ('!' is an ordinary member, as in Go), '\\'
// escapes the next character. The whole path must match. Returns false on no match; throws
// InputError naming the pattern if the pattern is malformed (e.g. unterminated '[').
bool glob_match(std::string_view pattern, std::string_view path);

// True if s contains a glob metacharacter (* ? [ or backslash), i.e. a COPY source that must be
// expanded rather than taken literally.
bool has_glob_meta(std::string_view s);

// Go's filepath.Clean on a '/'-separated path: collapses "//", drops "." elements, resolves
// "x/.." lexically, drops a trailing '/'. Returns "." for an empty result.
std::string clean_path(std::string_view path);

// The exclusion rules of a build context's .dockerignore, with moby/patternmatcher semantics as
// used by BuildKit's context walker (see dockerignore.cpp for the details reproduced).
class DockerIgnore {
public:
  DockerIgnore(); // matches nothing

  // Parses .dockerignore text. Throws InputError "file:line: ..." on a malformed pattern or a
  // bare "!".
  static DockerIgnore parse(std::string_view text, const std::string& file);
  // Reads CONTEXT/.dockerignore; returns an empty matcher if there is none. Throws
  // RuntimeError if it exists but cannot be read, InputError if it is malformed.
  static DockerIgnore load(const std::string& context_dir);

  // True if the path must be left out of the build context. path: relative to the context
  // root, '/'-separated, no leading "./" or "/". The context root itself is never excluded.
  bool excluded(std::string_view path) const;

  // True if some exception ('!') pattern could re-include something strictly below dir, so a
  // walker that finds dir excluded must still descend into it instead of pruning it.
  bool may_reinclude_below(std::string_view dir) const;

  // True if no pattern was given (nothing is excluded).
  bool empty() const;

  // Out of line because Pattern is only defined in dockerignore.cpp.
  ~DockerIgnore();
  DockerIgnore(const DockerIgnore&);
  DockerIgnore(DockerIgnore&&) noexcept;
  DockerIgnore& operator=(const DockerIgnore&);
  DockerIgnore& operator=(DockerIgnore&&) noexcept;

  // One compiled line; defined in dockerignore.cpp.
  struct Pattern;

private:
  std::vector<Pattern> patterns_;
};

} // namespace rt::build

#pragma once
// The version of the next release candidate when `rc` gets no --version, as
// the users' pipeline computes it (cocogitto's next-version): the last final
// release tag, the conventional commits since it, then "-rc.N" one past the
// highest rc of that version already in the registry.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::release {

// MAJOR.MINOR.PATCH with an optional pre-release ("rc.2"); an optional leading
// "v" is accepted and kept out of the numbers.
struct SemVer {
  long major = 0, minor = 0, patch = 0;
  std::string pre; // "" for a final release
  // nullopt unless `text` is [v]N.N.N[-PRE] with numbers without leading zeros.
  static std::optional<SemVer> parse(std::string_view text);
  std::string core() const; // "0.42.0"
  friend bool operator==(const SemVer&, const SemVer&) = default;
};

enum class Bump { none, patch, minor, major };

// What one commit message calls for, by the Conventional Commits spec: a
// "!" before the ':' of the type/scope, or a "BREAKING CHANGE:" /
// "BREAKING-CHANGE:" footer → major; type "feat" → minor; "fix" or "perf" →
// patch; anything else (docs, chore, ci, merge commits, free text) → none.
Bump commit_bump(std::string_view message);

// The version after `last` for `bump`. Below 1.0.0 (major version zero) a
// breaking change bumps the minor and a feature the minor too, a fix the
// patch: 0.41.3 + major → 0.42.0, never 1.0.0 by itself (going to 1.0 is a
// decision, taken with --version).
SemVer bumped(const SemVer& last, Bump bump);

// N of "-rc.N" for `version`: one past the highest N of the tags
// "<version>-rc.N" in `tags` (1 when there is none).
long next_rc_number(const std::vector<std::string>& tags, const SemVer& version);

// From the git checkout at `dir`: the highest final (no pre-release) semver
// tag reachable from HEAD, and the bump the commits since it call for (all
// commits when there is none; the first release is then 0.1.0 for a feat or
// fix, as from 0.0.0). Throws RuntimeError when no commit since the last
// release is release-worthy ("no feat, fix, perf or breaking commit since
// 0.41.0: nothing to release").
struct NextRelease {
  std::string last_tag; // "" when none
  SemVer version;       // without pre-release
  Bump bump = Bump::none;
  size_t commits = 0; // since the last tag
};
NextRelease next_release(const std::string& dir);

} // namespace rt::release

// The next rc version from conventional commits (release/next_version.hpp).
#include "release/next_version.hpp"

#include <catch2/catch.hpp>

using namespace rt::release;

TEST_CASE("SemVer::parse", "[next_version]") {
  CHECK(SemVer::parse("0.42.0") == SemVer{0, 42, 0, ""});
  CHECK(SemVer::parse("v1.2.3-rc.4") == SemVer{1, 2, 3, "rc.4"});
  CHECK_FALSE(SemVer::parse("1.2"));
  CHECK_FALSE(SemVer::parse("01.2.3"));
  CHECK_FALSE(SemVer::parse("1.2.3-"));
  CHECK_FALSE(SemVer::parse("1.2.x"));
  CHECK_FALSE(SemVer::parse("latest"));
}

TEST_CASE("commit_bump", "[next_version]") {
  CHECK(commit_bump("feat: a") == Bump::minor);
  CHECK(commit_bump("feat(api): a\n\nbody") == Bump::minor);
  CHECK(commit_bump("fix: a") == Bump::patch);
  CHECK(commit_bump("perf(db): a") == Bump::patch);
  CHECK(commit_bump("feat!: a") == Bump::major);
  CHECK(commit_bump("refactor(core)!: a") == Bump::major);
  CHECK(commit_bump("fix: a\n\nBREAKING CHANGE: the flag is gone") == Bump::major);
  CHECK(commit_bump("fix: a\n\nBREAKING-CHANGE: x") == Bump::major);
  CHECK(commit_bump("docs: a") == Bump::none);
  CHECK(commit_bump("chore: a\n\nnot BREAKING CHANGE: inline") == Bump::none);
  CHECK(commit_bump("Merge branch 'main'") == Bump::none);
  CHECK(commit_bump("feat (api): spaced type") == Bump::none);
  CHECK(commit_bump("") == Bump::none);
}

TEST_CASE("bumped", "[next_version]") {
  CHECK(bumped({1, 2, 3, ""}, Bump::major) == SemVer{2, 0, 0, ""});
  CHECK(bumped({1, 2, 3, ""}, Bump::minor) == SemVer{1, 3, 0, ""});
  CHECK(bumped({1, 2, 3, ""}, Bump::patch) == SemVer{1, 2, 4, ""});
  // Major version zero: a breaking change bumps the minor.
  CHECK(bumped({0, 41, 3, ""}, Bump::major) == SemVer{0, 42, 0, ""});
  CHECK(bumped({0, 41, 3, ""}, Bump::minor) == SemVer{0, 42, 0, ""});
  CHECK(bumped({0, 41, 3, ""}, Bump::patch) == SemVer{0, 41, 4, ""});
  CHECK(bumped({0, 0, 0, ""}, Bump::patch) == SemVer{0, 0, 1, ""});
}

TEST_CASE("next_rc_number", "[next_version]") {
  SemVer v{0, 42, 0, ""};
  CHECK(next_rc_number({}, v) == 1);
  CHECK(next_rc_number({"0.42.0-rc.1", "0.42.0-rc.10", "0.42.0-rc.9", "edge", "0.41.0-rc.12",
                        "0.42.0-rc.x", "0.42.0-rc.01", "0.42.0"},
                       v) == 11);
}

#!/usr/bin/env bash
# `rc` without --version computes the next version as cocogitto does: the last
# final release tag reachable from HEAD, the conventional commits since it
# (feat → minor, fix/perf → patch, '!' or a BREAKING CHANGE footer → major, a
# minor below 1.0), then "-rc.N" one past the highest X.Y.Z-rc.N tag of the
# first image in the registry:
#   - only docs/chore commits since 0.41.0: exit 1 saying nothing is to release,
#     nothing pushed;
#   - fix → 0.41.1-rc.1; the same again → 0.41.1-rc.2 (rc.1 is in the registry);
#   - feat → 0.42.0-rc.1; a breaking change below 1.0 → still 0.42.0 (rc.2);
#   - after a final 1.2.3, a BREAKING CHANGE footer → 2.0.0-rc.1;
#   - --describe keeps `git describe` as an explicit choice.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

release_checkout
release_bases
release_registry
release_flags "$SRC" "$REG"
export XDG_CACHE_HOME=$T/cache
commit() { git -C "$SRC" -c user.name=T -c user.email=t@example.invalid commit -q --allow-empty -m "$1"; }
next_is() { # VERSION WHAT : rc picks VERSION now
  assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --image lana-bank --digests-file "$T/d.json"
  assert_eq "$1" "$(jq -r .version "$T/d.json")" "$2"
}

git -C "$SRC" tag 0.41.0
commit "docs: the readme"
commit "chore(deps): bump"
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --image lana-bank
assert_contains "$ERR" "no feat, fix, perf or breaking commit since 0.41.0 (2 commits): nothing to release" "nothing to release"
assert_eq "" "$(tags_of "$REG" galoyorg/lana-bank)" "nothing pushed"
pass "no release-worthy commit: exit 1, nothing pushed"

commit "fix(api): a bug"
next_is 0.41.1-rc.1 "after a fix"
assert_contains "$ERR" "since 0.41.0 call for a patch bump" "says why"
next_is 0.41.1-rc.2 "the next rc of the same version"
commit "feat: a feature"
next_is 0.42.0-rc.1 "after a feat"
commit "refactor(core)!: drop the old flag"
next_is 0.42.0-rc.2 "a breaking change below 1.0 bumps the minor"
assert_eq "0.41.1-rc.1 0.41.1-rc.2 0.42.0-rc.1 0.42.0-rc.2 edge" "$(tags_of "$REG" galoyorg/lana-bank)" "tags pushed"
git -C "$SRC" tag 1.2.3
commit $'fix: the parser\n\nBREAKING CHANGE: the old syntax is gone'
next_is 2.0.0-rc.1 "a BREAKING CHANGE footer after 1.2.3"
pass "fix, feat, breaking (below and above 1.0), rc.N from the registry"

assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --image lana-bank --describe --digests-file "$T/d.json"
assert_eq "1.2.3-1-g$(git -C "$SRC" rev-parse --short HEAD)" "$(jq -r .version "$T/d.json")" "--describe"
pass "--describe: git describe"

pass "038-release-next-version"

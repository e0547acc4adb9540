#!/usr/bin/env bash
# `release-tool base lock` against a Debian archive this test makes (dpkg-deb,
# apt-ftparchive, a test key signing InRelease) served on 127.0.0.1:
#   - bad input first, each exit 2 with RECIPE:LINE:COL: an unknown package, an
#     unsatisfiable versioned dependency, a package pulling in an excluded one,
#     an excluded package asked for, a conflict, an architecture the suite
#     lacks, a component it lacks, malformed JSON, an unknown key;
#   - an InRelease signed by a key outside the keyring, or altered: exit 1;
#   - the lock: the closure (Pre-Depends, alternatives, versioned constraints
#     met from the newer suite, a virtual package through Provides, a skipped
#     debconf), per architecture, with version, suite, filename, size, sha256
#     equal to the archive's; written atomically, the same bytes when run again.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/deb_archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/deb_archive.sh"
rt_setup
make_test_archive
start_deb_server
FLAGS=(--mirror "$ARCHIVE_URL" --keyring "$KEYRING")
SOURCES='[{"suite": "stable"}, {"suite": "stable-security"}]'
R=$T/r.json

# lock_fails EXIT WANT PACKAGES [EXTRA]: the recipe with PACKAGES is refused with WANT.
lock_fails() {
  write_recipe "$R" "$SOURCES" "$3" "${4:-}"
  assert_exit "$1" "$RT_BIN" base lock "${FLAGS[@]}" "$R"
  assert_contains "$ERR" "$2"
  [[ ! -e $T/r.lock.json ]] || fail "a lock was written although locking failed"
}

# --- bad input: exit 2, located ----------------------------------------------
lock_fails 2 "r.json:5:25: nope (amd64): no such package in the recipe's suites" '["hello", "nope"]'
lock_fails 2 "r.json:5:16: wants-new (amd64): wants-new depends on 'libhello (>= 3.0)', which nothing satisfies (the suites have libhello 1.2)" '["wants-new"]'
lock_fails 2 "r.json:5:16: needs-perl (amd64): needs-perl depends on 'perl', and the recipe excludes perl (line 6:15)" '["needs-perl"]'
lock_fails 2 "r.json:5:16: perl (amd64): the recipe also excludes it (line 6:15)" '["perl"]'
lock_fails 2 "r.json:5:25: conflicter (amd64): conflicter conflicts with tinymail ('tinymail'), which hello brings in" '["hello", "conflicter"]'
pass "unknown, unsatisfiable, excluded and conflicting packages: exit 2 at RECIPE:LINE:COL"

cat >"$R" <<'JSON'
{
  "name": "test",
  "sources": [{"suite": "stable"}],
  "architectures": ["amd64",
                    "riscv64"],
  "packages": ["hello"]
}
JSON
assert_exit 2 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "r.json:5:21: suite stable has no architecture riscv64 (it has: amd64 arm64)"
sed -i 's/{"suite": "stable"}/{"suite": "stable", "components": ["main", "contrib"]}/; s/\["amd64",$/["amd64"],/; /riscv64/d' "$R"
assert_exit 2 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "r.json:3:15: suite stable has no component contrib"
printf '{"name": "t", "sources": [{"suite": "stable"}], "architectures": ["amd64"],\n "packages": ["hello"], "package": 1}\n' >"$R"
assert_exit 2 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "r.json:2:25: unknown key 'package' in the recipe"
printf '{"name": "t", "sources": [{"suite": "stable"}],\n "architectures": ["amd64"] "packages": []}\n' >"$R"
assert_exit 2 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "r.json:2:29:"
write_recipe "$R" '[{"suite": "nosuch"}]' '["hello"]'
assert_exit 1 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "InRelease of nosuch: HTTP 404"
pass "missing architecture or component, malformed recipe: located; a missing suite: exit 1"

# --- the signature ----------------------------------------------------------------
write_recipe "$R" "$SOURCES" '["hello"]'
assert_exit 1 "$RT_BIN" base lock --mirror "$ARCHIVE_URL" --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$R"
assert_contains "$ERR" "InRelease of stable from http://127.0.0.1:"
assert_contains "$ERR" "the signature does not verify against /usr/share/keyrings/debian-archive-keyring.gpg"
cp "$ARCHIVE/dists/stable/InRelease" "$T/InRelease.good"
sed -i 's/^Date: .*/Date: Sun, 02 Jan 2000 00:00:00 UTC/' "$ARCHIVE/dists/stable/InRelease"
assert_exit 1 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
assert_contains "$ERR" "the signature does not verify"
cp "$T/InRelease.good" "$ARCHIVE/dists/stable/InRelease"
[[ ! -e $T/r.lock.json ]] || fail "a lock was written from an unverified InRelease"
pass "InRelease signed by a key outside the keyring, or altered: exit 1, no lock"

# --- the lock ----------------------------------------------------------------------
assert_exit 0 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
LOCK=$T/r.lock.json
assert_contains "$OUT" "test amd64: 4 packages"
assert_contains "$OUT" "test arm64: 4 packages"
assert_eq "base-files 1.0 all stable
hello 1.0 amd64 stable
libhello 1.2 all stable-security
tinymail 1.0 all stable" \
  "$(jq -r '.packages.amd64[] | "\(.name) \(.version) \(.architecture) \(.suite)"' "$LOCK")" "the closure"
assert_eq "hello 1.0 arm64" "$(jq -r '.packages.arm64[] | select(.name == "hello") | "\(.name) \(.version) \(.architecture)"' "$LOCK")"
# Every field as the archive's index says.
while read -r name file size sha; do
  deb=$ARCHIVE/$file
  assert_eq "$size" "$(stat -c %s "$deb")" "size of $name"
  assert_eq "$sha" "$(sha256sum "$deb" | cut -d' ' -f1)" "sha256 of $name"
done < <(jq -r '.packages[][] | "\(.name) \(.filename) \(.size) \(.sha256)"' "$LOCK")
assert_eq "stable stable-security" "$(jq -r '[.sources[].suite] | join(" ")' "$LOCK")"
assert_eq "sha256:$(sha256sum "$ARCHIVE/dists/stable/InRelease" | cut -d' ' -f1)" \
  "$(jq -r '.sources[0].inrelease' "$LOCK")" "the InRelease resolved against"
cp "$LOCK" "$T/lock.1"
assert_exit 0 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
cmp -s "$LOCK" "$T/lock.1" || fail "locking again changed the lock"
pass "lock: closure with alternatives, versions, Provides; fields match the archive; stable bytes"

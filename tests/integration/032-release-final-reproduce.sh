#!/usr/bin/env bash
# `release-tool final --version 0.42.0` and `reproduce`:
#   - final on two different checkouts (clones at different paths, one made and
#     built under umask 077 with every mtime touched and — with libfaketime —
#     the clock set to 2031, different XDG_CACHE_HOME, --threads 1 vs the
#     default, pushing to two different registries) gives the
#     same four digests, all its inputs (commit, time, assets) taken from the
#     GitHub Release;
#   - `reproduce` says MATCH for all four and exits 0;
#   - after one image in the registry is replaced by a changed build (the
#     lana-bank image assembled from the same Dockerfile with one byte of
#     lana-cli changed), `reproduce` says DIFFER for it, names the differing file
#     (bin/lana-cli), still MATCH for the others, and exits 1; a tag replaced
#     by a build with another COMMITHASH is explained by the config field (Env).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # jq programs in single quotes; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

V=0.42.0
release_checkout "$T/origin"
release_bases
release_github "$V"
BUILDTIME=$(date -u -d "@$SRC_EPOCH" +%F-%T)

# Checkout A: a plain clone. Checkout B: elsewhere, deeper, cloned and built
# under umask 077, every file's mtime moved, its own cache.
git clone -q "$T/origin" "$T/a"
mkdir -p "$T/elsewhere/deeper"
(umask 077 && git clone -q "$T/origin" "$T/elsewhere/deeper/b")
find "$T/elsewhere/deeper/b" -exec touch -h -d "2031-02-03 04:05:06" {} +
assert_eq 700 "$(stat -c %a "$T/elsewhere/deeper/b/examples")" "umask 077 in checkout B"
assert_eq "$(git -C "$T/a" rev-parse HEAD)" "$(git -C "$T/elsewhere/deeper/b" rev-parse HEAD)" "same commit"

release_registry
REG_A=$REG
release_flags "$T/a" "$REG_A"
FLAGS_A=("${RFLAGS[@]}")
assert_exit 0 env XDG_CACHE_HOME="$T/cache-a" "$RT_BIN" final "${FLAGS_A[@]}" --version "$V" \
  --digests-file "$T/a.json"
assert_contains "$OUT" "$REG_A/galoyorg/lana-bank:$V" "final table"
assert_eq $'VERSION='"$V"$'\nCOMMITHASH='"$SRC_SHA"$'\nBUILDTIME='"$BUILDTIME" "$(<"$T/a/.env")" ".env of final: all from GitHub"
assert_eq "$V final $SRC_SHA 4" "$(jq -r '"\(.version) \(.mode) \(.commit) \(.images | length)"' "$T/a.json")" "digests file of final"
cmp -s "$T/a/examples/lana-bank/binaries/lana-cli" "$ASSETS/lana-cli" || fail "final did not put the release's lana-cli into the context"
# In the context, the program is executable, the tarballs are not (COPY keeps an execute bit).
assert_eq 755 "$(stat -c %a "$T/a/examples/lana-bank/binaries/lana-cli")" "mode of lana-cli in the context"
for tarball in admin-panel customer-portal lana-dw; do
  cmp -s "$T/a/examples/lana-bank/release-assets/$tarball.tar.gz" "$ASSETS/$tarball.tar.gz" ||
    fail "final did not put $tarball.tar.gz into the context"
  assert_eq 644 "$(stat -c %a "$T/a/examples/lana-bank/release-assets/$tarball.tar.gz")" "mode of $tarball.tar.gz in the context"
done

release_registry
REG_B=$REG
release_flags "$T/elsewhere/deeper/b" "$REG_B"
FLAGS_B=("${RFLAGS[@]}")
# Another clock too, where libfaketime is installed (Debian package faketime).
CLOCK=()
if command -v faketime >/dev/null; then
  # An AddressSanitizer build (scripts/test.sh) refuses a library preloaded
  # before its runtime unless told that this one is fine.
  CLOCK=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    faketime "2031-06-01 12:00:00")
  assert_eq 2031-06-01 "$("${CLOCK[@]}" date -u +%F)" "faketime works"
else
  echo "note: faketime is not installed; checkout B runs on the real clock" >&2
fi
(
  umask 077
  cd "$T/elsewhere"
  assert_exit 0 "${CLOCK[@]}" env XDG_CACHE_HOME="$T/elsewhere/cache-b" "$RT_BIN" final "${FLAGS_B[@]}" \
    --version "$V" --threads 1 --digests-file "$T/b.json"
)
same_digests() { jq -c '[.images[] | {name, tags, digest}]' "$1"; }
assert_eq "$(same_digests "$T/a.json")" "$(same_digests "$T/b.json")" "the four digests of two checkouts"
for name in "${RELEASE_IMAGES[@]}"; do
  assert_eq "$(digest_of "$REG_A/galoyorg/$name:$V")" "$(digest_of "$REG_B/galoyorg/$name:$V")" "$name in both registries"
done
# The image carries the release's values, not the checkout's clock.
skopeo inspect --tls-verify=false "docker://$REG_A/galoyorg/lana-bank:$V" >"$T/inspect.json"
assert_eq 1 "$(jq --arg b "BUILDTIME=$BUILDTIME" '[.Env[] | select(. == $b)] | length' "$T/inspect.json")" "BUILDTIME of final"
assert_eq "$(date -u -d "@$SRC_EPOCH" +%FT%TZ)" "$(jq -r .Created "$T/inspect.json")" "created of final"
pass "final on two checkouts (paths, umask, mtimes, clocks, caches, threads): the same four digests"

# --- reproduce ----------------------------------------------------------------------
# From a third, empty cache and the other checkout's flags (registry A): rebuilt
# from GitHub artifacts only, nothing pushed.
BEFORE=$(registry_state "$REG_A")
assert_exit 0 env XDG_CACHE_HOME="$T/cache-c" "$RT_BIN" reproduce "${FLAGS_A[@]}" --version "$V"
for name in "${RELEASE_IMAGES[@]}"; do
  [[ $OUT =~ (^|$'\n')$name\ +MATCH\  ]] || fail "reproduce: no MATCH row for $name in:"$'\n'"$OUT"
done
assert_not_contains "$OUT" "DIFFER" "reproduce of an untouched release"
assert_eq "$BEFORE" "$(registry_state "$REG_A")" "reproduce pushes nothing"
pass "reproduce: MATCH for all four, exit 0"

# --- one image replaced by a changed build --------------------------------------------
# The lana-bank image assembled from the same Dockerfile.release stage, with a
# lana-cli one byte longer served for the release URL; the same labels.
CHANGED=$T/changed
mkdir -p "$CHANGED"
cp "$ASSETS/lana-cli" "$CHANGED/lana-cli"
printf '\0' >>"$CHANGED/lana-cli"
release_github_config "$V" '.repos["GaloyMoney/lana-bank"].releases[0].assets[0].file = $f' \
  --arg f "$CHANGED/lana-cli" >"$T/github-changed.json"
GOOD_API=$GITHUB_API_URL
start_fake_github "$T/github-changed.json"
assert_exit 0 env XDG_CACHE_HOME="$T/cache-d" "$RT_BIN" final "${FLAGS_A[@]}" --version "$V" \
  --image lana-bank --digests-file "$T/changed.json"
assert_ne "$(jq -r '.images[0].digest' "$T/a.json")" "$(digest_of "$REG_A/galoyorg/lana-bank:$V")" "lana-bank:$V replaced"

export GITHUB_API_URL=$GOOD_API
assert_exit 1 env XDG_CACHE_HOME="$T/cache-c" "$RT_BIN" reproduce "${FLAGS_A[@]}" --version "$V"
[[ $OUT =~ (^|$'\n')lana-bank\ +DIFFER\  ]] || fail "reproduce: no DIFFER row for lana-bank in:"$'\n'"$OUT"
for name in lana-bank-admin-panel lana-bank-customer-portal dagster-code-location-lana-dw; do
  [[ $OUT =~ (^|$'\n')$name\ +MATCH\  ]] || fail "reproduce: no MATCH row for $name in:"$'\n'"$OUT"
done
assert_contains "$OUT" "bin/lana-cli" "the differing file named"
assert_contains "$OUT" "$(stat -c %s "$ASSETS/lana-cli")" "the rebuilt size"
assert_contains "$OUT" "$(stat -c %s "$CHANGED/lana-cli")" "the registry's size"
assert_contains "$OUT" "$(jq -r '.images[0].digest' "$T/changed.json")" "the registry's digest in the table"
assert_contains "$OUT" "$(jq -r '.images[0].digest' "$T/a.json")" "the rebuilt digest in the table"
pass "reproduce after a changed build: DIFFER naming bin/lana-cli, exit 1"

# A changed config only: another COMMITHASH through --build-arg (after .env).
assert_exit 0 env XDG_CACHE_HOME="$T/cache-a" "$RT_BIN" final "${FLAGS_A[@]}" --version "$V" \
  --image lana-bank --build-arg COMMITHASH=0000000
assert_exit 1 env XDG_CACHE_HOME="$T/cache-c" "$RT_BIN" reproduce "${FLAGS_A[@]}" --version "$V" \
  --image lana-bank
[[ $OUT =~ (^|$'\n')lana-bank\ +DIFFER\  ]] || fail "reproduce: no DIFFER row for lana-bank in:"$'\n'"$OUT"
assert_contains "$OUT" "COMMITHASH" "the differing config field named"
assert_contains "$OUT" "0000000" "the registry's value"
assert_contains "$OUT" "$SRC_SHA" "the rebuilt value"
pass "reproduce after a changed config: DIFFER naming the Env field, exit 1"

pass "032-release-final-reproduce"

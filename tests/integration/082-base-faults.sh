#!/usr/bin/env bash
# `release-tool base build` when the mirror or a .deb is wrong: exit 1 naming
# the package, and the cache never holds a partial or wrong file:
#   - a download cut in the middle (every attempt), a 404, a .deb of another
#     size, a .deb with a byte of its data.tar changed (same size);
#   - a cache entry damaged after it was fetched is fetched again;
#   - .debs whose data.tar holds "../", an absolute path, a device node: refused,
#     nothing written outside the layer, no output.
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
FLAGS=(--mirror "$ARCHIVE_URL" --keyring "$KEYRING" --cache-dir "$T/cache")
R=$T/r.json
write_recipe "$R" '[{"suite": "stable"}, {"suite": "stable-security"}]' '["hello"]'
assert_exit 0 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
DEB=$ARCHIVE/pool/stable/hello_1.0_amd64.deb
SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
cp "$DEB" "$T/hello.deb.good"

# build_fails WANT: exit 1 naming hello, no blob for it, no stray file, no output.
build_fails() {
  assert_exit 1 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img" "$R"
  assert_contains "$ERR" "package hello 1.0 (amd64)"
  assert_contains "$ERR" "$1"
  [[ ! -e $T/cache/blobs/sha256/$SHA ]] || fail "a bad download became a cache entry"
  [[ -z $(find "$T/cache/blobs" -name '*.tmp*' -o -name '.*' -type f) ]] || fail "a temporary file was left in the cache"
  [[ ! -e $T/img ]] || fail "a failed build wrote its output"
}

touch "$DEB.cut"
build_fails "transfer closed with $(($(stat -c %s "$DEB") - $(stat -c %s "$DEB") / 2)) bytes remaining"
[[ $(grep -c "GET /pool/stable/hello_1.0_amd64.deb cut" "$DEB_LOG") -ge 2 ]] || fail "a cut download was not retried"
rm "$DEB.cut"
pass "download cut in the middle: retried, then exit 1; nothing cached"

mv "$DEB" "$T/hello.deb.away"
build_fails "HTTP 404 from $ARCHIVE_URL/pool/stable/hello_1.0_amd64.deb"
pass "404: exit 1 naming the package and URL"

cat "$T/hello.deb.good" "$T/hello.deb.good" >"$DEB"
build_fails "more than the expected $(stat -c %s "$T/hello.deb.good") bytes"
pass "a .deb of another size: exit 1"

# One byte changed inside data.tar (the last member of the ar archive), size unchanged.
cp "$T/hello.deb.good" "$DEB"
size=$(stat -c %s "$DEB")
printf '\xff' | dd of="$DEB" bs=1 seek=$((size - 40)) conv=notrunc status=none
build_fails "digest mismatch: the lock says sha256:$SHA"
pass "a tampered data.tar: exit 1, nothing cached"

cp "$T/hello.deb.good" "$DEB"
assert_exit 0 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img" "$R"
GOOD=$(tail -n 1 <<<"$OUT")
[[ -e $T/cache/blobs/sha256/$SHA ]] || fail "the good .deb was not cached"
# A cache entry edited afterwards is never used: it is fetched again.
printf 'x' | dd of="$T/cache/blobs/sha256/$SHA" bs=1 seek=100 conv=notrunc status=none
rm -rf "$T/img"
assert_exit 0 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img" "$R"
assert_eq "$GOOD" "$(tail -n 1 <<<"$OUT")" "digest after a damaged cache entry"
assert_contains "$ERR" "cached copy is damaged"
assert_eq "$SHA" "$(sha256sum "$T/cache/blobs/sha256/$SHA" | cut -d' ' -f1)" "cache entry fetched again"
pass "the mirror fixed: builds; a damaged cache entry is fetched again, same digest"

# --- hostile .debs ------------------------------------------------------------------------
mkdir -p "$T/jail"
for kind in dotdot abs dev; do
  write_recipe "$R" '[{"suite": "evil"}]' "[\"evil-$kind\"]"
  assert_exit 0 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
  (cd "$T/jail" && "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/evil-img" "$R" >"$T/out" 2>"$T/err") &&
    fail "evil-$kind was built"
  case $kind in
  dotdot) assert_contains "$(<"$T/err")" "data.tar holds the path './usr/../../escaped' with '..': refused" ;;
  abs) assert_contains "$(<"$T/err")" "data.tar holds the absolute path '/etc/escaped': refused" ;;
  dev) assert_contains "$(<"$T/err")" "data.tar holds dev/null, a device, fifo or socket: refused" ;;
  esac
  [[ ! -e $T/evil-img && ! -e /etc/escaped && ! -e $T/escaped && -z $(ls -A "$T/jail") ]] ||
    fail "evil-$kind wrote something"
done
pass "data.tar with ../, an absolute path or a device: refused, nothing written"

#!/usr/bin/env bash
# assemble, the layer cache and outputs share blobs by hard links. A blob
# edited in place through an output (same inode as the cache's) must not be
# served by the cache again: the next run sees the stamp changed, rebuilds the
# layer, and every output, the edited one too, gets blobs that match their
# names. An unchanged rerun, or one after the outputs were removed, is a hit.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
head -c 300000 /dev/urandom >"$CTX/data.bin"
printf 'FROM scratch\nCOPY data.bin /\n' >"$CTX/Dockerfile"
CACHE=$XDG_CACHE_HOME/release-tool
blobs_match() { # LAYOUT : every blob's sha256 is its name
  local f
  for f in "$1"/blobs/sha256/*; do
    assert_eq "${f##*/}" "$(sha256sum <"$f" | cut -d' ' -f1)" "blob $f"
  done
}

assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out1:v1" "$CTX"
DIGEST=$OUT
layer=$(jq -r '.layers[0].digest' "$T/out1/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/out1/index.json" | cut -d: -f2)")
hex=${layer#sha256:}
assert_eq "$(stat -c %i "$CACHE/blobs/sha256/$hex")" "$(stat -c %i "$T/out1/blobs/sha256/$hex")" "the output's blob is the cache's (hard link)"

# A rerun after the output was removed (that changes the blob's ctime) is a hit.
rm -rf "$T/out1"
inode=$(stat -c %i "$CACHE/blobs/sha256/$hex")
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out1:v1" "$CTX"
assert_eq "$DIGEST" "$OUT"
assert_eq "$inode" "$(stat -c %i "$CACHE/blobs/sha256/$hex")" "the cache blob after a hit"
pass "the cache survives outputs being removed"

# Edit the output's blob in place: same inode, same size, one byte changed.
sleep 0.05
printf '!' | dd of="$T/out1/blobs/sha256/$hex" bs=1 seek=1000 conv=notrunc status=none
assert_ne "$hex" "$(sha256sum <"$CACHE/blobs/sha256/$hex" | cut -d' ' -f1)" "the cache is poisoned"

assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out2" --output "docker-archive:$T/out.tar" "$CTX"
assert_eq "$DIGEST" "$OUT"
blobs_match "$T/out2"
blobs_match "$CACHE"
skopeo copy -q "docker-archive:$T/out.tar" "oci:$T/from-archive:x"
blobs_match "$T/from-archive"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out1:v1" "$CTX"
blobs_match "$T/out1"
assert_eq "$(stat -c %i "$CACHE/blobs/sha256/$hex")" "$(stat -c %i "$T/out1/blobs/sha256/$hex")" "the edited output's blob is the cache's again"
umoci unpack --image "$T/out1:v1" "$T/unpacked" >/dev/null
cmp "$CTX/data.bin" "$T/unpacked/rootfs/data.bin" || fail "the unpacked file differs"
pass "a blob edited through an output is rebuilt, and no output gets the edited bytes"

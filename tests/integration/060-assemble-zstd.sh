#!/usr/bin/env bash
# assemble --compression: zstd layers (application/vnd.oci.image.layer.v1.tar+zstd)
# whose bytes do not depend on the thread count (1, 2, 8), read back by the zstd
# CLI and skopeo (inspect, copy); gzip stays the default; the level is part of
# the output; the layer cache keeps gzip and zstd apart; bad values and a
# docker-archive output with zstd are bad input (exit 2, nothing written);
# --version names both compressors.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

# ~11 MiB: text, seeded random bytes and both interleaved, so that the layer
# spans three 4 MiB zstd frames (and eleven 1 MiB gzip chunks).
mkdir -p "$T/ctx"
"$RT_PYTHON" - "$T/ctx" <<'EOF'
import os, random, sys
root = sys.argv[1]
rng = random.Random(60)
os.makedirs(f"{root}/data")
with open(f"{root}/data/log.txt", "wb") as f:
    f.write(b"".join(f"line {rng.randrange(10**6)} of a log\n".encode() for _ in range(200000)))
with open(f"{root}/data/random.bin", "wb") as f:
    f.write(rng.randbytes(3 << 20))
with open(f"{root}/data/mixed.bin", "wb") as f:
    f.write(b"".join(rng.randbytes(5000) + b"text " * 1000 for _ in range(350)))
with open(f"{root}/Dockerfile", "w") as f:
    f.write("FROM scratch\nCOPY data /data/\nCMD [\"/data/log.txt\"]\n")
EOF

# build NAME ARGS... : assemble with a fresh cache into oci:$T/NAME:t; sets D to the digest.
build() {
  local name=$1
  shift
  XDG_CACHE_HOME=$T/cache-$name assert_exit 0 "$RT_BIN" assemble "$@" --output "oci:$T/$name:t" "$T/ctx"
  D=$(tail -n 1 <<<"$OUT")
  assert_eq "$D" "$(skopeo inspect "oci:$T/$name:t" | jq -r .Digest)" "printed digest of $name"
}
layer_blob() { # LAYOUT : path of the single layer's blob
  local m
  m=$(skopeo inspect --raw "oci:$1:t")
  [[ $(jq '.layers | length' <<<"$m") == 1 ]] || fail "expected one layer in $1"
  echo "$1/blobs/sha256/$(jq -r '.layers[0].digest' <<<"$m" | cut -d: -f2)"
}

# --- zstd: the same bytes for 1, 2 and 8 threads ------------------------------------
build z1 --compression zstd --threads 1
Z=$D
build z2 --compression zstd --threads 2
assert_eq "$Z" "$D" "zstd, 2 threads"
build z8 --compression zstd --threads 8
assert_eq "$Z" "$D" "zstd, 8 threads"
build zl1 --compression zstd:1 --threads 2
assert_eq "$Z" "$D" "zstd is zstd:1"
pass "zstd layer digest independent of the thread count: $Z"

MT=$(skopeo inspect --raw "oci:$T/z1:t" | jq -r '.layers[0].mediaType')
assert_eq "application/vnd.oci.image.layer.v1.tar+zstd" "$MT" "zstd layer media type"
BLOB=$(layer_blob "$T/z1")
# The zstd CLI reads it (every frame, checksums verified) and the tar is the diff_id.
zstd -q -t "$BLOB" || fail "zstd -t rejects the layer"
DIFF=$(skopeo inspect --config --raw "oci:$T/z1:t" | jq -r '.rootfs.diff_ids[0]')
assert_eq "$DIFF" "sha256:$(zstd -q -dc "$BLOB" | sha256sum | cut -d' ' -f1)" "zstd -d output is the diff_id"
# Three frames: a 4 MiB chunk each, each starting with the zstd magic.
FRAMES=$("$RT_PYTHON" - "$BLOB" <<'EOF'
import sys
raw = open(sys.argv[1], "rb").read()
print(raw.count(b"\x28\xb5\x2f\xfd"))
EOF
)
((FRAMES >= 3)) || fail "expected at least 3 zstd frames, found $FRAMES"
zstd -q -dc "$BLOB" | tar -tf - >"$T/list"
assert_contains "$(cat "$T/list")" "data/mixed.bin" "the layer's tar lists the files"
pass "zstd layer: media type, zstd -t, diff_id, $FRAMES frames"

# skopeo reads the zstd image, copies it as is, and converts it to gzip with the same diff_id.
# (Debian's skopeo 1.9 prints no LayersData: the layer digest it lists is checked instead.)
assert_eq "sha256:$(basename "$BLOB")" "$(skopeo inspect "oci:$T/z1:t" | jq -r '.Layers[0]')" \
  "skopeo inspect reads the zstd image's layer"
skopeo copy -q --insecure-policy "oci:$T/z1:t" "oci:$T/skopeo-copy:t"
assert_eq "$Z" "$(skopeo inspect "oci:$T/skopeo-copy:t" | jq -r .Digest)" "skopeo copy keeps the zstd image"
skopeo copy -q --insecure-policy --dest-compress-format gzip "oci:$T/z1:t" "oci:$T/skopeo-gz:t"
assert_eq "$DIFF" "$(skopeo inspect --config --raw "oci:$T/skopeo-gz:t" | jq -r '.rootfs.diff_ids[0]')" \
  "skopeo's gzip conversion has the same diff_id"
pass "skopeo inspect and copy read the zstd image"

# --- gzip: the default, and the level is part of the output --------------------------
build g --threads 2
G=$D
assert_ne "$Z" "$G" "gzip and zstd images differ"
assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" \
  "$(skopeo inspect --raw "oci:$T/g:t" | jq -r '.layers[0].mediaType')" "default media type"
build g1 --compression gzip:1 --threads 1
assert_eq "$G" "$D" "the default is gzip:1"
build g6 --compression gzip:6
assert_ne "$G" "$D" "gzip:6 gives other bytes"
(($(stat -c %s "$(layer_blob "$T/g6")") < $(stat -c %s "$(layer_blob "$T/g")"))) ||
  fail "gzip:6 is not smaller than gzip:1"
assert_eq "$DIFF" "$(skopeo inspect --config --raw "oci:$T/g6:t" | jq -r '.rootfs.diff_ids[0]')" "same tar"
pass "gzip is the default (level 1); the level changes the bytes, not the tar"

# --- one cache, both codecs: each build gets its own layer ---------------------------
XDG_CACHE_HOME=$T/shared assert_exit 0 "$RT_BIN" assemble --output "oci:$T/s-gz:t" "$T/ctx"
assert_eq "$G" "$(tail -n 1 <<<"$OUT")" "gzip into a shared cache"
XDG_CACHE_HOME=$T/shared assert_exit 0 "$RT_BIN" assemble --compression zstd --output "oci:$T/s-z:t" "$T/ctx"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "zstd after gzip in the same cache"
XDG_CACHE_HOME=$T/shared assert_exit 0 "$RT_BIN" assemble --compression gzip:6 --output "oci:$T/s-g6:t" "$T/ctx"
assert_ne "$G" "$(tail -n 1 <<<"$OUT")" "gzip:6 after gzip:1 in the same cache"
XDG_CACHE_HOME=$T/shared assert_exit 0 "$RT_BIN" assemble --output "oci:$T/s-gz2:t" "$T/ctx"
assert_eq "$G" "$(tail -n 1 <<<"$OUT")" "gzip again, warm"
pass "the layer cache keys on the codec and the level"

# --- bad input ------------------------------------------------------------------------
for bad in brotli zstd:0 zstd:20 gzip:13 gzip: zstd:x "zstd:3 "; do
  assert_exit 2 "$RT_BIN" assemble --compression "$bad" --output "oci:$T/bad:t" "$T/ctx"
  assert_contains "$ERR" "--compression: " "$bad"
  assert_contains "$ERR" "expected gzip, gzip:LEVEL" "$bad"
done
[[ ! -e $T/bad ]] || fail "a refused build wrote its output"
assert_exit 2 "$RT_BIN" assemble --compression zstd --output "oci:$T/both:t" \
  --output "docker-archive:$T/z.tar:app:t" "$T/ctx"
assert_contains "$ERR" "docker-archive:$T/z.tar:app:t cannot carry zstd layers"
[[ ! -e $T/z.tar && ! -e $T/both ]] || fail "a refused docker-archive build wrote something"
pass "bad --compression values and zstd into docker-archive: exit 2, nothing written"

assert_exit 0 "$RT_BIN" --version
assert_contains "$OUT" "layers: gzip level 1 (libdeflate "
assert_contains "$OUT" "with --compression zstd: zstd level 1 (libzstd "
pass "--version names both compressors"

#!/usr/bin/env bash
# Compression in the release commands: images.json's per-image "compression"
# (here from an overlay) and rc/final --compression. final pushes lana-bank
# with zstd layers (its bases' layers stay gzip: a mixed image that skopeo
# reads) and the others with gzip; reproduce with the same configuration says
# MATCH, and without the overlay explains lana-bank's layers as "other
# compression: zstd → gzip (same tar …)"; a bad value is located (file:line:col,
# exit 2) before anything is built.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

V=0.42.0
release_checkout
release_bases
release_registry
release_flags "$SRC" "$REG"
release_github "$V"
printf '{\n  "images": [\n    {"name": "lana-bank", "compression": "zstd"}\n  ]\n}\n' >"$T/zstd.json"
media_types() { skopeo inspect --tls-verify=false --raw "docker://$1" | jq -r '[.layers[].mediaType] | unique | join(",")'; }

# --- bad values: located, exit 2, nothing pushed -------------------------------------
printf '{\n  "images": [\n    {"name": "lana-bank",\n     "compression": "zstd:99"}\n  ]\n}\n' >"$T/bad.json"
assert_exit 2 "$RT_BIN" final "${RFLAGS[@]}" --config "$T/bad.json" --version "$V"
assert_contains "$ERR" "$T/bad.json:4:21: 'compression': bad level '99' in 'zstd:99'"
assert_exit 2 "$RT_BIN" rc "${RFLAGS[@]}" --compression lzma --version 1 --skip-build
assert_contains "$ERR" "--compression: unknown compression 'lzma'"
assert_eq "" "$(catalog "$REG")" "nothing pushed after bad input"
pass "bad compression values: located, exit 2, nothing pushed"

# --- final: lana-bank in zstd (its own layers), the others gzip ----------------------
assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --config "$T/zstd.json" --version "$V"
assert_eq "application/vnd.oci.image.layer.v1.tar+gzip,application/vnd.oci.image.layer.v1.tar+zstd" \
  "$(media_types "$REG/galoyorg/lana-bank:$V")" "lana-bank: base layers gzip, its own zstd"
assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" \
  "$(media_types "$REG/galoyorg/lana-bank-admin-panel:$V")" "admin panel: gzip"
skopeo copy -q --insecure-policy --src-tls-verify=false "docker://$REG/galoyorg/lana-bank:$V" "oci:$T/pulled:1"
pass "final: images.json's compression per image"

# --- reproduce: MATCH with the same configuration, explained without it -------------
assert_exit 0 "$RT_BIN" reproduce "${RFLAGS[@]}" --config "$T/zstd.json" --version "$V"
assert_not_contains "$OUT" "DIFFER" "reproduce with the zstd overlay"
assert_exit 1 "$RT_BIN" reproduce "${RFLAGS[@]}" --version "$V"
assert_contains "$OUT" "other compression: zstd → gzip (same tar, recompressed)"
assert_contains "$OUT" "this rebuild compressed with gzip level 1 (libdeflate "
assert_not_contains "$OUT" "content differs" "only the compression differs"
pass "reproduce: MATCH with the overlay; 'other compression' without it"

# --- rc --compression wins over images.json, for every image -------------------------
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --config "$T/zstd.json" --compression gzip:6 --version 1.0.0 \
  --image lana-bank --image lana-bank-admin-panel --output "oci:$T/rc"
for name in lana-bank lana-bank-admin-panel; do
  assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" \
    "$(skopeo inspect --raw "oci:$T/rc:$name:1.0.0" | jq -r '[.layers[].mediaType] | unique | join(",")')" "rc $name"
done
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --compression zstd --version 1.0.0 --skip-build \
  --image lana-bank-admin-panel --output "oci:$T/rcz"
assert_contains "$(skopeo inspect --raw "oci:$T/rcz:lana-bank-admin-panel:1.0.0" | jq -r '[.layers[].mediaType] | join(",")')" \
  "application/vnd.oci.image.layer.v1.tar+zstd" "rc --compression zstd"
pass "rc --compression wins over images.json"

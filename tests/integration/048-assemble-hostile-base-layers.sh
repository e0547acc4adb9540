#!/usr/bin/env bash
# Base images are tars from outside too (issue 11): their layers are indexed when a
# build needs them (COPY --from=image, parents of a COPY destination). Names that
# are not UTF-8 and a hardlink stored before its target go through COPY --from
# into a layer that umoci and tar unpack; whiteouts (odd ones included) hide what
# they name; an entry climbing out of the root fails the build (exit 1) naming
# the layer, and nothing is written.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000
CTX=$T/ctx
mkdir -p "$CTX"

# layout DIR SPEC... : an OCI layout (tag latest) with one layer per make_tar.py SPEC.
layout() {
  local dir=$1 i=0 spec tar digest diff_ids=() layers=() config manifest
  shift
  mkdir -p "$dir/blobs/sha256"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  for spec in "$@"; do
    tar=$T/layer-$i.tar
    "$RT_PYTHON" "$RT_SUPPORT_DIR/make_tar.py" "$tar" <<<"$spec"
    diff_ids+=("\"sha256:$(sha256sum <"$tar" | cut -d' ' -f1)\"")
    gzip -n <"$tar" >"$T/layer.gz"
    digest=$(sha256sum <"$T/layer.gz" | cut -d' ' -f1)
    mv "$T/layer.gz" "$dir/blobs/sha256/$digest"
    layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$(stat -c %s "$dir/blobs/sha256/$digest")}")
    i=$((i + 1))
  done
  config=$(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$(IFS=,; echo "${diff_ids[*]}")")
  printf '%s' "$config" >"$T/img-config.json"
  digest=$(sha256sum <"$T/img-config.json" | cut -d' ' -f1)
  mv "$T/img-config.json" "$dir/blobs/sha256/$digest"
  manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s]}' \
    "$digest" "${#config}" "$(IFS=,; echo "${layers[*]}")")
  printf '%s' "$manifest" >"$T/img-manifest.json"
  digest=$(sha256sum <"$T/img-manifest.json" | cut -d' ' -f1)
  mv "$T/img-manifest.json" "$dir/blobs/sha256/$digest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$digest" "${#manifest}" >"$dir/index.json"
}

# --- names, hardlinks and whiteouts in base layers ----------------------------
layout "$T/base" \
  '[{"name": "d", "type": "dir"},
    {"name": "d/go\u00ffname", "style": "go", "data": "g"},
    {"name": "d/a", "type": "hardlink", "link": "/d/z"},
    {"name": "d/z", "data": "zz"},
    {"name": "d/gone", "data": "x"},
    {"name": "o", "type": "dir"},
    {"name": "o/old", "data": "x"},
    {"name": "s", "type": "symlink", "link": "d", "mode": 493}]' \
  '[{"name": "d/.wh.gone", "data": ""},
    {"name": "d/.wh..", "data": ""},
    {"name": "d/.wh...", "data": ""},
    {"name": "o/.wh..wh..opq", "data": ""},
    {"name": "o/new", "data": "n"}]'
printf 'FROM scratch\nCOPY --from=base / /copy/\n' >"$CTX/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --build-context "base=oci-layout://$T/base" \
  --output "oci:$T/out:1" "$CTX"
umoci unpack --image "$T/out:1" "$T/u" >/dev/null 2>"$T/umoci.err" || fail "umoci unpack: $(<"$T/umoci.err")"
mkdir -p "$T/t"
manifest=$T/out/blobs/sha256/$(skopeo inspect --raw "oci:$T/out:1" | sha256sum | cut -d' ' -f1)
for layer in $(jq -r '.layers[].digest | sub("sha256:"; "")' "$manifest"); do
  tar -xzf "$T/out/blobs/sha256/$layer" -C "$T/t" 2>"$T/tar.err" || fail "tar -x: $(<"$T/tar.err")"
done
a=$(cd "$T/u/rootfs" && find . -mindepth 1 -printf '%y %n %p -> %l\n' | LC_ALL=C sort)
b=$(cd "$T/t" && find . -mindepth 1 -printf '%y %n %p -> %l\n' | LC_ALL=C sort)
assert_eq "$a" "$b" "umoci and tar unpack alike"
assert_eq "d 1 ./copy/d -> 
d 1 ./copy/o -> 
d 1 ./copy -> 
f 1 ./copy/d/a -> 
f 1 ./copy/d/go"$'\xff'"name -> 
f 1 ./copy/d/z -> 
f 1 ./copy/o/new -> 
l 1 ./copy/s -> d" "$(sed 's/^d [0-9]* /d 1 /' <<<"$a")" "what COPY --from copied"
assert_eq "zz zz" "$(cat "$T/u/rootfs/copy/d/a") $(cat "$T/u/rootfs/copy/d/z")"
if tar -tvzf "$T/out/blobs/sha256/$(jq -r '.layers[-1].digest | sub("sha256:"; "")' "$manifest")" |
  grep -q '^lrwxr-xr-x'; then
  fail "a symlink kept its 0755 mode from the base"
fi
pass "COPY --from a base with odd names, a hardlink before its target, whiteouts: unpackable"

# --- an entry of a base layer that climbs out ----------------------------------
layout "$T/evil" '[{"name": "../escaped", "data": "x"}]'
printf 'FROM scratch\nCOPY --from=evil / /copy/\n' >"$CTX/Dockerfile"
assert_exit 1 "$RT_BIN" assemble --build-context "evil=oci-layout://$T/evil" \
  --output "oci:$T/bad" "$CTX"
assert_contains "$ERR" "base layer sha256:"
assert_contains "$ERR" "entry '../escaped' escapes the destination"
[[ ! -e $T/bad ]] || fail "a failed build wrote its output"
pass "a base layer entry that climbs out: exit 1 naming the layer"

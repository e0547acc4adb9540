#!/usr/bin/env bash
# assemble, outputs: several --output in one run get the same image; an existing
# OCI layout keeps its other images (a tag is replaced in place, an untagged
# entry is not duplicated); docker-archive naming as skopeo reads it; --platform
# in the config and the index; stdout carries only the digest. Every output is
# read back by skopeo, umoci or oci-image-tool.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
echo one >"$CTX/one.txt"
printf 'FROM scratch\nCOPY one.txt /\nCMD ["/one"]\n' >"$CTX/Dockerfile"
entry() { # LAYOUT TAG : the index.json entry of TAG (keys sorted)
  jq -cS --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' "$1/index.json"
}

# An existing layout written by other tools: an empty image by umoci and a copy
# of a real image by skopeo.
umoci init --layout "$T/shared"
umoci new --image "$T/shared:umoci-made"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/first:x" "$CTX"
skopeo copy -q "oci:$T/first:x" "oci:$T/shared:skopeo-made"
UMOCI_ENTRY=$(entry "$T/shared" umoci-made)
SKOPEO_ENTRY=$(entry "$T/shared" skopeo-made)

# One run, five outputs (two into existing places).
echo two >"$CTX/two.txt"
printf 'FROM scratch\nCOPY one.txt two.txt /\nCMD ["/one"]\n' >"$CTX/Dockerfile"
SOURCE_DATE_EPOCH=86400 assert_exit 0 "$RT_BIN" assemble \
  --output "oci:$T/shared:v1" \
  --output "oci:$T/fresh" \
  --output "docker-archive:$T/plain.tar" \
  --output "docker-archive:$T/named.tar:app" \
  --output "docker-archive:$T/full.tar:localhost:5000/team/app:v1" "$CTX"
DIGEST=$OUT
[[ $DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || fail "stdout must be exactly the digest, got: '$OUT'"
assert_contains "$ERR" "wrote $DIGEST to oci:$T/shared:v1" "progress goes to stderr"
assert_exit 0 "$RT_BIN" -q assemble --output "oci:$T/quiet:q" "$CTX"
assert_eq "" "$ERR" "stderr with -q"
pass "several outputs in one run; only the digest on stdout"

# The shared layout: the new tag added, the other entries kept (same JSON values).
assert_eq "$UMOCI_ENTRY" "$(entry "$T/shared" umoci-made)" "umoci's entry"
assert_eq "$SKOPEO_ENTRY" "$(entry "$T/shared" skopeo-made)" "skopeo's entry"
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/shared:v1" | jq -r .Digest)"
assert_eq '{"architecture":"amd64","os":"linux"}' "$(entry "$T/shared" v1 | jq -c .platform)"
skopeo inspect "oci:$T/shared:umoci-made" >/dev/null
skopeo inspect "oci:$T/shared:skopeo-made" >/dev/null
umoci unpack --image "$T/shared:v1" "$T/b-v1" >/dev/null
assert_eq "one two" "$(cat "$T/b-v1/rootfs/one.txt" "$T/b-v1/rootfs/two.txt" | paste -sd' ')"
# The same tag again, another image: replaced in place, nothing else moves.
printf 'FROM scratch\nCOPY two.txt /\n' >"$CTX/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/shared:v1" "$CTX"
V1B=$OUT
assert_ne "$DIGEST" "$V1B"
assert_eq "umoci-made skopeo-made v1" \
  "$(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(" ")' "$T/shared/index.json")" "tags, in order"
assert_eq "$V1B" "$(skopeo inspect "oci:$T/shared:v1" | jq -r .Digest)"
assert_eq "$SKOPEO_ENTRY" "$(entry "$T/shared" skopeo-made)" "skopeo's entry after the tag moved"
skopeo inspect "oci:$T/shared:skopeo-made" >/dev/null
pass "an existing layout keeps its other images; a tag is replaced in place"

# An untagged output: an entry without ref.name, not duplicated by a rerun.
printf 'FROM scratch\nCOPY one.txt two.txt /\nCMD ["/one"]\n' >"$CTX/Dockerfile"
assert_eq 'null' "$(jq -c '.manifests[0].annotations' "$T/fresh/index.json")"
SOURCE_DATE_EPOCH=86400 assert_exit 0 "$RT_BIN" assemble --output "oci:$T/fresh" "$CTX"
assert_eq "$DIGEST" "$OUT"
assert_eq 1 "$(jq '.manifests | length' "$T/fresh/index.json")" "untagged entries after a rerun"
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/fresh" | jq -r .Digest)"
# skopeo copies it to another layout unchanged (the digest is over our bytes).
skopeo copy -q "oci:$T/fresh" "oci:$T/copied:c"
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/copied:c" | jq -r .Digest)" "digest after skopeo copy"
oci-image-tool validate --type image --ref name=c "$T/copied" >/dev/null
pass "untagged layouts"

# docker-archive: the name forms skopeo knows; the same config and layers.
CONFIG=$(skopeo inspect --config --raw "oci:$T/fresh")
for f in plain named full; do
  assert_eq "$CONFIG" "$(skopeo inspect --config --raw "docker-archive:$T/$f.tar")" "config in $f.tar"
  assert_eq '"1970-01-02T00:00:00Z"' "$(skopeo inspect --config --raw "docker-archive:$T/$f.tar" | jq -c .created)"
done
assert_eq '[]' "$(tar -xOf "$T/plain.tar" manifest.json | jq -c '.[0].RepoTags')"
assert_eq '["app:latest"]' "$(tar -xOf "$T/named.tar" manifest.json | jq -c '.[0].RepoTags')"
assert_eq '["localhost:5000/team/app:v1"]' "$(tar -xOf "$T/full.tar" manifest.json | jq -c '.[0].RepoTags')"
skopeo inspect "docker-archive:$T/full.tar:localhost:5000/team/app:v1" >/dev/null
# Every file the archive names is in it, with the digest its name says.
mkdir -p "$T/x"
tar -xf "$T/full.tar" -C "$T/x"
for f in $(jq -r '.[0].Config, .[0].Layers[]' "$T/x/manifest.json"); do
  [[ -f $T/x/$f ]] || fail "docker-archive lacks $f"
  assert_eq "${f%%.*}" "$(sha256sum <"$T/x/$f" | cut -d' ' -f1)" "content of $f"
done
assert_eq "$(jq -c .rootfs.diff_ids <<<"$CONFIG")" \
  "$(for l in $(jq -r '.[0].Layers[]' "$T/x/manifest.json"); do echo "\"sha256:$(gzip -dc "$T/x/$l" | sha256sum | cut -d' ' -f1)\""; done | jq -sc .)" \
  "uncompressed layers = diff_ids"
# skopeo takes it back to an OCI layout, and umoci unpacks that.
skopeo copy -q "docker-archive:$T/named.tar" "oci:$T/from-archive:back"
umoci unpack --image "$T/from-archive:back" "$T/b-back" >/dev/null
assert_eq "one two" "$(cat "$T/b-back/rootfs/one.txt" "$T/b-back/rootfs/two.txt" | paste -sd' ')"
# An existing archive is replaced whole.
old_inode=$(stat -c %i "$T/named.tar")
printf 'FROM scratch\nCOPY two.txt /only-two\n' >"$CTX/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "docker-archive:$T/named.tar:app:v2" "$CTX"
assert_eq '["app:v2"]' "$(tar -xOf "$T/named.tar" manifest.json | jq -c '.[0].RepoTags')"
assert_ne "$old_inode" "$(stat -c %i "$T/named.tar")" "replaced by rename, not rewritten in place"
assert_eq "" "$(find "$T" -maxdepth 1 -name '*.tmp*')" "temporary files"
pass "docker-archive: names, contents, read back by skopeo and umoci"

# --platform: the config and the index entry say it; arm64/v8 is arm64, as containerd normalises.
assert_exit 0 "$RT_BIN" assemble --platform linux/arm/v7 --output "oci:$T/arm:v7" "$CTX"
assert_eq '{"architecture":"arm","os":"linux","variant":"v7"}' \
  "$(skopeo inspect --config --raw "oci:$T/arm:v7" | jq -cS '{architecture, os, variant}')"
assert_eq '{"architecture":"arm","os":"linux","variant":"v7"}' "$(entry "$T/arm" v7 | jq -cS .platform)"
assert_exit 0 "$RT_BIN" assemble --platform linux/arm64/v8 --output "oci:$T/arm64:a" "$CTX"
assert_eq '{"architecture":"arm64","os":"linux","variant":null}' \
  "$(skopeo inspect --config --raw "oci:$T/arm64:a" | jq -cS '{architecture, os, variant}')"
# TARGETARCH and friends, as BuildKit predefines them.
printf 'FROM scratch\nARG TARGETPLATFORM\nARG TARGETARCH\nARG TARGETVARIANT\nENV P=$TARGETPLATFORM A=$TARGETARCH V=$TARGETVARIANT\nCOPY one.txt /\n' >"$CTX/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --platform linux/arm/v7 --output "oci:$T/arm:args" "$CTX"
assert_eq '["P=linux/arm/v7","A=arm","V=v7"]' "$(skopeo inspect --config --raw "oci:$T/arm:args" | jq -c '.config.Env[1:]')"
oci-image-tool validate --type image --ref name=v7 "$T/arm" >/dev/null
pass "--platform"

# A relative output path is relative to the working directory.
(cd "$T" && assert_exit 0 "$RT_BIN" assemble --output "oci:rel/layout:r" ctx)
skopeo inspect "oci:$T/rel/layout:r" >/dev/null
pass "relative output paths"

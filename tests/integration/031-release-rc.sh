#!/usr/bin/env bash
# `release-tool rc` end to end on the example, against a real registry (through
# the fault proxy with no rules, which logs every request and its body bytes):
#   - the build command runs, the artifact goes into the context, .env holds
#     VERSION, COMMITHASH (full sha) and BUILDTIME from the commit's time
#     (%F-%T, never the wall clock; SOURCE_DATE_EPOCH overrides);
#   - four images pushed with the version tag; skopeo sees ENV, labels
#     org.opencontainers.image.*, USER, CMD/ENTRYPOINT/ports, created = commit
#     time, and the annotations base.name/base.digest naming the stand-in bases;
#   - the stand-in lana-cli run (chroot) from the unpacked lana-bank image prints
#     the .env values; /lana is an empty directory owned by 1000:1000; the
#     admin panel runs under runc as its config says;
#   - --digests-file, --output oci:DIR (valid for oci-image-tool, nothing
#     pushed), --image subsets, VERSION from `git describe` (--describe);
#   - an unchanged rerun uploads 0 blob bytes and sends no write request at all.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

release_through_proxy
V=0.42.0-rc.1
BUILDTIME=$(date -u -d "@$(git -C "$SRC" show -s --format=%ct HEAD)" +%F-%T)
CREATED=$(date -u -d "@$SRC_EPOCH" +%FT%TZ)
assert_eq 2024-05-01-10:20:30 "$BUILDTIME" "the checkout's commit time"

# --- rc -------------------------------------------------------------------------
MARK=$(proxy_mark)
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --digests-file "$T/rc.json"
# The build command ran (its output shown live) and its artifact is in the context.
cmp -s "$SRC/examples/lana-bank/target/lana-cli" "$SRC/examples/lana-bank/binaries/lana-cli" ||
  fail "the artifact was not put into the context"
assert_eq $'VERSION='"$V"$'\nCOMMITHASH='"$SRC_SHA"$'\nBUILDTIME='"$BUILDTIME" "$(<"$SRC/.env")" ".env"
(($(blob_bytes_since "$MARK") > 0)) || fail "rc uploaded no blob bytes through the proxy"
pass "rc: build command, artifact in the context, .env from the commit"

# The table: one row per image, with the reference and the digest.
for name in "${RELEASE_IMAGES[@]}"; do
  D=$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$T/rc.json")
  assert_contains "$OUT" "$PROXY/galoyorg/$name:$V" "table row of $name"
  assert_contains "$OUT" "$D" "table digest of $name"
  assert_eq "$D" "$(digest_of "$REG/galoyorg/$name:$V")" "registry digest of $name:$V"
done
# The digests file: what the Helm-chart bump needs.
assert_eq "$V rc $SRC_SHA 4" "$(jq -r '"\(.version) \(.mode) \(.commit) \(.images | length)"' "$T/rc.json")" "digests file header"
assert_eq "${RELEASE_IMAGES[*]}" "$(jq -r '[.images[].name] | join(" ")' "$T/rc.json")" "digests file names, in images.json order"
for name in "${RELEASE_IMAGES[@]}"; do
  assert_eq "$PROXY/galoyorg/$name [\"$V\",\"edge\"]" \
    "$(jq -rc --arg n "$name" '.images[] | select(.name == $n) | "\(.repository) \(.tags)"' "$T/rc.json")" "digests file entry of $name"
done
pass "rc: four images pushed with tag $V, table and digests file"

# --- what skopeo sees -------------------------------------------------------------
declare -A BASE_OF=([lana-bank]=$BASE_STATIC [lana-bank-admin-panel]=$BASE_NODEJS
  [lana-bank-customer-portal]=$BASE_NODEJS [dagster-code-location-lana-dw]=$BASE_PYTHON)
for name in "${RELEASE_IMAGES[@]}"; do
  ref=docker://$REG/galoyorg/$name:$V
  skopeo inspect --tls-verify=false "$ref" >"$T/inspect.json"
  skopeo inspect --tls-verify=false --config "$ref" >"$T/config.json"
  skopeo inspect --tls-verify=false --raw "$ref" >"$T/manifest.json"
  assert_eq "$V edge" "$(jq -r '.RepoTags | sort | join(" ")' "$T/inspect.json")" "$name tags"
  for kv in "version=$V" "revision=$SRC_SHA" "created=$CREATED" \
    "source=https://github.com/GaloyMoney/lana-bank"; do
    assert_eq "${kv#*=}" "$(jq -r --arg k "org.opencontainers.image.${kv%%=*}" '.Labels[$k]' "$T/inspect.json")" "$name label ${kv%%=*}"
    assert_eq "${kv#*=}" "$(jq -r --arg k "org.opencontainers.image.${kv%%=*}" '.annotations[$k]' "$T/manifest.json")" "$name annotation ${kv%%=*}"
  done
  assert_eq "$CREATED" "$(jq -r .created "$T/config.json")" "$name created: the commit's time"
  assert_eq "${BASE_OF[$name]}" "$(jq -r '.annotations["org.opencontainers.image.base.name"]' "$T/manifest.json")" "$name base.name"
  assert_eq "$(digest_of "${BASE_OF[$name]}")" "$(jq -r '.annotations["org.opencontainers.image.base.digest"]' "$T/manifest.json")" "$name base.digest"
  assert_eq application/vnd.oci.image.manifest.v1+json "$(jq -r .mediaType "$T/manifest.json")" "$name manifest type"
  cp "$T/config.json" "$T/config-$name.json"
done
C=$T/config-lana-bank.json
assert_eq 1000 "$(jq -r .config.User "$C")" "lana-bank USER"
assert_eq '["lana-cli"]' "$(jq -c .config.Cmd "$C")" "lana-bank CMD"
for kv in "VERSION=$V" "BUILDTIME=$BUILDTIME" "COMMITHASH=$SRC_SHA" "LANA_HOME=/lana"; do
  assert_eq 1 "$(jq --arg kv "$kv" '[.config.Env[] | select(. == $kv)] | length' "$C")" "lana-bank ENV $kv"
done
for app in admin-panel customer-portal; do
  C=$T/config-lana-bank-$app.json
  assert_eq 1000 "$(jq -r .config.User "$C")" "$app USER"
  assert_eq "/app" "$(jq -r .config.WorkingDir "$C")" "$app WORKDIR"
  assert_eq '["/nodejs/bin/node"] ["apps/'"$app"'/server.js"] ["3000/tcp"]' \
    "$(jq -c '[.config.Entrypoint, .config.Cmd, (.config.ExposedPorts | keys)] | map(tojson) | join(" ")' "$C" | jq -r .)" "$app entrypoint, cmd, port"
  for kv in NODE_ENV=production PORT=3000 HOSTNAME=0.0.0.0; do
    assert_eq 1 "$(jq --arg kv "$kv" '[.config.Env[] | select(. == $kv)] | length' "$C")" "$app ENV $kv"
  done
done
C=$T/config-dagster-code-location-lana-dw.json
assert_eq "api grpc -h 0.0.0.0 -p 4000 -f /lana-dw/src/definitions.py -d /lana-dw" "$(jq -r '.config.Cmd | join(" ")' "$C")" "dagster CMD"
assert_eq '["4000/tcp"]' "$(jq -c '.config.ExposedPorts | keys' "$C")" "dagster port"
assert_eq 1 "$(jq '[.config.Env[] | select(. == "PYTHONPATH=/lana-dw/src")] | length' "$C")" "dagster PYTHONPATH"
pass "skopeo: tags, ENV, labels, USER, created, annotations base.name/base.digest"

# --- the image runs ---------------------------------------------------------------
skopeo copy -q --src-tls-verify=false "docker://$REG/galoyorg/lana-bank:$V" "oci:$T/lana:x"
umoci unpack --image "$T/lana:x" "$T/bundle" >/dev/null
R=$T/bundle/rootfs
mapfile -t ENVS < <(jq -r '.process.env[]' "$T/bundle/config.json")
assert_exit 0 env -i "${ENVS[@]}" chroot "$R" /bin/lana-cli --version
assert_eq "lana-cli $V"$'\n'"COMMITHASH=$SRC_SHA"$'\n'"BUILDTIME=$BUILDTIME"$'\n'"LANA_HOME=/lana" "$OUT" "lana-cli --version in the image"
assert_eq "directory 1000:1000 755" "$(stat -c '%F %u:%g %a' "$R/lana")" "/lana"
assert_eq "" "$(ls -A "$R/lana")" "/lana is empty"
assert_eq "regular file 0:0 755" "$(stat -c '%F %u:%g %a' "$R/bin/lana-cli")" "/bin/lana-cli"
cmp -s "$R/bin/lana-cli" "$SRC/examples/lana-bank/target/lana-cli" || fail "/bin/lana-cli is not the built binary"
assert_eq 1000 "$(jq -r .process.user.uid "$T/bundle/config.json")" "runtime uid"

# The admin panel under runc: entrypoint, cmd, working directory and env as configured.
skopeo copy -q --src-tls-verify=false "docker://$REG/galoyorg/lana-bank-admin-panel:$V" "oci:$T/admin:x"
umoci unpack --image "$T/admin:x" "$T/admin-bundle" >/dev/null
jq '.process.terminal = false' "$T/admin-bundle/config.json" >"$T/admin-config.json"
mv "$T/admin-config.json" "$T/admin-bundle/config.json"
assert_exit 0 runc --root "$T/runc" run --bundle "$T/admin-bundle" "rt-031-$$"
for line in program=/nodejs/bin/node arg1=apps/admin-panel/server.js PORT=3000 NODE_ENV=production HOSTNAME=0.0.0.0; do
  assert_contains "$OUT" "$line" "admin panel run"
done
assert_eq "1000:1000 regular file" "$(stat -c '%u:%g %F' "$T/admin-bundle/rootfs/app/apps/admin-panel/server.js")" "server.js owner"
[[ -f $T/admin-bundle/rootfs/app/apps/admin-panel/.next/static/chunks/main.js ]] || fail "static chunks missing"
[[ -f $T/admin-bundle/rootfs/app/apps/admin-panel/public/robots.txt ]] || fail "public/ missing"
pass "the stand-in lana-cli prints the .env values from the image; /lana empty, 1000:1000; admin panel runs"

# --- an unchanged rerun -------------------------------------------------------------
BEFORE=$(registry_state "$REG")
MARK=$(proxy_mark)
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --digests-file "$T/rc-again.json"
assert_eq 0 "$(blob_bytes_since "$MARK")" "blob bytes uploaded by an unchanged rerun"
assert_eq "" "$(writes_since "$MARK")" "write requests of an unchanged rerun"
assert_eq "$(jq -c .images "$T/rc.json")" "$(jq -c .images "$T/rc-again.json")" "digests of the rerun"
assert_eq "$BEFORE" "$(registry_state "$REG")" "registry after an unchanged rerun"
pass "unchanged rerun: 0 blob bytes, no write request, nothing moved"

# --- SOURCE_DATE_EPOCH, --output oci:DIR --------------------------------------------
MARK=$(proxy_mark)
SOURCE_DATE_EPOCH=1700000000 assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" \
  --output "oci:$T/oci" --digests-file "$T/oci.json"
TABLE=$OUT
assert_eq "BUILDTIME=2023-11-14-22:13:20" "$(grep BUILDTIME "$SRC/.env")" "SOURCE_DATE_EPOCH overrides the commit time"
assert_eq "" "$(writes_since "$MARK")" "--output oci: pushes nothing"
assert_eq "$BEFORE" "$(registry_state "$REG")" "registry after --output oci:"
# oci-image-tool comes with Debian (scripts/install-deps.sh); nixpkgs dropped it.
OCI_IMAGE_TOOL=$(command -v oci-image-tool || true)
[[ -n $OCI_IMAGE_TOOL ]] || echo "note: oci-image-tool not installed: the layout is checked with skopeo only" >&2
[[ -z $OCI_IMAGE_TOOL ]] || assert_exit 0 oci-image-tool validate --type imageIndex "$T/oci/index.json"
for name in "${RELEASE_IMAGES[@]}"; do
  # oci-image-tool (Debian 1.0.0~rc3) finds no reference, by name or digest, in
  # an index of three or more manifests ("is not unique"): each image is checked
  # in a layout of its own sharing the blobs, with the index narrowed to it.
  ONE=$T/oci-$name
  mkdir -p "$ONE"
  cp -al "$T/oci/blobs" "$ONE/blobs"
  cp "$T/oci/oci-layout" "$ONE/"
  jq --arg r "$name:$V" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $r))' \
    "$T/oci/index.json" >"$ONE/index.json"
  assert_eq 1 "$(jq '.manifests | length' "$ONE/index.json")" "$name:$V in the layout's index"
  [[ -z $OCI_IMAGE_TOOL ]] || assert_exit 0 oci-image-tool validate --type image --ref "name=$name:$V" "$ONE"
  D=$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$T/oci.json")
  assert_eq "$D" "$(skopeo inspect --format '{{.Digest}}' "oci:$T/oci:$name:$V")" "layout digest of $name"
  assert_ne "$D" "$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$T/rc.json")" "$name with another SOURCE_DATE_EPOCH"
  assert_contains "$TABLE" "oci:$T/oci:$name:$V" "table row of $name in the layout"
done
skopeo inspect "oci:$T/oci:lana-bank:$V" >"$T/inspect.json"
assert_eq 2023-11-14T22:13:20Z "$(jq -r .Created "$T/inspect.json")" "created from SOURCE_DATE_EPOCH"
assert_eq 1 "$(jq '[.Env[] | select(. == "BUILDTIME=2023-11-14-22:13:20")] | length' "$T/inspect.json")" "ENV BUILDTIME from SOURCE_DATE_EPOCH"
pass "SOURCE_DATE_EPOCH overrides the commit time; --output oci:DIR is a valid layout, nothing pushed"

# A mirror through --registry-rewrite instead of BASE_* build args: the base is
# fetched from the mirror but keeps the name the Dockerfile gives it.
REWRITE_FLAGS=(--config "$SRC/images.json" --config "$SRC/examples/lana-bank/overlay.json"
  --registry-rewrite "gcr.io/distroless=$MIRROR/mirror/distroless"
  --registry-rewrite "gcr.io/galoyorg=$PROXY/galoyorg" --registry-rewrite "us.gcr.io/galoyorg=$PROXY/galoyorg")
assert_exit 0 "$RT_BIN" rc "${REWRITE_FLAGS[@]}" --version "$V" --image lana-bank --output "oci:$T/oci-rewrite"
skopeo inspect --raw "oci:$T/oci-rewrite:lana-bank:$V" >"$T/manifest.json"
assert_eq gcr.io/distroless/static-debian12:nonroot "$(jq -r '.annotations["org.opencontainers.image.base.name"]' "$T/manifest.json")" "base.name through a rewrite"
assert_eq "$(digest_of "$BASE_STATIC")" "$(jq -r '.annotations["org.opencontainers.image.base.digest"]' "$T/manifest.json")" "base.digest through a rewrite"
pass "a base mirrored through --registry-rewrite keeps its written name"

# --- --image subsets; VERSION from git describe ---------------------------------------
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version 0.42.0-rc.2 --image dagster-code-location-lana-dw \
  --image lana-bank --digests-file "$T/subset.json"
assert_eq "lana-bank dagster-code-location-lana-dw" "$(jq -r '[.images[].name] | join(" ")' "$T/subset.json")" "subset, in images.json order"
assert_eq "$V 0.42.0-rc.2 edge" "$(tags_of "$REG" galoyorg/lana-bank)" "lana-bank tags"
assert_eq "$V 0.42.0-rc.2 edge" "$(tags_of "$REG" galoyorg/dagster-code-location-lana-dw)" "dagster tags"
assert_eq "$V edge" "$(tags_of "$REG" galoyorg/lana-bank-admin-panel)" "admin panel not in the subset"
assert_eq "$V edge" "$(tags_of "$REG" galoyorg/lana-bank-customer-portal)" "customer portal not in the subset"
assert_not_contains "$OUT" "admin-panel" "table of a subset"

git -C "$SRC" tag 0.42.0-rc.3
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --image lana-bank --describe --digests-file "$T/describe.json"
assert_eq 0.42.0-rc.3 "$(jq -r .version "$T/describe.json")" "VERSION from git describe"
assert_eq "VERSION=0.42.0-rc.3" "$(grep VERSION "$SRC/.env")" ".env VERSION from git describe"
assert_eq "$V 0.42.0-rc.2 0.42.0-rc.3 edge" "$(tags_of "$REG" galoyorg/lana-bank)" "lana-bank tags after describe"
pass "--image subsets; VERSION from git describe (--describe)"

pass "031-release-rc"

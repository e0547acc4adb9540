#!/usr/bin/env bash
# Registry push and pull over plain HTTP on loopback (docker-registry 2.8, no auth):
# bad references and impossible pushes first; then `assemble --output docker://`,
# `copy oci: docker://`, a Dockerfile FROM the pushed image (the base is read, not
# downloaded, and its layers are mounted, never uploaded again), and the same base
# as `--build-context NAME=docker-image://` (the same image: both annotated with
# the registry reference as base.name). Every pushed image is read back by
# skopeo and validated by oci-image-tool. Failures a new user meets (unknown tag,
# no registry listening, unknown host) are one error line naming the image.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

# The base image: a text file and a directory with 1 MiB of data, two layers.
mkdir -p "$T/base/data"
printf 'hello from the base\n' >"$T/base/a.txt"
det_bytes base 1048576 >"$T/base/data/b.bin"
printf 'FROM scratch\nCOPY a.txt /a.txt\nCOPY data/ /data/\nCMD ["/bin/app"]\n' >"$T/base/Dockerfile"

start_registry
echo '{"rules": []}' >"$T/rules.json"
start_fault_proxy "$T/rules.json" # no faults: a recorder of every request

# --- failure cases --------------------------------------------------------------------
assert_exit 2 "$RT_BIN" assemble --output "docker://$REG/Bad_Name:1" "$T/base"
assert_contains "$ERR" "Bad_Name" "an invalid repository name is named"
assert_exit 2 "$RT_BIN" assemble --output "docker://$REG/x:bad:tag" "$T/base"
assert_exit 2 "$RT_BIN" assemble --output "docker://$REG/x@sha256:1234" "$T/base"
assert_exit 2 "$RT_BIN" copy "docker://$REG/x:1" "docker://$REG/y:not a tag"
[[ ! -d $REG_DIR/docker ]] || fail "bad references reached the registry"
# A digest reference that does not match the image: nothing is pushed.
assert_exit 2 "$RT_BIN" assemble --output "docker://$REG/x@sha256:$(printf '0%.0s' {1..64})" "$T/base"
assert_contains "$ERR" "names digest sha256:0000" "digest mismatch explained"
# A base or a source that the registry does not have.
printf 'FROM %s/nothing:1\nCOPY a.txt /\n' "$REG" >"$T/missing.Dockerfile"
assert_exit 1 "$RT_BIN" assemble -f "$T/missing.Dockerfile" --output "oci:$T/none" "$T/base"
assert_contains "$ERR" "nothing" "the missing base is named"
assert_contains "$ERR" "MANIFEST_UNKNOWN" "the registry's reason is given"
assert_exit 1 "$RT_BIN" copy "docker://$REG/nothing:1" "oci:$T/none"
error_line "reading docker://$REG/nothing:1: no such image in the registry: GET $REG_URL/v2/nothing/manifests/1: " "unknown tag"
assert_contains "$ERROR_LINE" "HTTP 404: MANIFEST_UNKNOWN" "unknown tag: the registry's reason"
[[ ! -e $T/none ]] || fail "a failed copy left an output behind"
# What a new user meets when the registry is not there: one line naming the image
# and the registry, exit 1 (after the retries, for a refused connection).
assert_exit 0 "$RT_BIN" assemble -q --output "oci:$T/src:1" "$T/base"
NOBODY=127.0.0.1:$(free_port)
assert_exit 1 "$RT_BIN" copy "oci:$T/src:1" "docker://$NOBODY/x:1"
error_line "pushing to docker://$NOBODY/x:1: cannot reach the registry $NOBODY: GET http://$NOBODY/v2/: " "not listening"
assert_contains "$ERROR_LINE" "Couldn't connect to server" "not listening: why"
assert_exit 1 "$RT_BIN" copy "oci:$T/src:1" "docker://no-such-host.invalid/x:1"
error_line "pushing to docker://no-such-host.invalid/x:1: cannot reach the registry no-such-host.invalid: GET https://no-such-host.invalid/v2/: " "unknown host"
assert_contains "$ERROR_LINE" "resolve host" "unknown host: why"
assert_exit 1 "$RT_BIN" copy "docker://no-such-host.invalid/x:1" "oci:$T/none"
error_line "reading docker://no-such-host.invalid/x:1: cannot reach the registry no-such-host.invalid: " "unknown host, pull"
pass "failure cases"

# --- assemble --output docker:// ----------------------------------------------------------
assert_exit 0 "$RT_BIN" assemble --output "docker://$REG/x:1" "$T/base"
X_DIGEST=$(last_line "$OUT")
[[ $X_DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || fail "last stdout line is not a digest: '$OUT'"
verify_pushed "$REG/x:1" "$X_DIGEST"
BASE_LAYERS=$(jq -r '.Layers[]' <<<"$VERIFIED_INSPECT")
assert_eq 2 "$(wc -l <<<"$BASE_LAYERS")" "base layers"
assert_eq "$X_DIGEST" "$(skopeo inspect --tls-verify=false "docker://$REG/x@$X_DIGEST" | jq -r .Digest)" "by digest"
umoci unpack --rootless --image "$VERIFIED_LAYOUT:verify" "$T/x-bundle" >/dev/null 2>&1
cmp "$T/base/data/b.bin" "$T/x-bundle/rootfs/data/b.bin" || fail "data differs after the round trip"
pass "assemble --output docker://$REG/x:1 -> $X_DIGEST"

# --- copy oci: -> docker:// ----------------------------------------------------------------
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/base"
assert_eq "$X_DIGEST" "$(last_line "$OUT")" "same inputs, same image"
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/copied/y:2"
assert_eq "$X_DIGEST" "$(last_line "$OUT")" "copy prints the pushed digest last"
verify_pushed "$REG/copied/y:2" "$X_DIGEST"
assert_eq '["2"]' "$(skopeo list-tags --tls-verify=false "docker://$REG/copied/y" | jq -c .Tags)" "tags"
# Pushing by digest only: no tag is created.
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/bydigest@$X_DIGEST"
assert_eq "$X_DIGEST" "$(last_line "$OUT")"
verify_pushed "$REG/bydigest@$X_DIGEST" "$X_DIGEST"
# (distribution answers 404 NAME_UNKNOWN for the tags of a repository without any)
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$REG_URL/v2/bydigest/tags/list")" "no tag"
pass "copy oci: -> docker://"

# --- FROM the pushed image: the base is read, not downloaded, and not uploaded again ----------
# Through the proxy, so that its log shows every request; the base is on the same
# registry as the destination, so its layers are mounted across repositories.
mkdir -p "$T/app"
printf 'the app\n' >"$T/app/c.txt"
printf 'FROM %s/x:1\nCOPY c.txt /c.txt\n' "$PROXY" >"$T/app/Dockerfile"
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" assemble --output "docker://$PROXY/app:1" "$T/app"
APP_DIGEST=$(last_line "$OUT")
verify_pushed "$REG/app:1" "$APP_DIGEST"
APP_LAYERS=$(jq -r '.Layers[]' <<<"$VERIFIED_INSPECT")
assert_eq "$BASE_LAYERS" "$(head -n 2 <<<"$APP_LAYERS")" "the base's layers come first"
assert_eq 3 "$(wc -l <<<"$APP_LAYERS")" "one new layer"
NEW_LAYER=$(tail -n 1 <<<"$APP_LAYERS")
APP_CONFIG=$(skopeo inspect --raw --tls-verify=false "docker://$REG/app:1" | jq -r .config.digest)
# The base: its manifest and config were read; none of its layers was downloaded.
assert_eq 1 "$(proxy_log '.method == "GET" and (.path | test("/v2/x/manifests/1$"))' | wc -l)" "base manifest read once"
for layer in $BASE_LAYERS; do
  assert_eq "" "$(proxy_log ".method == \"GET\" and (.path | contains(\"$layer\"))")" "base layer $layer not downloaded"
  assert_eq "POST /v2/app/blobs/uploads/?mount=$layer&from=x 201 0" \
    "$(proxy_log "(.path | contains(\"$layer\")) and .method == \"POST\"")" "base layer $layer mounted"
done
# Only the new layer and the config were uploaded, and the upload bytes are theirs.
assert_eq "$(sort <<<"$NEW_LAYER"$'\n'"$APP_CONFIG")" "$(uploaded_digests)" "uploaded blobs"
NEW_SIZE=$(jq -r ".layers[] | select(.digest == \"$NEW_LAYER\") | .size" "$VERIFIED_LAYOUT/blobs/sha256/${APP_DIGEST#sha256:}")
CONFIG_SIZE=$(stat -c %s "$VERIFIED_LAYOUT/blobs/sha256/${APP_CONFIG#sha256:}")
assert_eq "$((NEW_SIZE + CONFIG_SIZE))" "$(blob_upload_bytes)" "bytes uploaded: the new layer and the config"
umoci unpack --rootless --image "$VERIFIED_LAYOUT:verify" "$T/app-bundle" >/dev/null 2>&1
assert_eq "the app" "$(<"$T/app-bundle/rootfs/c.txt")"
cmp "$T/base/data/b.bin" "$T/app-bundle/rootfs/data/b.bin" || fail "the base's data is missing"
assert_eq '["/bin/app"]' "$(skopeo inspect --config --tls-verify=false "docker://$REG/app:1" | jq -c .config.Cmd)" "CMD from the base"
pass "FROM $PROXY/x:1: base layers mounted, not downloaded; 2 blobs uploaded"

# --- --build-context NAME=docker-image://REF -------------------------------------------------
printf 'FROM base\nCOPY c.txt /c.txt\n' >"$T/app/ctx.Dockerfile"
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" assemble -f "$T/app/ctx.Dockerfile" --build-context "base=docker-image://$PROXY/x:1" \
  --output "docker://$PROXY/app2:1" "$T/app"
APP2_DIGEST=$(last_line "$OUT")
verify_pushed "$REG/app2:1" "$APP2_DIGEST"
assert_eq "$APP_LAYERS" "$(jq -r '.Layers[]' <<<"$VERIFIED_INSPECT")" "same layers as FROM $PROXY/x:1"
assert_eq "$(skopeo inspect --config --tls-verify=false "docker://$REG/app:1")" \
  "$(skopeo inspect --config --tls-verify=false "docker://$REG/app2:1")" "same config as FROM $PROXY/x:1"
# The named context's layers are mounted from x too, never downloaded; the new
# layer and the config are uploaded (app2 is a new repository).
for layer in $BASE_LAYERS; do
  assert_eq "" "$(proxy_log ".method == \"GET\" and (.path | contains(\"$layer\"))")" "base layer $layer not downloaded"
  assert_eq "POST /v2/app2/blobs/uploads/?mount=$layer&from=x 201 0" \
    "$(proxy_log "(.path | contains(\"$layer\")) and .method == \"POST\"")" "base layer $layer mounted"
done
assert_eq "$(sort <<<"$NEW_LAYER"$'\n'"$APP_CONFIG")" "$(uploaded_digests)" "uploaded blobs"
# Both name the registry image as their base (not the context's name "base"):
# the same image either way.
for app in app app2; do
  annotations=$(skopeo inspect --raw --tls-verify=false "docker://$REG/$app:1" | jq -c .annotations)
  assert_eq "{\"org.opencontainers.image.base.digest\":\"$X_DIGEST\",\"org.opencontainers.image.base.name\":\"$PROXY/x:1\"}" \
    "$annotations" "$app: base annotations"
done
assert_eq "$APP_DIGEST" "$APP2_DIGEST" "--build-context base=docker-image:// and FROM give the same image"
pass "--build-context base=docker-image://$PROXY/x:1"

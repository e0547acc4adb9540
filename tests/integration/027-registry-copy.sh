#!/usr/bin/env bash
# `release-tool copy SRC DEST` between oci:, docker-archive: and docker://, as
# skopeo copy: bad sources first (exit 2 or 1, saying what is wrong); then
# oci -> docker, docker -> oci, docker -> docker on the same registry (every blob
# mounted across repositories: POST ?mount=, no blob PUT, no blob downloaded),
# docker -> docker across registries (layers streamed, never cached on disk),
# docker-archive (skopeo's and ours) -> docker, docker -> docker-archive. The
# progress display: a line per blob with bytes, total and rate on a terminal (a
# pty from `script`), nothing of it without a terminal or with -q. Every result is
# read by skopeo and validated by oci-image-tool.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

mkdir -p "$T/ctx"
det_bytes copy $((20 << 20)) >"$T/ctx/data.bin"
seq 1 5000 >"$T/ctx/notes.txt"
printf 'FROM scratch\nCOPY data.bin /\nCOPY notes.txt /\nENTRYPOINT ["/app"]\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")
MANIFEST=$T/layout/blobs/sha256/${DIGEST#sha256:}
CONFIG=$(jq -r .config.digest "$MANIFEST")
BLOBS=$(jq -r '.config.digest, .layers[].digest' "$MANIFEST" | sort)
LAYERS=$(jq -r '.layers[].digest' "$MANIFEST")

start_registry
echo '{"rules": []}' >"$T/rules.json"
start_fault_proxy "$T/rules.json"

# --- failure cases ----------------------------------------------------------------------------------
assert_exit 2 "$RT_BIN" copy "ftp:$T/layout" "docker://$REG/x:1"
assert_contains "$ERR" "unknown transport 'ftp'" "unknown transport"
assert_exit 2 "$RT_BIN" copy "oci:$T/no-such-layout:1" "docker://$REG/x:1"
assert_contains "$ERR" "source $T/no-such-layout: no such file or directory" "missing layout"
assert_exit 2 "$RT_BIN" copy "docker-archive:$T/no-such.tar" "docker://$REG/x:1"
assert_contains "$ERR" "source $T/no-such.tar: no such file or directory" "missing archive"
assert_exit 2 "$RT_BIN" copy "docker-archive:$T/layout" "docker://$REG/x:1"
assert_contains "$ERR" "is a directory, not a file" "an archive that is a directory"
assert_exit 1 "$RT_BIN" copy "oci:$T/ctx" "docker://$REG/x:1"
assert_contains "$ERR" "not an OCI image layout" "a directory that is no layout"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:nope" "docker://$REG/x:1"
assert_contains "$ERR" "no image tagged 'nope' (tags there: 1)" "an unknown tag"
assert_exit 1 "$RT_BIN" copy "docker://$REG/nothing:1" "oci:$T/none"
assert_contains "$ERR" "MANIFEST_UNKNOWN" "an unknown image"
[[ ! -d $REG_DIR/docker && ! -e $T/none ]] || fail "a failed copy wrote something"
pass "failure cases"

# --- oci -> docker -> oci ---------------------------------------------------------------------------------
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$PROXY/src/app:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "oci -> docker"
assert_eq "$BLOBS" "$(uploaded_digests)" "every blob uploaded"
verify_pushed "$REG/src/app:1" "$DIGEST"
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" copy "docker://$PROXY/src/app:1" "oci:$T/pulled:v1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "docker -> oci"
oci-image-tool validate --type image --ref name=v1 "$T/pulled" >/dev/null
for d in $BLOBS $DIGEST; do
  cmp "$T/layout/blobs/sha256/${d#sha256:}" "$T/pulled/blobs/sha256/${d#sha256:}" || fail "blob $d differs after the round trip"
done
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/pulled:v1" | jq -r .Digest)" "skopeo reads the pulled layout"
pass "oci -> docker -> oci: the same bytes"

# --- docker -> docker, same registry: mounted, not downloaded, not uploaded ---------------------------
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" copy "docker://$PROXY/src/app:1" "docker://$PROXY/dst/app:2"
assert_eq "$DIGEST" "$(last_line "$OUT")" "docker -> docker"
assert_contains "$ERR" "0 blobs uploaded, 3 mounted" "the summary"
verify_pushed "$REG/dst/app:2" "$DIGEST"
for d in $BLOBS; do
  assert_eq "POST /v2/dst/app/blobs/uploads/?mount=$d&from=src/app 201 0" \
    "$(proxy_log ".method == \"POST\" and (.path | contains(\"$d\"))")" "$d mounted from src/app"
done
assert_eq "" "$(proxy_log '.blob_upload')" "no blob PUT"
for d in $LAYERS; do
  assert_eq "" "$(proxy_log ".method == \"GET\" and (.path | contains(\"$d\"))" | grep -v HEAD || true)" "layer $d not downloaded"
done
pass "docker -> docker on one registry: 3 blobs mounted, 0 bytes sent"

# --- docker -> docker across registries: streamed, not cached -------------------------------------------
# A second registry; the proxy still fronts the first, the source.
start_registry
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" copy --cache-dir "$T/cache2" "docker://$PROXY/src/app:1" "docker://$REG/other/app:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "docker -> another registry"
verify_pushed "$REG/other/app:1" "$DIGEST"
for d in $LAYERS; do
  assert_eq "GET /v2/src/app/blobs/$d 200 0" "$(proxy_log "(.path | contains(\"$d\"))")" "layer $d read once from the source"
  assert_eq "" "$(find "$T/cache2" -name "*${d#sha256:}*")" "layer $d streamed, not written to the cache"
done
pass "docker -> docker across registries: layers streamed"

# --- docker-archive -> docker ---------------------------------------------------------------------------
# skopeo's archive holds uncompressed layers; ours (docker -> docker-archive) too.
skopeo copy -q --insecure-policy "oci:$T/layout:1" "docker-archive:$T/skopeo.tar:example.com/app:1"
assert_exit 0 "$RT_BIN" copy "docker-archive:$T/skopeo.tar" "docker://$REG/fromarchive/skopeo:1"
verify_pushed "$REG/fromarchive/skopeo:1" "$(last_line "$OUT")"
assert_eq "$CONFIG" "$(skopeo inspect --raw --tls-verify=false "docker://$REG/fromarchive/skopeo:1" | jq -r .config.digest)" \
  "skopeo's archive pushed: the same config (diff_ids, history)"
pass "docker-archive (skopeo's) -> docker"

# --- docker -> docker-archive -> docker --------------------------------------------------------------------
assert_exit 0 "$RT_BIN" copy "docker://$PROXY/src/app:1" "docker-archive:$T/ours.tar:example.com/app:2"
assert_eq "$DIGEST" "$(last_line "$OUT")" "docker -> docker-archive prints the source digest"
assert_eq '["example.com/app:2"]' "$(tar -xOf "$T/ours.tar" manifest.json | jq -c '[.[].RepoTags[]]')" "RepoTags"
assert_eq "$CONFIG" "$(skopeo inspect --raw "docker-archive:$T/ours.tar" | jq -r .config.digest)" "same config in the archive"
skopeo copy -q --insecure-policy "docker-archive:$T/ours.tar" "oci:$T/from-archive:1"
oci-image-tool validate --type image --ref name=1 "$T/from-archive" >/dev/null
assert_exit 0 "$RT_BIN" copy "docker-archive:$T/ours.tar" "docker://$REG/fromarchive/ours:1"
verify_pushed "$REG/fromarchive/ours:1" "$(last_line "$OUT")"
assert_eq "$CONFIG" "$(skopeo inspect --raw --tls-verify=false "docker://$REG/fromarchive/ours:1" | jq -r .config.digest)" \
  "our archive pushed: the same config"
pass "docker -> docker-archive -> docker"

# --- progress: on a terminal only ------------------------------------------------------------------------
# on_tty CMD... : run CMD with stdout and stderr on a pty (script), output in $TTY_OUT.
on_tty() {
  local cmd
  cmd=$(printf '%q ' "$@")
  TTY_OUT=$(script -qec "$cmd" /dev/null | tr '\r' '\n') || fail "on a pty, failed: $*"$'\n'"$TTY_OUT"
}
progress_re='[0-9a-f]{12}: [0-9.]+ (B|KiB|MiB) / [0-9.]+ (B|KiB|MiB) +[0-9.]+ (B|KiB|MiB|GiB)/s'
on_tty "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/progress/tty:1"
grep -Eq "$progress_re" <<<"$TTY_OUT" || fail "no progress line (bytes / total rate) on a terminal:"$'\n'"$TTY_OUT"
assert_contains "$TTY_OUT" "$(jq -r '.layers[0].digest' "$MANIFEST" | cut -c8-19): pushed (20.0 MiB)" "the blob's last line"
assert_eq "$DIGEST" "$(grep -v '^$' <<<"$TTY_OUT" | tail -n 1)" "the digest still comes last"
# Without a terminal: nothing of it, nor any terminal control sequence.
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/progress/pipe:1"
! grep -Eq "$progress_re|pushed \(" <<<"$OUT$ERR" || fail "progress without a terminal:"$'\n'"$ERR"
assert_not_contains "$OUT$ERR" $'\033' "no escape sequences without a terminal"
# -q on a terminal: nothing of it either; the digest only.
on_tty "$RT_BIN" -q copy "oci:$T/layout:1" "docker://$REG/progress/quiet:1"
assert_eq "$DIGEST" "$(grep -v '^$' <<<"$TTY_OUT")" "-q on a terminal prints the digest only"
verify_pushed "$REG/progress/quiet:1" "$DIGEST"
pass "progress: a line per blob on a terminal; nothing without one or with -q"

#!/usr/bin/env bash
# The registry killed (SIGKILL) in the middle of a large push (150 MiB of
# incompressible data in two layers, plus small layers, generated
# deterministically): the push fails within the retry policy's time (exit 1,
# naming the request), the registry is restarted on the same storage, and the rerun
# completes, uploading only the blobs the registry did not have (counted through
# the fault proxy, and checked against the registry's storage). skopeo reads the
# image back.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

mkdir -p "$T/ctx"
det_bytes kill-restart-1 $((80 << 20)) >"$T/ctx/big1.bin"
det_bytes kill-restart-2 $((70 << 20)) >"$T/ctx/big2.bin"
seq 1 20000 >"$T/ctx/notes.txt"
printf 'small\n' >"$T/ctx/small.txt"
printf 'FROM scratch\nCOPY big1.bin /data/\nCOPY notes.txt /\nCOPY big2.bin /data/\nCOPY small.txt /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")
MANIFEST=$T/layout/blobs/sha256/${DIGEST#sha256:}
mapfile -t LAYERS < <(jq -r '.layers[].digest' "$MANIFEST")
CONFIG=$(jq -r .config.digest "$MANIFEST")
size_of() { stat -c %s "$T/layout/blobs/sha256/${1#sha256:}"; }

start_registry
# Blobs go one at a time (--jobs 1) in manifest order: big1, notes, big2, small,
# config. The third blob PUT (big2) is held 4 s by the proxy while release-tool
# streams it; the registry is killed then.
echo '{"rules": [{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [3], "delay": 4}]}' >"$T/rules.json"
start_fault_proxy "$T/rules.json"

# --- the first push: the registry dies under it --------------------------------------------------
START=$SECONDS
"$RT_BIN" copy --jobs 1 "oci:$T/layout:1" "docker://$PROXY/big/app:1" >"$T/push1.out" 2>"$T/push1.err" &
PUSH=$!
for ((i = 0; i < 600; i++)); do
  (($(proxy_log '.blob_upload' | wc -l) >= 2)) && [[ $(proxy_log '.method == "POST"' | wc -l) -ge 3 ]] && break
  kill -0 "$PUSH" 2>/dev/null || fail "the push ended before the registry was killed: $(<"$T/push1.err")"
  sleep 0.1
done
assert_eq "$(printf '%s\n' "${LAYERS[0]}" "${LAYERS[1]}" | sort)" "$(uploaded_digests)" "uploaded before the kill: big1 and notes"
sleep 0.5 # big2's PUT is on its way
stop_registry --kill
{ registry_has_blob "${LAYERS[0]}" && registry_has_blob "${LAYERS[1]}"; } || fail "the first two blobs are not in the storage"
if registry_has_blob "${LAYERS[2]}"; then fail "big2 is in the storage although its upload was cut"; fi
RC=0
wait "$PUSH" || RC=$?
assert_eq 1 "$RC" "the first push fails: $(<"$T/push1.err")"
ERR=$(<"$T/push1.err")
assert_contains "$ERR" "release-tool: error: " "the failure is reported"
assert_contains "$ERR" "$PROXY_URL/v2/big/app/blobs/" "naming the request"
(($(grep -c "retrying in" <<<"$ERR") == 4)) || fail "expected 4 retries (5 attempts), got:"$'\n'"$ERR"
((SECONDS - START < 45)) || fail "the push took $((SECONDS - START))s to give up; the retry policy allows ~15 s"
assert_eq "" "$(<"$T/push1.out")" "no digest printed for a failed push"
pass "registry killed mid-push: exit 1 after $((SECONDS - START))s"

# --- restart on the same storage; the rerun uploads only what is missing -------------------------------
restart_registry
echo '{"rules": []}' >"$T/rules.json"
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$PROXY/big/app:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "the rerun completes"
MISSING=$(printf '%s\n' "${LAYERS[2]}" "${LAYERS[3]}" "$CONFIG" | sort)
assert_eq "$MISSING" "$(uploaded_digests)" "the rerun uploads big2, small and the config, nothing else"
assert_eq $(($(size_of "${LAYERS[2]}") + $(size_of "${LAYERS[3]}") + $(size_of "$CONFIG"))) \
  "$(blob_upload_bytes)" "blob bytes of the rerun: only the missing blobs'"
for d in "${LAYERS[0]}" "${LAYERS[1]}"; do
  assert_eq "HEAD /v2/big/app/blobs/$d 200 0" "$(proxy_log "(.path | contains(\"$d\"))")" "$d: present, only HEADed"
done
verify_pushed "$REG/big/app:1" "$DIGEST"
pass "after a restart the rerun uploaded $(blob_upload_bytes) bytes: only the 3 missing blobs"

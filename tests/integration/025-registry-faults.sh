#!/usr/bin/env bash
# Pushing through tests/support/fault_proxy.py, which injects faults and logs every
# request. A registry that keeps failing: exit 1, the status named, no manifest sent.
# Then one push meets a 500 on a blob PUT, a 429 with Retry-After: 2 on a HEAD, a
# dropped connection, and a PUT that landed but answered 502: it succeeds; each
# failed blob is HEADed again before being re-sent (and the one that landed is not
# re-sent); the 429 is retried no sooner than 2 s later. A manifest PUT never comes
# before the PUTs of its blobs. An upload session the registry lost (404
# BLOB_UPLOAD_UNKNOWN) or whose PUT was dropped is replaced by a new one after a
# HEAD: no session ever receives two PUTs (libcurl re-sends none by itself). An
# unchanged rerun (copy and assemble) uploads 0 blob bytes and no manifest.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

# Four blobs: three layers and the config.
mkdir -p "$T/ctx"
det_bytes faults-1 400000 >"$T/ctx/one.bin"
det_bytes faults-2 300000 >"$T/ctx/two.bin"
printf 'small\n' >"$T/ctx/three.txt"
printf 'FROM scratch\nCOPY one.bin /\nCOPY two.bin /\nCOPY three.txt /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")
BLOBS=$(jq -r '.config.digest, .layers[].digest' "$T/layout/blobs/sha256/${DIGEST#sha256:}" | sort)

start_registry
echo '{"rules": []}' >"$T/rules.json"
start_fault_proxy "$T/rules.json"
rules() { printf '{"rules": [%s]}\n' "$(IFS=,; echo "$*")" >"$T/rules.json"; }

# --- failure: a registry that keeps failing ---------------------------------------------------------
# Every blob PUT answers 503 (Retry-After: 0 keeps the test quick).
rules '{"method": "PUT", "path_re": "/blobs/uploads/", "status": 503, "retry_after": 0}'
assert_exit 1 "$RT_BIN" copy --jobs 1 "oci:$T/layout:1" "docker://$PROXY/faults/a:1"
error_line "pushing to docker://$PROXY/faults/a:1: PUT $PROXY_URL/v2/faults/a/blobs/uploads/" "the failing request"
assert_contains "$ERR" "HTTP 503" "the status"
assert_eq 4 "$(grep -c "retrying in" <<<"$ERR")" "retried 4 times (5 attempts) before giving up"
assert_eq 5 "$(proxy_log '.blob_upload' | wc -l)" "5 PUTs of the blob"
assert_eq 1 "$(proxy_log '.blob_upload' | grep -o 'digest=sha256:[0-9a-f]*' | sort -u | wc -l)" \
  "all of the same blob: then release-tool stops"
assert_eq "" "$(uploaded_digests)" "none accepted"
assert_eq "" "$(proxy_log '.method == "PUT" and (.path | contains("/manifests/"))')" "no manifest sent"
pass "a registry that keeps failing: exit 1 after 5 attempts"

# --- faults that a push gets through ---------------------------------------------------------------
# One blob at a time, so that the conversation is the same on every run: the
# ping's connection dropped; the first blob HEAD answered 429 with Retry-After: 2;
# the first blob PUT answered 500; the third dropped; the fourth landed upstream
# but answered 502.
: >"$PROXY_LOG"
rules '{"method": "GET", "path_re": "^/v2/$", "nth": [1], "drop": true}' \
  '{"method": "HEAD", "path_re": "/blobs/sha256", "nth": [1], "status": 429, "retry_after": 2}' \
  '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [1], "status": 500}' \
  '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [3], "drop": true}' \
  '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [4], "forward": true, "status": 502}'
START=$(date +%s.%N)
assert_exit 0 "$RT_BIN" copy --jobs 1 "oci:$T/layout:1" "docker://$PROXY/faults/b:1"
ELAPSED=$(jq -n "$(date +%s.%N) - $START")
assert_eq "$DIGEST" "$(last_line "$OUT")" "the push succeeds"
verify_pushed "$REG/faults/b:1" "$DIGEST"

# The whole conversation, digests named: L1..L3 the layers, C the config, M the manifest.
MANIFEST=$T/layout/blobs/sha256/${DIGEST#sha256:}
names=(-e "s#$DIGEST#M#g" -e "s#$(jq -r .config.digest "$MANIFEST")#C#g" -e 's#/blobs/uploads/[0-9a-f-]{36}\?#/blobs/uploads/U?#')
for n in 0 1 2; do names+=(-e "s#$(jq -r ".layers[$n].digest" "$MANIFEST")#L$((n + 1))#g"); done
size() { jq -r ".layers[$1].size" "$MANIFEST"; }
B=/v2/faults/b
assert_eq "GET /v2/ dropped 0
GET /v2/ 200 0
HEAD $B/manifests/M 404 0
HEAD $B/blobs/L1 429 0
HEAD $B/blobs/L1 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=L1 500 $(size 0)
HEAD $B/blobs/L1 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=L1 201 $(size 0)
HEAD $B/blobs/L2 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=L2 dropped $(size 1)
HEAD $B/blobs/L2 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=L2 502 $(size 1)
HEAD $B/blobs/L2 200 0
HEAD $B/blobs/L3 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=L3 201 $(size 2)
HEAD $B/blobs/C 404 0
POST $B/blobs/uploads/ 202 0
PUT $B/blobs/uploads/U?digest=C 201 $(stat -c %s "$T/layout/blobs/sha256/$(jq -r .config.digest "$MANIFEST" | cut -d: -f2)")
PUT $B/manifests/M 201 $(stat -c %s "$MANIFEST")
HEAD $B/manifests/1 404 0
PUT $B/manifests/1 201 $(stat -c %s "$MANIFEST")" "$(proxy_log | sed -E "${names[@]}")" \
  "the conversation: each failure retried, a failed blob HEADed before it is sent again, manifest last"
# (The PUT whose reused connection died before any answer is not re-sent by
# libcurl to the same upload session: release-tool HEADs the blob and starts a
# new session. The next PUT's answer, 502 although it landed, is retried too,
# and the HEAD finds the blob there: it is not sent a third time.)

# The 429: the same HEAD again, no sooner than Retry-After: 2 said (the time between
# the two requests; the 429 itself took a millisecond), and the log says so.
wait429=$(jq -sr '[.[] | select(.method == "HEAD" and (.path | contains("/blobs/")))][0:2]
  | .[1].time - .[0].time | . * 1000 | round / 1000' "$PROXY_LOG")
jq -e "$wait429 >= 2" <<<null >/dev/null || fail "retried the 429 after ${wait429}s; Retry-After said 2"
[[ $ERR == *"retrying in 2s: HEAD $PROXY_URL$B/blobs/sha256:"*": HTTP 429"* ]] ||
  fail "the log does not show the 2 s wait after the 429:"$'\n'"$ERR"
[[ $ERR == *"retrying in 1"*"s: GET $PROXY_URL/v2/: Empty reply from server"* ]] ||
  fail "the log does not show the dropped ping retried:"$'\n'"$ERR"
assert_contains "$ERR" ": HTTP 500: UNKNOWN: injected fault" "the 500 in the log"
assert_contains "$ERR" ": HTTP 502: UNKNOWN: injected fault" "the 502 in the log"
assert_eq 5 "$(grep -c "retrying in" <<<"$ERR")" "5 retries logged"
# Every blob PUT was answered before the first manifest PUT started (`answered`
# is when the proxy had the answer: the client cannot be ahead of it).
jq -se '([.[] | select(.blob_upload) | .answered] | max) <=
  ([.[] | select(.method == "PUT" and (.path | contains("/manifests/"))) | .time] | min)' "$PROXY_LOG" >/dev/null ||
  fail "a manifest PUT started before a blob PUT ended"
pass "dropped ping, 429 + Retry-After: 2 (waited ${wait429}s), 500, dropped PUT, 502 after landing: pushed in ${ELAPSED%%.*}s"

# --- lost upload sessions: never a second body to one session ------------------------------------
# The first blob PUT answers 404 BLOB_UPLOAD_UNKNOWN (the registry restarted and
# lost the session); the second is dropped after its body arrived. Each time the
# blob is HEADed again and a new session POSTed: every session gets one PUT.
: >"$PROXY_LOG"
rules '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [1], "status": 404, "code": "BLOB_UPLOAD_UNKNOWN"}' \
  '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [2], "drop": true}'
assert_exit 0 "$RT_BIN" copy --jobs 1 "oci:$T/layout:1" "docker://$PROXY/faults/d:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pushed despite lost sessions"
verify_pushed "$REG/faults/d:1" "$DIGEST"
assert_contains "$ERR" ": HTTP 404: BLOB_UPLOAD_UNKNOWN: injected fault (the upload session is gone: starting a new one)" \
  "the lost session in the log"
assert_contains "$ERR" "/blobs/$(proxy_log '.status == "dropped"' | grep -oE 'uploads/[0-9a-f-]{36}'): the connection closed before an answer came (the body is not sent to the same URL again)" \
  "libcurl did not re-send the dropped PUT's body to its session"
L1=$(jq -r '.layers[0].digest' "$MANIFEST")
D=/v2/faults/d
assert_eq "HEAD $D/blobs/$L1 404 0
POST $D/blobs/uploads/ 202 0
PUT $D/blobs/uploads/U?digest=$L1 404 $(size 0)
HEAD $D/blobs/$L1 404 0
POST $D/blobs/uploads/ 202 0
PUT $D/blobs/uploads/U?digest=$L1 dropped $(size 0)
HEAD $D/blobs/$L1 404 0
POST $D/blobs/uploads/ 202 0
PUT $D/blobs/uploads/U?digest=$L1 201 $(size 0)" \
  "$(proxy_log "(.path | contains(\"$L1\")) or .method == \"POST\"" | head -n 9 | sed -E 's#/blobs/uploads/[0-9a-f-]{36}\?#/blobs/uploads/U?#')" \
  "after a lost session and a dropped PUT: HEAD, a new session, one PUT each"
assert_eq "" "$(proxy_log '.blob_upload' | grep -oE '/blobs/uploads/[0-9a-f-]{36}' | sort | uniq -d)" \
  "no upload session received two PUTs"
pass "404 BLOB_UPLOAD_UNKNOWN and a dropped PUT: a new session each time, never a body re-sent to one"

# --- an unchanged rerun uploads nothing -------------------------------------------------------------
rules
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$PROXY/faults/b:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "rerun"
assert_eq 0 "$(blob_upload_bytes)" "blob bytes uploaded by the unchanged rerun"
assert_eq "GET /v2/ 200 0|HEAD /v2/faults/b/manifests/$DIGEST 200 0|HEAD /v2/faults/b/manifests/1 200 0" \
  "$(proxy_log | paste -sd'|')" "the rerun only asks"
# assemble straight to the registry, blobs in parallel, one of them slow: the
# manifest still waits for it.
rules '{"method": "PUT", "path_re": "/blobs/uploads/", "nth": [1], "delay": 1.5}'
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" assemble --output "docker://$PROXY/faults/c:1" "$T/ctx"
assert_eq "$DIGEST" "$(last_line "$OUT")"
assert_eq "$BLOBS" "$(uploaded_digests)" "4 blobs uploaded"
jq -se '([.[] | select(.blob_upload) | .answered] | max) <=
  ([.[] | select(.method == "PUT" and (.path | contains("/manifests/"))) | .time] | min)' "$PROXY_LOG" >/dev/null ||
  fail "parallel push: a manifest PUT started before the slow blob PUT ended"
# ... and the second run uploads nothing.
rules
: >"$PROXY_LOG"
assert_exit 0 "$RT_BIN" assemble --output "docker://$PROXY/faults/c:1" "$T/ctx"
assert_eq "$DIGEST" "$(last_line "$OUT")"
assert_eq 0 "$(blob_upload_bytes)" "blob bytes uploaded by the unchanged assemble"
assert_eq "" "$(proxy_log '.method != "HEAD" and .method != "GET"')" "nothing but HEAD and GET"
verify_pushed "$REG/faults/c:1" "$DIGEST"
pass "unchanged reruns upload 0 bytes"

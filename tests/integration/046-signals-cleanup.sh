#!/usr/bin/env bash
# SIGTERM and SIGINT stop a run the way a failure does (issue 11): within a
# second or two, exit 143 / 130, the build's temporary directory and the
# cache's half-downloaded blob removed, no output written. A blob download that
# a killed run left behind (.incoming.tmp-*) is swept by a later run once it is
# hours old; a recent one (another run may be writing it) stays.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000
BLOBS=$XDG_CACHE_HOME/release-tool/blobs/sha256

# A base image in the registry, with a 200 kB layer.
start_registry
mkdir -p "$T/base" "$T/ctx" "$T/tmp"
det_bytes signals 200000 >"$T/base/big.bin"
printf 'FROM scratch\nCOPY big.bin /\n' >"$T/base/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "docker://$REG/base:1" "$T/base"
echo '{"rules": []}' >"$T/rules.json"
start_fault_proxy "$T/rules.json"
rules() { printf '{"rules": [%s]}\n' "$(IFS=,; echo "$*")" >"$T/rules.json"; }
echo hi >"$T/ctx/f"
# COPY into a directory of the base: the base's layer is indexed, so downloaded.
printf 'FROM %s/base:1\nCOPY f /deep/dir/\n' "$PROXY" >"$T/ctx/Dockerfile"
rm -rf "$XDG_CACHE_HOME/release-tool"

# interrupt SIGNAL WHEN... : start assemble (TMPDIR=$T/tmp), wait until the file
# test WHEN succeeds, send SIGNAL; sets RC, ERR and SECONDS_TO_EXIT.
interrupt() {
  local sig=$1 pid i start
  shift
  # A script's background job starts with SIGINT ignored (and keeps it so); as
  # from a terminal, it gets the default disposition here.
  TMPDIR=$T/tmp "$RT_PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$RT_BIN" assemble --output "oci:$T/out" "$T/ctx" \
    >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    compgen -G "$1" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || fail "assemble ended before it could be interrupted: $(<"$T/run.err")"
    sleep 0.05
  done
  compgen -G "$1" >/dev/null || fail "nothing matched $1 within 10 s"
  start=$(date +%s%N)
  kill "-$sig" "$pid"
  RC=0
  wait "$pid" || RC=$?
  SECONDS_TO_EXIT=$((($(date +%s%N) - start) / 1000000000))
  ERR=$(<"$T/run.err")
}

# --- SIGTERM while a base layer downloads into the cache -----------------------
rules '{"method": "GET", "path_re": "/blobs/sha256:", "trickle": 4000}'
interrupt TERM "$BLOBS/.incoming.tmp-*"
assert_eq 143 "$RC" "exit status after SIGTERM ($ERR)"
assert_contains "$ERR" "interrupted by SIGTERM"
((SECONDS_TO_EXIT <= 3)) || fail "took ${SECONDS_TO_EXIT}s to stop after SIGTERM"
assert_eq "" "$(ls -A "$T/tmp")" "temporary directories after SIGTERM"
assert_eq "" "$(find "$BLOBS" -name '.incoming.tmp-*')" "half-downloaded blobs after SIGTERM"
[[ ! -e $T/out ]] || fail "an interrupted run wrote its output"
pass "SIGTERM mid-download: exit 143 in ${SECONDS_TO_EXIT}s, temporaries removed, no output"

# --- SIGINT while waiting for the registry's manifest --------------------------
rules '{"method": "GET", "path_re": "/manifests/", "delay": 30}'
interrupt INT "$T/tmp/release-tool-build-*"
assert_eq 130 "$RC" "exit status after SIGINT ($ERR)"
assert_contains "$ERR" "interrupted by SIGINT"
((SECONDS_TO_EXIT <= 3)) || fail "took ${SECONDS_TO_EXIT}s to stop after SIGINT"
assert_eq "" "$(ls -A "$T/tmp")" "temporary directories after SIGINT"
[[ ! -e $T/out ]] || fail "an interrupted run wrote its output"
pass "SIGINT while waiting for a registry: exit 130 in ${SECONDS_TO_EXIT}s, temporaries removed"

# --- what a killed run leaves is swept when it is old -------------------------
rules
mkdir -p "$BLOBS"
echo partial >"$BLOBS/.incoming.tmp-0123456789abcdef"
echo partial >"$BLOBS/.incoming.tmp-fedcba9876543210"
touch -d '2 days ago' "$BLOBS/.incoming.tmp-0123456789abcdef"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out" "$T/ctx"
assert_eq "$BLOBS/.incoming.tmp-fedcba9876543210" "$(find "$BLOBS" -name '.incoming.tmp-*')" \
  "temporary blobs left: only the recent one"
pass "a stale .incoming.tmp-* is swept when the cache is opened; a recent one stays"

#!/usr/bin/env bash
# Benchmark: `release-tool rc` for the four images of the example
# (examples/lana-bank, the top-level images.json and dockerfiles/), against a
# local registry behind the fault proxy (no faults: it logs every request and
# its body bytes):
#   cold      RUNS times, each with a fresh cache directory and a fresh registry
#             (new storage), the stand-in bases pulled from a mirror registry;
#   unchanged RERUNS times, rerun with nothing changed (the cache and registry
#             of the last cold run);
#   signed    RERUNS times, interleaved with `unchanged`: the same rerun with
#             --sign-key (signatures, SBOMs and provenance already attached by
#             one untimed signed run): what checking them costs. Target < +10%.
#             A rerun takes ~0.3 s and varies by ±10% on a loaded machine, so
#             RERUNS (11) is larger than RUNS.
# then the cold run, unchanged and signed reruns again against a registry over TLS
# whose CA is trusted through the system's bundle (SSL_CERT_FILE: the system's
# plus the test CA), wall time only;
# then `release-tool github-release --version 0.42.0` into the GitHub stand-in
# (the example's assets: lana-cli, three tarballs, SHA256SUMS): cold (a fresh
# stand-in and cache each time) and rerun (published already: a no-op), with the
# bytes uploaded; and `final --version 0.42.0` after the rc of the same commit,
# with the blob bytes it uploads (configs only: the layers are rc's).
# Prints medians (min, max) of the wall-clock time, the blob bytes uploaded and
# the requests sent, against the targets: unchanged rerun < 0.3 s and 0 blob
# bytes. PROFILE=1 adds where the time of one unchanged rerun goes: its -v
# output with timestamps, and `strace -c -f`. See bench/README.md.
#
#   bench/release.sh                      # builds release-tool if RT_BIN is not set
#   RUNS=5 PROFILE=1 bench/release.sh
#
# Environment: RUNS (3), RERUNS (11), RT_BIN (default: a Release build in build-bench/),
# PROFILE (0), TMPDIR (where the scratch directory goes; removed at the end
# unless RT_KEEP_TMP=1).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # the helpers take no script args
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
RERUNS=${RERUNS:-11}
PROFILE=${PROFILE:-0}
# shellcheck source=lib.sh
source "$REPO/bench/lib.sh" # die, require_tools, ensure_rt_bin
require_tools docker-registry skopeo jq curl gcc make git /usr/bin/python3
((RUNS >= 1 && RERUNS >= 1)) || die "RUNS and RERUNS must be at least 1"

ensure_rt_bin
export RT_BIN RT_SOURCE_DIR=$REPO

# The test support: servers, the scratch checkout of the release files, flags.
# shellcheck source=../tests/support/lib.sh
source "$REPO/tests/support/lib.sh"
# shellcheck source=../tests/support/release_env.sh
source "$REPO/tests/support/release_env.sh"
rt_setup

echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
release_checkout >/dev/null
release_bases >/dev/null
# The binary is built once, before timing: `make` is then a no-op in every run
# (the build command still runs), so the figures are release-tool's own.
make -s -C "$SRC/examples/lana-bank" target/lana-cli >/dev/null
echo '{"rules": []}' >"$T/rules.json"
V=0.42.0-rc.1

# run_rc LABEL CACHE [ARGS...] : one timed rc; appends "seconds blob_bytes requests writes"
# to $T/LABEL.txt.
run_rc() {
  local label=$1 cache=$2 mark start end
  shift 2
  mark=$(proxy_mark)
  start=$(date +%s.%N)
  "$RT_BIN" -q rc "${RFLAGS[@]}" --version "$V" --cache-dir "$cache" "$@" >"$T/out.txt" 2>"$T/err.txt" ||
    { cat "$T/err.txt" >&2; die "rc failed ($label)"; }
  end=$(date +%s.%N)
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}') $(blob_bytes_since "$mark") \
$(proxy_since "$mark" length) $(writes_since "$mark" | grep -c . || true)" >>"$T/$label.txt"
}

for ((i = 1; i <= RUNS; i++)); do
  start_registry >/dev/null
  start_fault_proxy "$T/rules.json" >/dev/null
  release_flags "$SRC" "$PROXY"
  CACHE=$T/cache-$i
  run_rc cold "$CACHE"
done
"$PYTHON" "$REPO/tests/support/cosign_check.py" keygen "$T/cosign.key" "$T/cosign.pub"
run_rc first-signed "$CACHE" --sign-key "$T/cosign.key"
for ((i = 1; i <= RERUNS; i++)); do
  run_rc unchanged "$CACHE"
  run_rc signed "$CACHE" --sign-key "$T/cosign.key"
done

# column_stats FILE COLUMN : "median (min–max)" of a column.
column_stats() {
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s (%s–%s)", m, v[1], v[NR] }'
}
# median LABEL : the median wall time of $T/LABEL.txt.
median() { column_stats "$T/$1.txt" 1 | cut -d' ' -f1; }
# overhead BASE SIGNED : the signed rerun against the +10% target.
overhead() {
  awk -v m="$1" -v s="$2" 'BEGIN {printf "%s (%+.1f%%)", (s < 1.1 * m) ? "met" : "NOT met", 100 * (s - m) / m}'
}
echo
echo "release-tool rc, the four example images, $RUNS cold runs, $RERUNS reruns each (median (min–max)):"
printf '%-10s %-24s %-28s %-16s %s\n' "" "wall seconds" "blob bytes uploaded" "requests" "write requests"
for label in cold unchanged signed; do
  printf '%-10s %-24s %-28s %-16s %s\n' "$label" "$(column_stats "$T/$label.txt" 1)" \
    "$(column_stats "$T/$label.txt" 2)" "$(column_stats "$T/$label.txt" 3)" \
    "$(column_stats "$T/$label.txt" 4)"
done
MEDIAN=$(median unchanged)
BYTES=$(awk '{s += $2} END {print s}' "$T/unchanged.txt")
echo
echo "target: unchanged rerun < 0.3 s: $(awk -v m="$MEDIAN" 'BEGIN {print (m < 0.3) ? "met" : "NOT met"}') (median ${MEDIAN}s)"
SIGNED=$(median signed)
echo "target: signed unchanged rerun < +10%: $(overhead "$MEDIAN" "$SIGNED")"
echo "target: unchanged rerun uploads 0 blob bytes: $([[ $BYTES == 0 ]] && echo met || echo "NOT met ($BYTES bytes)")"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the same reruns against a registry over TLS, trusted through the system's CAs -----------
# No proxy here (it speaks plain HTTP): wall time only. SSL_CERT_FILE is the system's
# bundle plus the test CA, so every TLS connection is verified against ~140 CAs as in
# production (a new connection per thread used to parse the bundle again: ~27 ms CPU).
start_registry --tls >/dev/null
cat /etc/ssl/certs/ca-certificates.crt "$REG_CA" >"$T/bundle.pem"
release_flags "$SRC" "$REG"
# run_tls LABEL [ARGS...] : one timed rc over TLS; appends the seconds to $T/LABEL.txt.
run_tls() {
  local label=$1 start end
  shift
  start=$(date +%s.%N)
  SSL_CERT_FILE=$T/bundle.pem "$RT_BIN" -q rc "${RFLAGS[@]}" --version "$V" --cache-dir "$T/cache-tls" "$@" \
    >"$T/out.txt" 2>"$T/err.txt" || { cat "$T/err.txt" >&2; die "rc over TLS failed ($label)"; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}' >>"$T/$label.txt"
}
run_tls tls-cold
run_tls tls-first-signed --sign-key "$T/cosign.key"
for ((i = 1; i <= RERUNS; i++)); do
  run_tls tls-unchanged
  run_tls tls-signed --sign-key "$T/cosign.key"
done
echo
echo "the same over TLS (CAs from the system's bundle), wall seconds, median (min–max):"
for label in tls-cold tls-unchanged tls-signed; do
  printf '%-10s %s\n' "${label#tls-}" "$(column_stats "$T/$label.txt" 1)"
done
TU=$(median tls-unchanged)
TS=$(median tls-signed)
echo "target: signed unchanged rerun over TLS < +10%: $(overhead "$TU" "$TS")"
release_flags "$SRC" "$PROXY"

# --- github-release, and final after rc ---------------------------------------------
GV=0.42.0
TOKEN=ghp_bench$RANDOM$RANDOM
jq -n --arg sha "$SRC_SHA" --arg token "$TOKEN" --arg date "$(date -u -d "@$SRC_EPOCH" +%FT%TZ)" '{
  tokens: [$token], repos: {"GaloyMoney/lana-bank": {immutable_releases: true,
    branches: {main: $sha}, commits: {($sha): {date: $date}}}}}' >"$T/github.json"
GHR=(github-release --config "$SRC/images.json" --config "$SRC/examples/lana-bank/overlay.json" --version "$GV")
# run_ghr LABEL CACHE : one timed github-release; appends "seconds upload_bytes uploads".
run_ghr() {
  local label=$1 cache=$2 mark start end
  mark=$(wc -l <"$GH_UPLOADS_LOG" 2>/dev/null || echo 0)
  start=$(date +%s.%N)
  GH_TOKEN=$TOKEN "$RT_BIN" -q "${GHR[@]}" --cache-dir "$cache" >"$T/out.txt" 2>"$T/err.txt" ||
    { cat "$T/err.txt" >&2; die "github-release failed ($label)"; }
  end=$(date +%s.%N)
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}') \
$(tail -n +"$((mark + 1))" "$GH_UPLOADS_LOG" 2>/dev/null | jq -s '[.[] | .content_length | tonumber] | add // 0') \
$(tail -n +"$((mark + 1))" "$GH_UPLOADS_LOG" 2>/dev/null | grep -c . || true)" >>"$T/$label.txt"
}
for ((i = 1; i <= RUNS; i++)); do
  start_fake_github "$T/github.json" >/dev/null
  run_ghr ghr-cold "$T/ghr-cache-$i"
done
for ((i = 1; i <= RUNS; i++)); do
  run_ghr ghr-rerun "$T/ghr-cache-$RUNS"
done
echo
echo "release-tool github-release $GV, the example's 5 assets, $RUNS runs each (median (min–max)):"
printf '%-10s %-24s %-28s %s\n' "" "wall seconds" "bytes uploaded" "uploads"
for label in ghr-cold ghr-rerun; do
  printf '%-10s %-24s %-28s %s\n' "${label#ghr-}" "$(column_stats "$T/$label.txt" 1)" \
    "$(column_stats "$T/$label.txt" 2)" "$(column_stats "$T/$label.txt" 3)"
done
# final after the rc of the same commit: into the registry of the last cold rc.
mark=$(proxy_mark)
"$RT_BIN" -q final "${RFLAGS[@]}" --version "$GV" --cache-dir "$CACHE" >"$T/out.txt" 2>"$T/err.txt" ||
  { cat "$T/err.txt" >&2; die "final failed"; }
RC_BYTES=$(column_stats "$T/cold.txt" 2)
echo
echo "final $GV after rc of the same commit: $(blob_bytes_since "$mark") blob bytes uploaded" \
  "($(proxy_since "$mark" '[.[] | select(.blob_upload)] | length') blob upload requests: the configs)," \
  "against $RC_BYTES for the cold rc"

if [[ $PROFILE == 1 ]]; then
  echo
  # stamp : each line of stdin with the seconds since the first.
  stamp() {
    /usr/bin/python3 -c '
import sys, time
t0 = time.monotonic()
for line in sys.stdin:
    print(f"{time.monotonic() - t0:7.3f}  {line.rstrip()[:150]}")'
  }
  echo "== where one unchanged rerun spends its time (-v, timestamps from the start)"
  "$RT_BIN" -v rc "${RFLAGS[@]}" --version "$V" --cache-dir "$CACHE" 2>&1 >/dev/null | stamp
  echo
  echo "== the same, signed"
  "$RT_BIN" -v rc "${RFLAGS[@]}" --version "$V" --cache-dir "$CACHE" --sign-key "$T/cosign.key" 2>&1 >/dev/null | stamp
  if command -v strace >/dev/null; then
    echo
    echo "== strace -c -f of one unchanged rerun (top 12 syscalls by time)"
    strace -c -f -o "$T/strace.txt" "$RT_BIN" -q rc "${RFLAGS[@]}" --version "$V" --cache-dir "$CACHE" >/dev/null 2>&1
    head -n 14 "$T/strace.txt"
    echo
    echo "== child processes of one unchanged rerun (strace -f -e trace=execve)"
    strace -f -qq -e trace=execve -o "$T/exec.txt" "$RT_BIN" -q rc "${RFLAGS[@]}" --version "$V" --cache-dir "$CACHE" >/dev/null 2>&1
    grep -o 'execve("[^"]*", \[[^]]*\]' "$T/exec.txt" | cut -c1-140
  fi
fi

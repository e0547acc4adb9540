#!/usr/bin/env bash
# Benchmark: pushing a ~700 MiB image (mostly incompressible, some text; several
# layers) from an OCI layout to a local docker-registry, cold, by
# `release-tool copy oci:… docker://…` and by `skopeo copy`, interleaved, several
# runs each, the registry's storage wiped before every cold push; plus
# release-tool's unchanged rerun (everything already there). Prints a table:
# medians, the skopeo/release-tool ratio, peak RSS. See bench/README.md.
#
#   bench/push.sh                         # builds release-tool if RT_BIN is not set
#   RUNS=5 BENCH_DIR=/var/tmp/p bench/push.sh
#
# Environment: BENCH_DIR (default /tmp/rt-bench-push), RUNS (3), RT_BIN (default:
# a Release build in build-bench/), RANDOM_MIB (660: incompressible bytes, in 3
# layers), TEXT_MIB (120: text, ~3:1 with gzip, in 1 layer), KEEP=1 keeps the
# registry's storage and logs of the last run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rt-bench-push}
RUNS=${RUNS:-3}
RANDOM_MIB=${RANDOM_MIB:-660}
TEXT_MIB=${TEXT_MIB:-120}
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh" # PYTHON, die, require_tools, ensure_rt_bin, timed, stats
require_tools skopeo docker-registry jq openssl curl /usr/bin/time "$PYTHON"
((RUNS >= 1)) || die "RUNS must be at least 1"
mkdir -p "$BENCH_DIR"

# --- release-tool: the given binary, or an optimised build of this checkout ------
ensure_rt_bin
RT_BIN=$(realpath "$RT_BIN")

# --- the image: deterministic content, assembled once into an OCI layout -------------
CTX=$BENCH_DIR/ctx
LAYOUT=$BENCH_DIR/layout
PARAMS="v1 random=${RANDOM_MIB}MiB text=${TEXT_MIB}MiB"
if [[ $(cat "$BENCH_DIR/image.params" 2>/dev/null) != "$PARAMS" || ! -f $LAYOUT/index.json ]]; then
  echo "bench: generating and assembling the image ($PARAMS) ..." >&2
  rm -rf "$CTX" "$LAYOUT" "$BENCH_DIR/image.params" "$BENCH_DIR/assemble-cache"
  mkdir -p "$CTX"
  # Incompressible: AES-CTR keystreams with fixed keys, one file per layer.
  per=$((RANDOM_MIB / 3))
  for i in 1 2 3; do
    key=$(printf 'push-bench-%s' "$i" | sha256sum | cut -c1-32)
    head -c $((per << 20)) /dev/zero |
      openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 >"$CTX/random$i.bin"
  done
  # Text: lines of words from a seeded PRNG.
  "$PYTHON" - "$CTX/text.txt" "$TEXT_MIB" <<'EOF'
import random, sys
rng = random.Random(20261125)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(3000)]
block = "".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + "\n"
                for _ in range(20000)).encode()
with open(sys.argv[1], "wb") as f:
    left = int(sys.argv[2]) << 20
    while left:
        start = rng.randrange(len(block) // 2)
        chunk = block[start:start + min(left, len(block) // 2)]
        f.write(chunk)
        left -= len(chunk)
EOF
  printf 'small config file\n' >"$CTX/app.conf"
  printf '%s\n' 'FROM scratch' 'COPY random1.bin /data/' 'COPY random2.bin /data/' \
    'COPY text.txt /data/' 'COPY random3.bin /data/' 'COPY app.conf /etc/' >"$CTX/Dockerfile"
  SOURCE_DATE_EPOCH=1700000000 "$RT_BIN" -q assemble --cache-dir "$BENCH_DIR/assemble-cache" \
    --output "oci:$LAYOUT:bench" "$CTX" >/dev/null
  rm -rf "$BENCH_DIR/assemble-cache" "$CTX"
  echo "$PARAMS" >"$BENCH_DIR/image.params"
fi
DIGEST=$(skopeo inspect "oci:$LAYOUT:bench" | jq -r .Digest)
IMAGE_BYTES=$(skopeo inspect --raw "oci:$LAYOUT:bench" | jq '[.layers[].size, .config.size] | add')
N_LAYERS=$(skopeo inspect --raw "oci:$LAYOUT:bench" | jq '.layers | length')
# Read it all once, so that every timed run starts from the same page cache.
cat "$LAYOUT"/blobs/sha256/* >/dev/null

# --- a local registry (the test harness starts it; its storage is wiped per cold push) ---
export RT_BIN RT_SOURCE_DIR=$REPO TMPDIR=$BENCH_DIR RT_REGISTRY_LOG_LEVEL=warn
# shellcheck source=tests/support/lib.sh
source "$REPO/tests/support/lib.sh"
rt_setup # $T under BENCH_DIR, removed at exit (servers stopped)
start_registry
wipe_registry() {
  stop_registry
  rm -rf "$REG_DIR"
  mkdir -p "$REG_DIR"
  restart_registry
}

# --- timing (timed and stats: bench/lib.sh) ---------------------------------------
pushed_digest() { # REPO : the digest the registry serves for REPO:1, read by skopeo
  skopeo inspect --tls-verify=false --no-tags "docker://$REG/$1:1" | jq -r .Digest
}
rt_push() { timed "$1" "$RT_BIN" -q copy "oci:$LAYOUT:bench" "docker://$REG/$2:1"; }
skopeo_push() {
  timed skopeo skopeo copy -q --insecure-policy --dest-tls-verify=false \
    "oci:$LAYOUT:bench" "docker://$REG/$1:1"
}

rm -f "$BENCH_DIR"/results.*
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= RUNS; run++)); do
  echo "bench: run $run/$RUNS" >&2
  # Interleaved, and each goes first every other run; every push starts from an
  # empty registry (a fresh repository name too).
  for who in $( ((run % 2)) && echo "rt skopeo" || echo "skopeo rt"); do
    wipe_registry
    if [[ $who == rt ]]; then
      rt_push release-tool-cold "rt-$run"
      [[ $(tail -n 1 "$BENCH_DIR/stdout.log") == "$DIGEST" ]] || die "release-tool printed another digest"
      [[ $(pushed_digest "rt-$run") == "$DIGEST" ]] || die "release-tool pushed another digest"
    else
      skopeo_push "skopeo-$run"
      [[ $(pushed_digest "skopeo-$run") == "$DIGEST" ]] || die "skopeo pushed another digest"
    fi
  done
done
# The unchanged rerun: the image is there (release-tool pushed it last or now).
rt_push release-tool-cold-extra rerun
for ((run = 1; run <= RUNS; run++)); do
  rt_push release-tool-rerun rerun
done

# --- report -------------------------------------------------------------------------
read -r rt_med rt_min rt_max rt_rss rt_cpu <<<"$(stats release-tool-cold)"
read -r sk_med sk_min sk_max sk_rss sk_cpu <<<"$(stats skopeo)"
read -r re_med re_min re_max re_rss re_cpu <<<"$(stats release-tool-rerun)"
ratio=$("$PYTHON" -c "print(f'{$sk_med / $rt_med:.2f}')")
mib=$("$PYTHON" -c "print(f'{$IMAGE_BYTES / 1048576:.0f}')")
rate() { "$PYTHON" -c "print(f'{$IMAGE_BYTES / 1048576 / $1:.0f}')"; }

echo
echo "Image: $DIGEST, $N_LAYERS layers + config, $mib MiB to push ($PARAMS); $(nproc) CPUs; $RUNS runs each"
echo "Load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "release-tool: $("$RT_BIN" --version 2>/dev/null | head -n 1) ($RT_BIN); $(skopeo --version); docker-registry $(docker-registry --version | awk '{print $3}')"
echo
row() { printf '%-29s %9s %7s %7s %7s %12s %7s\n' "$@"; }
row "" "median s" "min s" "max s" "CPU s" "peak RSS MB" "MiB/s"
row "release-tool copy (cold)" "$rt_med" "$rt_min" "$rt_max" "$rt_cpu" "$rt_rss" "$(rate "$rt_med")"
row "skopeo copy (cold)" "$sk_med" "$sk_min" "$sk_max" "$sk_cpu" "$sk_rss" "$(rate "$sk_med")"
row "release-tool copy (unchanged)" "$re_med" "$re_min" "$re_max" "$re_cpu" "$re_rss" "-"
echo
echo "skopeo / release-tool (cold medians): ${ratio}x   (target >= 1.0: release-tool no slower)"
echo "release-tool unchanged rerun: ${re_med} s     (target < 0.2 s)"
echo "release-tool peak RSS: ${rt_rss} MB           (target < 100 MB)"
if [[ ${KEEP:-0} == 1 ]]; then
  cp -r "$REG_DIR" "$BENCH_DIR/registry-last"
  echo "kept the registry storage in $BENCH_DIR/registry-last" >&2
fi

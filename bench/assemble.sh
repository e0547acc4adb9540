#!/usr/bin/env bash
# Benchmark: one image layer holding a ~700 MiB tree, built by release-tool
# assemble (FROM scratch; COPY tree /data/) and by umoci insert (the same tree
# at /data of an empty image), cold, several runs each, interleaved; plus
# release-tool rerun unchanged with a warm cache. Prints a table: medians, the
# umoci/release-tool ratio and the peak RSS of each. See bench/README.md.
#
#   bench/assemble.sh                       # builds release-tool if RT_BIN is not set
#   RUNS=5 BENCH_DIR=/var/tmp/b bench/assemble.sh
#
# Environment: BENCH_DIR (default /tmp/rt-bench), RUNS (3), RT_BIN (default:
# a Release build in build-bench/), SMALL_FILES (30000), LARGE_FILES (3),
# LARGE_MIB (150), KEEP=1 keeps the outputs of the last run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rt-bench}
RUNS=${RUNS:-3}
SMALL_FILES=${SMALL_FILES:-30000}
LARGE_FILES=${LARGE_FILES:-3}
LARGE_MIB=${LARGE_MIB:-150}
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh" # PYTHON, die, require_tools, ensure_rt_bin, timed, stats
require_tools umoci skopeo jq /usr/bin/time "$PYTHON"
((RUNS >= 1)) || die "RUNS must be at least 1"

# --- release-tool: the given binary, or an optimised build of this checkout ------
ensure_rt_bin

# --- the tree: deterministic, generated once per parameter set -------------------
CTX=$BENCH_DIR/ctx
TREE=$CTX/tree
PARAMS="v1 small=$SMALL_FILES large=$LARGE_FILES x ${LARGE_MIB}MiB"
if [[ $(cat "$BENCH_DIR/tree.params" 2>/dev/null) != "$PARAMS" ]]; then
  echo "bench: generating the tree in $TREE ($PARAMS) ..." >&2
  rm -rf "$CTX" "$BENCH_DIR/tree.params"
  mkdir -p "$TREE"
  # Content from a seeded PRNG: the same bytes on every machine and run.
  # Text blocks (compressible, ~3:1 with gzip) and random bytes (incompressible);
  # small files are one or the other, large files are random, text, and both.
  "$PYTHON" - "$TREE" "$SMALL_FILES" "$LARGE_FILES" "$LARGE_MIB" <<'EOF'
import os, random, sys
root, n_small, n_large, large_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(20261124)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(2000)]
def text_block(n):
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]
blocks = [text_block(64 << 10) for _ in range(32)]
def text(n):
    b = rng.choice(blocks)
    start = rng.randrange(len(b))
    return ((b[start:] + b) * (n // len(b) + 2))[:n]
# Small files: 1-16 KiB, nested three levels deep, 100 per directory.
for i in range(n_small):
    d = os.path.join(root, "src", f"d{i // 1000:02d}", f"e{i // 100 % 10}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randint(1 << 10, 16 << 10)
    data = text(size) if i % 2 == 0 else rng.randbytes(size)
    with open(os.path.join(d, f"f{i:05d}.{'txt' if i % 2 == 0 else 'bin'}"), "wb") as f:
        f.write(data)
# Large files, written in 1 MiB chunks.
os.makedirs(os.path.join(root, "large"), exist_ok=True)
for j in range(n_large):
    kind = ("random", "text", "mixed")[j % 3]
    with open(os.path.join(root, "large", f"large{j}.{kind}"), "wb") as f:
        for c in range(large_mib):
            use_text = kind == "text" or (kind == "mixed" and c % 2 == 0)
            f.write(text(1 << 20) if use_text else rng.randbytes(1 << 20))
EOF
  printf 'FROM scratch\nCOPY tree /data/\n' >"$CTX/Dockerfile"
  echo "$PARAMS" >"$BENCH_DIR/tree.params"
fi
TREE_BYTES=$(du -sb "$TREE" | cut -f1)
TREE_FILES=$(find "$TREE" -type f | wc -l)
# Read it all once, so that every timed run starts from the same page cache.
tar -cf - -C "$CTX" tree | cat >/dev/null

# --- timing (timed and stats: bench/lib.sh) ---------------------------------------
rm -f "$BENCH_DIR"/results.*
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
RT_OUT=$BENCH_DIR/out-release-tool
UMOCI_OUT=$BENCH_DIR/out-umoci
for ((run = 1; run <= RUNS; run++)); do
  echo "bench: run $run/$RUNS" >&2
  # release-tool, cold: an empty cache and a new layout.
  rm -rf "$BENCH_DIR/cache" "$RT_OUT"
  timed release-tool-cold "$RT_BIN" -q assemble --cache-dir "$BENCH_DIR/cache" \
    --output "oci:$RT_OUT:bench" "$CTX"
  # umoci: an empty image, then the tree inserted as one layer at /data.
  rm -rf "$UMOCI_OUT"
  umoci init --layout "$UMOCI_OUT"
  umoci new --image "$UMOCI_OUT:bench"
  timed umoci-insert umoci insert --image "$UMOCI_OUT:bench" "$TREE" /data
done
for ((run = 1; run <= RUNS; run++)); do
  # release-tool again, nothing changed, the cache of the last cold run.
  rm -rf "$RT_OUT.warm"
  timed release-tool-warm "$RT_BIN" -q assemble --cache-dir "$BENCH_DIR/cache" \
    --output "oci:$RT_OUT.warm:bench" "$CTX"
done

# --- check the outputs with skopeo, then report -------------------------------------------
layer_mib() { # LAYOUT : MiB of the single layer
  skopeo inspect --raw "oci:$1:bench" | jq '[.layers[].size] | add / 1048576 * 10 | round / 10'
}
RT_LAYER=$(layer_mib "$RT_OUT")
UMOCI_LAYER=$(layer_mib "$UMOCI_OUT")
[[ $(skopeo inspect "oci:$RT_OUT:bench" | jq -r .Digest) == $(skopeo inspect "oci:$RT_OUT.warm:bench" | jq -r .Digest) ]] ||
  die "the warm rerun produced another digest"

read -r rt_med rt_min rt_max rt_rss rt_cpu <<<"$(stats release-tool-cold)"
read -r um_med um_min um_max um_rss um_cpu <<<"$(stats umoci-insert)"
read -r wa_med wa_min wa_max wa_rss wa_cpu <<<"$(stats release-tool-warm)"
ratio=$("$PYTHON" -c "print(f'{$um_med / $rt_med:.2f}')")
cpu_ratio=$("$PYTHON" -c "print(f'{$um_cpu / $rt_cpu:.2f}')")

echo
echo "Tree: $TREE_FILES files, $((TREE_BYTES / 1048576)) MiB ($PARAMS); $(nproc) CPUs; $RUNS runs each"
echo "Load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "release-tool: $("$RT_BIN" --version 2>/dev/null | head -n 1) ($RT_BIN); umoci: $(umoci --version | head -n 1)"
echo
row() { printf '%-26s %9s %7s %7s %9s %12s %10s\n' "$@"; }
row "" "median s" "min s" "max s" "CPU s" "peak RSS MB" "layer MiB"
row "release-tool (cold cache)" "$rt_med" "$rt_min" "$rt_max" "$rt_cpu" "$rt_rss" "$RT_LAYER"
row "umoci insert" "$um_med" "$um_min" "$um_max" "$um_cpu" "$um_rss" "$UMOCI_LAYER"
row "release-tool (warm cache)" "$wa_med" "$wa_min" "$wa_max" "$wa_cpu" "$wa_rss" "$RT_LAYER"
echo
echo "umoci / release-tool (cold medians): ${ratio}x wall-clock, ${cpu_ratio}x CPU time   (target >= 1.5)"
echo "release-tool peak RSS: ${rt_rss} MB            (target < 100 MB)"
if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$BENCH_DIR/cache" "$RT_OUT" "$RT_OUT.warm" "$UMOCI_OUT"; fi

#!/usr/bin/env bash
# Benchmark: one image layer holding a ~700 MiB tree, built by release-tool
# assemble (FROM scratch; COPY tree /data/) with gzip and with zstd, and by
# umoci insert (the same tree at /data of an empty image), cold, several runs
# each, interleaved; plus release-tool rerun unchanged with a warm cache. Two
# trees: a synthetic one (half text, half random bytes) and real binaries
# (Debian's LLVM 14 and GCC 12 packages, unpacked). Prints a table per tree:
# medians, the umoci/release-tool ratios and the peak RSS. See bench/README.md.
#
#   bench/assemble.sh                       # builds release-tool if RT_BIN is not set
#   RUNS=5 TREES=real BENCH_DIR=/var/tmp/b bench/assemble.sh
#
# Environment: BENCH_DIR (default /tmp/rt-bench), RUNS (3), TREES ("synthetic
# real"), RT_BIN (default: a Release build in build-bench/), ZSTD (--compression
# value of the zstd rows, default zstd), SMALL_FILES (30000), LARGE_FILES (3),
# LARGE_MIB (150), KEEP=1 keeps the outputs of the last run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/rt-bench}
RUNS=${RUNS:-3}
TREES=${TREES:-synthetic real}
ZSTD=${ZSTD:-zstd}
SMALL_FILES=${SMALL_FILES:-30000}
LARGE_FILES=${LARGE_FILES:-3}
LARGE_MIB=${LARGE_MIB:-150}
# The real-binaries tree: these exact versions (Debian 12), so that every
# machine unpacks the same bytes. 722 MB, 3,258 files: shared libraries, static
# archives, executables and headers.
REAL_DEBS=(
  libllvm14=1:14.0.6-12 llvm-14=1:14.0.6-12 llvm-14-dev=1:14.0.6-12
  libclang-cpp14=1:14.0.6-12 libclang1-14=1:14.0.6-12 libclang-common-14-dev=1:14.0.6-12
  gcc-12=12.2.0-14+deb12u1 cpp-12=12.2.0-14+deb12u1 g++-12=12.2.0-14+deb12u1
  libgcc-12-dev=12.2.0-14+deb12u1 libstdc++-12-dev=12.2.0-14+deb12u1
)
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh" # PYTHON, die, require_tools, ensure_rt_bin, timed, stats
require_tools umoci skopeo jq /usr/bin/time "$PYTHON" apt-get dpkg-deb
((RUNS >= 1)) || die "RUNS must be at least 1"

# --- release-tool: the given binary, or an optimised build of this checkout ------
ensure_rt_bin

# --- the synthetic tree: deterministic, generated once per parameter set ---------
make_synthetic() { # CTX
  local ctx=$1 params="v1 small=$SMALL_FILES large=$LARGE_FILES x ${LARGE_MIB}MiB"
  [[ $(cat "$ctx.params" 2>/dev/null) == "$params" ]] && return 0
  echo "bench: generating the synthetic tree in $ctx/tree ($params) ..." >&2
  rm -rf "$ctx" "$ctx.params"
  mkdir -p "$ctx/tree"
  # Content from a seeded PRNG: the same bytes on every machine and run.
  # Text blocks (compressible, ~3:1 with gzip) and random bytes (incompressible);
  # small files are one or the other, large files are random, text, and both.
  "$PYTHON" - "$ctx/tree" "$SMALL_FILES" "$LARGE_FILES" "$LARGE_MIB" <<'PY'
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
PY
  printf 'FROM scratch\nCOPY tree /data/\n' >"$ctx/Dockerfile"
  echo "$params" >"$ctx.params"
}

# --- the real-binaries tree: Debian packages, downloaded and unpacked once --------
make_real() { # CTX
  local ctx=$1 params="v1 ${REAL_DEBS[*]}" deb
  [[ $(cat "$ctx.params" 2>/dev/null) == "$params" ]] && return 0
  echo "bench: unpacking the real-binaries tree in $ctx/tree (${#REAL_DEBS[@]} Debian packages) ..." >&2
  rm -rf "$ctx" "$ctx.params" "$BENCH_DIR/debs"
  mkdir -p "$ctx/tree" "$BENCH_DIR/debs"
  # apt-get download fetches exactly these versions (run `apt-get update` first
  # if it cannot find them); dpkg-deb -x unpacks without installing.
  (cd "$BENCH_DIR/debs" && apt-get download -qq "${REAL_DEBS[@]}" 2>/dev/null) ||
    die "apt-get download failed for: ${REAL_DEBS[*]} (apt-get update? a newer point release?)"
  for deb in "$BENCH_DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$ctx/tree"; done
  printf 'FROM scratch\nCOPY tree /data/\n' >"$ctx/Dockerfile"
  echo "$params" >"$ctx.params"
}

# --- timing one tree (timed and stats: bench/lib.sh) ----------------------------------
layer_mib() { # LAYOUT : MiB of the single layer
  skopeo inspect --raw "oci:$1:bench" | jq '[.layers[].size] | add / 1048576 * 10 | round / 10'
}
ratio() { "$PYTHON" -c "print(f'{$1 / $2:.2f}')"; }

bench_tree() { # NAME CTX
  local name=$1 ctx=$2 run
  local tree_bytes tree_files load_before
  tree_bytes=$(du -sb "$ctx/tree" | cut -f1)
  tree_files=$(find "$ctx/tree" -type f | wc -l)
  # Read it all once, so that every timed run starts from the same page cache.
  tar -cf - -C "$ctx" tree | cat >/dev/null
  rm -f "$BENCH_DIR"/results.*
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  local rt_out=$BENCH_DIR/out-release-tool um_out=$BENCH_DIR/out-umoci
  rt_gzip() {
    rm -rf "$BENCH_DIR/cache" "$rt_out"
    timed rt-gzip "$RT_BIN" -q assemble --cache-dir "$BENCH_DIR/cache" --output "oci:$rt_out:bench" "$ctx"
  }
  rt_zstd() {
    rm -rf "$BENCH_DIR/cache-zstd" "$rt_out.zstd"
    timed rt-zstd "$RT_BIN" -q assemble --compression "$ZSTD" --cache-dir "$BENCH_DIR/cache-zstd" \
      --output "oci:$rt_out.zstd:bench" "$ctx"
  }
  um_insert() {
    rm -rf "$um_out"
    umoci init --layout "$um_out"
    umoci new --image "$um_out:bench"
    timed umoci-insert umoci insert --image "$um_out:bench" "$ctx/tree" /data
  }
  for ((run = 1; run <= RUNS; run++)); do
    echo "bench: $name: run $run/$RUNS" >&2
    # Alternating order: whatever the machine does meanwhile hits every tool alike.
    if ((run % 2)); then rt_gzip; um_insert; rt_zstd; else rt_zstd; um_insert; rt_gzip; fi
  done
  for ((run = 1; run <= RUNS; run++)); do
    # release-tool again, nothing changed, the cache of the last cold run.
    rm -rf "$rt_out.warm"
    timed rt-warm "$RT_BIN" -q assemble --cache-dir "$BENCH_DIR/cache" --output "oci:$rt_out.warm:bench" "$ctx"
  done
  [[ $(skopeo inspect "oci:$rt_out:bench" | jq -r .Digest) == $(skopeo inspect "oci:$rt_out.warm:bench" | jq -r .Digest) ]] ||
    die "the warm rerun produced another digest"

  local rt_layer um_layer zs_layer
  rt_layer=$(layer_mib "$rt_out")
  zs_layer=$(layer_mib "$rt_out.zstd")
  um_layer=$(layer_mib "$um_out")
  local rt_med rt_min rt_max rt_rss rt_cpu um_med um_min um_max um_rss um_cpu
  local zs_med zs_min zs_max zs_rss zs_cpu wa_med wa_min wa_max wa_rss wa_cpu
  read -r rt_med rt_min rt_max rt_rss rt_cpu <<<"$(stats rt-gzip)"
  read -r zs_med zs_min zs_max zs_rss zs_cpu <<<"$(stats rt-zstd)"
  read -r um_med um_min um_max um_rss um_cpu <<<"$(stats umoci-insert)"
  read -r wa_med wa_min wa_max wa_rss wa_cpu <<<"$(stats rt-warm)"

  echo
  echo "== $name tree: $tree_files files, $((tree_bytes / 1048576)) MiB; $(nproc) CPUs; $RUNS runs each"
  echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
  row() { printf '%-28s %9s %7s %7s %9s %12s %10s %9s\n' "$@"; }
  row "" "median s" "min s" "max s" "CPU s" "peak RSS MB" "layer MiB" "/umoci"
  row "release-tool gzip (cold)" "$rt_med" "$rt_min" "$rt_max" "$rt_cpu" "$rt_rss" "$rt_layer" "$(ratio "$rt_layer" "$um_layer")"
  row "release-tool $ZSTD (cold)" "$zs_med" "$zs_min" "$zs_max" "$zs_cpu" "$zs_rss" "$zs_layer" "$(ratio "$zs_layer" "$um_layer")"
  row "umoci insert (gzip)" "$um_med" "$um_min" "$um_max" "$um_cpu" "$um_rss" "$um_layer" "1.00"
  row "release-tool gzip (warm)" "$wa_med" "$wa_min" "$wa_max" "$wa_cpu" "$wa_rss" "$rt_layer" "-"
  echo
  echo "$name: umoci / release-tool gzip: $(ratio "$um_med" "$rt_med")x wall-clock, $(ratio "$um_cpu" "$rt_cpu")x CPU time   (target >= 2, layer <= 1.05x)"
  echo "$name: umoci / release-tool $ZSTD: $(ratio "$um_med" "$zs_med")x wall-clock, $(ratio "$um_cpu" "$zs_cpu")x CPU time   (target >= 4)"
  echo "$name: release-tool peak RSS: gzip ${rt_rss} MB, $ZSTD ${zs_rss} MB   (target < 100 MB)"
  if [[ ${KEEP:-0} != 1 ]]; then
    rm -rf "$BENCH_DIR/cache" "$BENCH_DIR/cache-zstd" "$rt_out" "$rt_out.zstd" "$rt_out.warm" "$um_out"
  fi
}

echo "release-tool: $("$RT_BIN" --version 2>/dev/null | tr '\n' ' ') ($RT_BIN)"
echo "umoci: $(umoci --version | head -n 1)"
for tree in $TREES; do
  case $tree in
  synthetic) make_synthetic "$BENCH_DIR/ctx" && bench_tree synthetic "$BENCH_DIR/ctx" ;;
  real) make_real "$BENCH_DIR/real" && bench_tree real "$BENCH_DIR/real" ;;
  *) die "unknown tree '$tree' in TREES (synthetic, real)" ;;
  esac
done

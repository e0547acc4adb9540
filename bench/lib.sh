# Shared by the benchmarks (sourced, not run): failing, the tools they need, the
# release-tool they time, and timing under /usr/bin/time -v with its statistics.
# The script sets REPO (the checkout) before sourcing, and BENCH_DIR before
# calling timed or stats.
# shellcheck shell=bash

PYTHON=/usr/bin/python3 # Debian's, whatever python3 is first on PATH

die() { echo "bench: $*" >&2; exit 1; }

# require_tools TOOL... : dies naming the first one that is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
  done
}

# ensure_rt_bin : RT_BIN as given, or else an optimised build of this checkout in
# build-bench/ (its log in build-bench/build.log); dies unless it is executable.
ensure_rt_bin() {
  if [[ -z ${RT_BIN:-} ]]; then
    echo "bench: building release-tool (Release) in build-bench/ ..." >&2
    mkdir -p "$REPO/build-bench"
    { cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF &&
      ninja -C "$REPO/build-bench" release-tool; } >"$REPO/build-bench/build.log" 2>&1 ||
      { tail -n 30 "$REPO/build-bench/build.log" >&2; die "cannot build release-tool (log: build-bench/build.log)"; }
    RT_BIN=$REPO/build-bench/src/cli/release-tool
  fi
  [[ -x $RT_BIN ]] || die "RT_BIN=$RT_BIN is not executable"
}

# timed NAME CMD... : run CMD under /usr/bin/time -v; appends "seconds rss_kib cpu"
# to $BENCH_DIR/results.NAME; the command's stdout is kept in $BENCH_DIR/stdout.log.
timed() {
  local name=$1 log=$BENCH_DIR/time.log
  shift
  /usr/bin/time -v -o "$log" "$@" >"$BENCH_DIR/stdout.log" 2>"$BENCH_DIR/stderr.log" ||
    { cat "$BENCH_DIR/stderr.log" >&2; die "$name failed: $*"; }
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
    /User time \(seconds\)|System time \(seconds\)/ { cpu += $2 }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.3f %d %.3f\n", s, rss, cpu }' "$log" >>"$BENCH_DIR/results.$name"
}

# stats NAME : "median min max peak_rss_mb median_cpu" of the runs timed as NAME.
stats() {
  "$PYTHON" - "$BENCH_DIR/results.$1" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
secs = [float(r[0]) for r in rows]
rss = max(int(r[1]) for r in rows) * 1024 / 1e6  # time -v reports KiB
cpu = statistics.median(float(r[2]) for r in rows)
print(f"{statistics.median(secs):.2f} {min(secs):.2f} {max(secs):.2f} {rss:.0f} {cpu:.2f}")
EOF
}

#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan, in build-fuzz/) and runs each for
# SECONDS (default 30). Exit 1 on any finding: a crash, a sanitizer report, an exception that is
# not one of the project's typed errors, an input slower than the timeout, memory past the limit.
#   ./scripts/fuzz.sh                     every target, 30 s each
#   ./scripts/fuzz.sh 600 fuzz_tar        one target, 10 minutes
#   RT_FUZZ_JOBS=2 ./scripts/fuzz.sh 15   two targets at a time (what CI runs)
# Each target starts from its checked-in seeds (fuzz/corpus/TARGET, never written) plus what
# earlier runs found (build-fuzz/corpus/TARGET, kept between runs). A finding is saved as
# build-fuzz/findings/TARGET-{crash,timeout,oom,leak}-SHA1; replay it with
#   build-fuzz/fuzz/TARGET build-fuzz/findings/FILE
# Logs: build-fuzz/logs/TARGET.log. Environment: RT_FUZZ_TIMEOUT (seconds one input may take,
# default 10), RT_FUZZ_RSS_MB (default 2048), RT_FUZZ_JOBS (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
timeout_s=${RT_FUZZ_TIMEOUT:-10}
rss_mb=${RT_FUZZ_RSS_MB:-2048}
jobs=${RT_FUZZ_JOBS:-1}
dir=build-fuzz

bash scripts/install-deps.sh

start=$SECONDS
cmake -S . -B "$dir" -G Ninja -DRT_FUZZ=ON -DRT_WERROR=ON -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >/dev/null
ninja -C "$dir" >"$dir/build.log" 2>&1 || {
  tail -n 40 "$dir/build.log" >&2
  echo "fuzz: the build failed (full log: $dir/build.log)" >&2
  exit 1
}
echo "fuzz: built in $((SECONDS - start)) s"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

# Per target: the dictionary and the largest input it is given (libFuzzer's -max_len).
dict_of() {
  case $1 in
  fuzz_dockerfile_*) echo dockerfile ;;
  fuzz_expand) echo expand ;;
  fuzz_dockerignore) echo dockerignore ;;
  fuzz_images_config | fuzz_registry_json | fuzz_trust | fuzz_sbom) echo json ;;
  fuzz_reference) echo reference ;;
  *) echo "" ;;
  esac
}
max_len_of() {
  case $1 in
  fuzz_tar | fuzz_deb) echo 65536 ;;
  fuzz_reference) echo 4096 ;;
  fuzz_dockerfile_build) echo 8192 ;;
  *) echo 16384 ;;
  esac
}

mkdir -p "$dir/findings" "$dir/logs"
# Set here, not inherited: scripts/test.sh exports its own for the test suite.
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
[[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]] && export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer

# run_target NAME: fuzzes NAME for $seconds; returns non-zero on a finding.
run_target() {
  local t=$1 bin=$dir/fuzz/$1 log=$dir/logs/$1.log dict
  [[ -x $bin ]] || {
    echo "fuzz: no target $t (targets are fuzz/fuzz_*.cpp)" >&2
    return 2
  }
  mkdir -p "$dir/corpus/$t" "fuzz/corpus/$t"
  local args=(-max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb"
    -max_len="$(max_len_of "$t")" -artifact_prefix="$dir/findings/$t-" -print_final_stats=1
    -close_fd_mask=1)
  dict=$(dict_of "$t")
  [[ -n $dict ]] && args+=(-dict="fuzz/dicts/$dict.dict")
  # The first directory receives new inputs; the seeds are only read.
  if "$bin" "${args[@]}" "$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    local runs cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
    echo "fuzz: $t: ${runs:-?} runs in ${seconds} s, ${cov:-no coverage line}, no finding"
  else
    echo "fuzz: $t: FINDING — $(grep -m 1 -E '^==[0-9]+==ERROR|^SUMMARY|^fuzz: |runtime error|ALARM|out-of-memory|deadly signal' "$log" || echo "see $log")" >&2
    grep -E '^artifact_prefix|Test unit written to' "$log" | sed 's/^/  /' >&2
    echo "  log: $log; replay: $bin <the file above>" >&2
    return 1
  fi
}

failed=0
running=0
for t in "${targets[@]}"; do
  if ((jobs > 1)); then
    run_target "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then
      wait -n || failed=1
      running=$((running - 1))
    fi
  else
    run_target "$t" || failed=1
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
echo "fuzz: ${#targets[@]} targets, $((SECONDS - start)) s in all"
exit "$failed"

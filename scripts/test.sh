#!/usr/bin/env bash
# Installs what the project needs (Debian 12, as root), builds release-tool
# with AddressSanitizer + UndefinedBehaviorSanitizer and warnings as errors,
# and runs the whole suite (unit and integration tests) against that build; then every fuzz
# target for a short while (scripts/fuzz.sh, clang, its own build-fuzz/): a finding fails it.
#   ./scripts/test.sh               the suite on the sanitizer build
#   RT_TEST_PLAIN=1 ./scripts/test.sh   the suite on a plain optimised build
#   RT_FUZZ_SECONDS=N ./scripts/test.sh   N seconds per fuzz target (default 12; 0: none)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if [[ -n ${RT_TEST_PLAIN:-} ]]; then
  dir=build-test
  cmake -S . -B "$dir" -G Ninja -DRT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
else
  dir=build-asan
  cmake -S . -B "$dir" -G Ninja -DRT_WERROR=ON -DRT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >/dev/null
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
fi
ninja -C "$dir"
(cd "$dir" && ctest --output-on-failure -j "$(nproc)")

fuzz_seconds=${RT_FUZZ_SECONDS:-12}
if ((fuzz_seconds > 0)); then
  RT_FUZZ_JOBS=$(nproc) ./scripts/fuzz.sh "$fuzz_seconds"
fi

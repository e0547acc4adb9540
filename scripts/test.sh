#!/usr/bin/env bash
# Installs what the project needs (Debian 12, as root), builds release-tool
# twice — a normal build and an AddressSanitizer+UBSan build — and runs the
# whole test suite (unit + integration) against each.
#   scripts/test.sh            everything
#   RT_TEST_FAST=1 scripts/test.sh   the normal build only
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
run_suite() { # build-dir cmake-args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DRT_WERROR=ON "$@" >/dev/null
  ninja -C "$dir"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== normal build"
run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [[ -z ${RT_TEST_FAST:-} ]]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DRT_SANITIZE=ON
fi

#!/usr/bin/env bash
# A registry that sends a manifest one byte at a time never stalls, so the stall
# limit alone would wait for days (issue 11). Manifests, tokens and other small
# answers have a deadline (--registry-timeout, 60 s by default): past it the run
# fails with exit 1, naming the request, and is not retried. The same image at
# normal speed is read fine with the same deadline.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

start_registry
mkdir -p "$T/ctx"
echo hello >"$T/ctx/f"
printf 'FROM scratch\nCOPY f /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "docker://$REG/slow:1" "$T/ctx"
echo '{"rules": [{"method": "GET", "path_re": "/manifests/", "trickle": 2}]}' >"$T/rules.json"
start_fault_proxy "$T/rules.json"

assert_exit 2 "$RT_BIN" copy --registry-timeout 0 "docker://$PROXY/slow:1" "oci:$T/out:1"
assert_contains "$ERR" "--registry-timeout"

start=$(date +%s)
assert_exit 1 "$RT_BIN" copy --registry-timeout 2 "docker://$PROXY/slow:1" "oci:$T/out:1"
elapsed=$(($(date +%s) - start))
assert_contains "$ERR" "GET $PROXY_URL/v2/slow/manifests/1: no complete answer within 2 s"
assert_not_contains "$ERR" "retrying" "a server too slow is not waited for again"
((elapsed <= 6)) || fail "a 2 s deadline took ${elapsed}s"
[[ ! -e $T/out ]] || fail "a failed copy wrote its output"
pass "a manifest trickled at 2 bytes/s: exit 1 after the 2 s deadline (${elapsed}s), not retried"

echo '{"rules": []}' >"$T/rules.json"
assert_exit 0 "$RT_BIN" copy --registry-timeout 2 "docker://$PROXY/slow:1" "oci:$T/out:1"
umoci unpack --image "$T/out:1" "$T/bundle" >/dev/null
assert_eq hello "$(cat "$T/bundle/rootfs/f")"
pass "the same image at normal speed, with the same deadline"

#!/usr/bin/env bash
# rc pushes all-or-nothing: every image's blobs and manifest go in by digest
# first, tags move only once all four are in. The registry is killed (SIGKILL)
# as soon as the third image's push starts (its first request shows in the
# fault proxy's log) → exit 1; after a restart no repository has a tag of that
# version although the first two images' manifests were stored by digest; the
# rerun completes with all four tags. (035 does the same for final.)
# Most of this test's time is release-tool giving up on the dead registry:
# about 80 s of nested retries (each upload attempt re-HEADs the blob, and that
# HEAD has its own 1+2+4+8 s backoff).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

release_through_proxy
THIRD=galoyorg/lana-bank-customer-portal

# --- rc: the registry killed while the third image is pushed -------------------------
V=0.42.0-rc.1
MARK=$(proxy_mark)
(
  while ! tail -n +"$((MARK + 1))" "$PROXY_LOG" | grep -q "\"/v2/$THIRD/"; do sleep 0.02; done
  kill -KILL "$REG_PID"
) &
WATCHER=$!
_rt_track "$WATCHER"
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V"
# Still waiting only if rc never reached the third image.
kill "$WATCHER" 2>/dev/null || true
kill -0 "$REG_PID" 2>/dev/null && fail "the registry was not killed: rc never pushed $THIRD"
assert_contains "$ERR" "release-tool: error: " "error prefix"
assert_contains "$ERR" "$PROXY" "the error names the registry"
# What happened before the kill: the first two images complete, by digest only.
DIGEST_PUTS=$(proxy_since "$MARK" '[.[] | select(.method == "PUT" and (.path | test("/manifests/sha256:")) and .status == 201) | .path | split("/")[3]] | join(" ")' | jq -r .)
assert_eq "lana-bank lana-bank-admin-panel" "$DIGEST_PUTS" "manifests stored by digest before the kill"
assert_eq 0 "$(proxy_since "$MARK" '[.[] | select(.method == "PUT" and (.path | test("/manifests/sha256:") | not) and (.path | test("/manifests/")))] | length')" "tag PUTs"
restart_registry --kill
no_tag "$V"
pass "rc, registry killed during the third push: exit 1, no tag of $V on any of the four"

assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --digests-file "$T/rc.json"
all_tagged "$V" "$T/rc.json"
pass "rc rerun after the restart: all four tags"

pass "034-release-all-or-nothing"

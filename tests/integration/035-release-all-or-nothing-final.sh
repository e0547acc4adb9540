#!/usr/bin/env bash
# final pushes all-or-nothing: every request for the third image is dropped by
# the fault proxy (a registry that dies mid-request, for that repository) →
# exit 1, no tag of the version on any of the four repositories, an older tag
# of each unmoved; without the fault the rerun completes with all four tags.
# (034 kills the registry itself during an rc.)
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

# --- final: the third image's requests dropped ----------------------------------------
V=0.42.0
# An older release stays where it is: a first final of 0.41.0 (the same
# release under another tag), through the proxy without faults.
release_github_config "$V" >"$T/github-$V.json"
release_github_config 0.41.0 >"$T/github-0.41.0.json"
jq -s '.[0] * {repos: {"GaloyMoney/lana-bank": {tags: (.[0].repos["GaloyMoney/lana-bank"].tags + .[1].repos["GaloyMoney/lana-bank"].tags),
  releases: (.[0].repos["GaloyMoney/lana-bank"].releases + .[1].repos["GaloyMoney/lana-bank"].releases)}}}' \
  "$T/github-$V.json" "$T/github-0.41.0.json" >"$T/github-both.json"
start_fake_github "$T/github-both.json"
assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --version 0.41.0 --digests-file "$T/old.json"
all_tagged 0.41.0 "$T/old.json"
OLD=$(for name in "${RELEASE_IMAGES[@]}"; do digest_of "$REG/galoyorg/$name:0.41.0"; done)
echo "{\"rules\": [{\"path_re\": \"^/v2/$THIRD/\", \"drop\": true}]}" >"$T/rules.json"
MARK=$(proxy_mark)
assert_exit 1 "$RT_BIN" final "${RFLAGS[@]}" --version "$V"
assert_contains "$ERR" "release-tool: error: " "error prefix"
(($(proxy_since "$MARK" '[.[] | select(.status == "dropped")] | length') > 0)) || fail "no request was dropped"
no_tag "$V"
assert_eq "$OLD" "$(for name in "${RELEASE_IMAGES[@]}"; do digest_of "$REG/galoyorg/$name:0.41.0"; done)" "0.41.0 unmoved"
pass "final, third image's connections dropped: exit 1, no tag of $V, older tags unmoved"

echo '{"rules": []}' >"$T/rules.json"
assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --version "$V" --digests-file "$T/final.json"
all_tagged "$V" "$T/final.json"
pass "final rerun without the fault: all four tags"

pass "035-release-all-or-nothing-final"

#!/usr/bin/env bash
# `release-tool final`, what GitHub can get wrong. Every failure exits 1 with a
# clear message, sends no write request to the registry (fault proxy log) and
# moves no tag (every repository:tag and its digest listed before and after;
# each of the four repositories already has an old 0.42.0 that must stay):
#   - a tampered asset (GitHub's digest does not match the bytes);
#   - a digest mismatch against a checksums.txt asset;
#   - a missing checksum (no digest, no checksums file) without --allow-unverified
#     (with it: success, and a warning naming the asset);
#   - an unknown tag;
#   - a private repository without GH_TOKEN (message says to set GH_TOKEN), with a
#     wrong token (rejected, not echoed);
# and what must work:
#   - the checksums.txt fallback (no digests, a checksums.txt asset);
#   - a private repository with GH_TOKEN, or GITHUB_TOKEN;
#   - GitHub rate limits (403 with X-RateLimit-Reset, 429 with Retry-After):
#     final waits, says so, and succeeds.
# Throughout: the storage host the downloads are redirected to never receives an
# Authorization header, and no token appears in any output, with -v too.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # jq programs in single quotes; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

V=0.42.0
TOKEN=ghp_rtTestToken0123456789abcdefSECRET
WRONG=ghp_rtWrongToken9876543210fedcbaSECRET
release_through_proxy

# An old 0.42.0 on every repository, which no failed final may move.
for name in "${RELEASE_IMAGES[@]}"; do
  skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://$BASE_STATIC" "docker://$REG/galoyorg/$name:$V"
done
STATE0=$(registry_state "$REG")
assert_eq 4 "$(wc -l <<<"$STATE0")" "four old tags"

# One fake GitHub with a repository per case (an overlay picks it through
# "github_repository"): the release of GaloyMoney/lana-bank, private; and public
# copies of it with lying digests, no digests, checksums files.
release_assets
(cd "$ASSETS" && sha256sum lana-cli admin-panel.tar.gz customer-portal.tar.gz lana-dw.tar.gz) >"$T/checksums.txt"
sed 's/^[0-9a-f]\{8\}/00000000/' "$T/checksums.txt" >"$T/bad-checksums.txt" # every line wrong
LIE=sha256:$(printf 'not the bytes' | sha256sum | cut -d' ' -f1)
release_github_config "$V" '
  .tokens = [$token]
  | .repos["GaloyMoney/lana-bank"] as $r
  | .repos["GaloyMoney/lana-bank"].private = true
  | .repos["tampered/lana-bank"] = ($r | .releases[0].assets[0].digest = $lie)
  | .repos["nodigest/lana-bank"] = ($r | .releases[0].assets[].digest = "omit")
  | .repos["sums/lana-bank"] = ($r | .releases[0].assets[].digest = "omit"
      | .releases[0].assets += [{name: "checksums.txt", file: $sums}])
  | .repos["badsums/lana-bank"] = ($r | .releases[0].assets[].digest = "omit"
      | .releases[0].assets += [{name: "checksums.txt", file: $badsums}])' \
  --arg token "$TOKEN" --arg lie "$LIE" --arg sums "$T/checksums.txt" \
  --arg badsums "$T/bad-checksums.txt" >"$T/github.json"
start_fake_github "$T/github.json"
repo_overlay() { # OWNER : an overlay selecting OWNER/lana-bank
  echo "{\"github_repository\": \"$1/lana-bank\"}" >"$T/repo-$1.json"
  echo "$T/repo-$1.json"
}

ALL_OUTPUT=$T/all-output.txt
: >"$ALL_OUTPUT"
# [FV=VERSION] final_fails NEEDLE... -- FINAL_ARGS... : exit 1, stderr has every NEEDLE, no
# write request reached the registry, every tag as it was.
final_fails() {
  local needles=() n mark
  while [[ $1 != -- ]]; do needles+=("$1") && shift; done
  shift
  mark=$(proxy_mark)
  assert_exit 1 "$RT_BIN" final "${RFLAGS[@]}" --version "${FV:-$V}" "$@"
  printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL_OUTPUT"
  assert_contains "$ERR" "release-tool: error: " "error prefix"
  for n in "${needles[@]}"; do assert_contains "$ERR" "$n" "final error"; done
  assert_eq "" "$(writes_since "$mark")" "write requests of a failed final"
  assert_eq "$STATE0" "$(registry_state "$REG")" "tags after a failed final"
}
# final_works FINAL_ARGS... : exit 0, the 0.42.0 tags of the images built (all
# four unless --image) moved to the digests of the digests file.
final_works() {
  assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --version "$V" --digests-file "$T/works.json" "$@"
  printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL_OUTPUT"
  local name
  [[ " $* " == *" --image "* ]] || assert_eq 4 "$(jq '.images | length' "$T/works.json")" "images of final"
  for name in $(jq -r '.images[].name' "$T/works.json"); do
    assert_eq "$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$T/works.json")" \
      "$(digest_of "$REG/galoyorg/$name:$V")" "$name:$V after final"
  done
}

# --- failures first ------------------------------------------------------------------
CLI_SHA=sha256:$(sha256sum <"$ASSETS/lana-cli" | cut -d' ' -f1)
final_fails "asset lana-cli" \
  "digest mismatch: the asset's digest field in the GitHub API says $LIE, downloaded $CLI_SHA" \
  -- --config "$(repo_overlay tampered)"
pass "tampered asset (GitHub's digest lies): exit 1, names the API's digest field, nothing pushed, no tag moved"
final_fails "asset lana-cli" \
  "digest mismatch: checksums.txt:1 says sha256:$(cut -d' ' -f1 "$T/bad-checksums.txt" | head -n 1), downloaded $CLI_SHA" \
  -- --config "$(repo_overlay badsums)"
pass "digest mismatch against checksums.txt: exit 1, names checksums.txt:1, nothing pushed, no tag moved"
final_fails "no digest on GitHub" "--allow-unverified" -- --config "$(repo_overlay nodigest)"
pass "missing checksum without --allow-unverified: exit 1, nothing pushed, no tag moved"
FV=9.9.9 final_fails "release 9.9.9 not found in GaloyMoney/lana-bank" "GH_TOKEN" --
FV=9.9.9 GH_TOKEN=$TOKEN final_fails "release 9.9.9 not found in GaloyMoney/lana-bank" --
assert_not_contains "$ERR" "set GH_TOKEN" "with a token, no hint to set one"
pass "unknown tag: exit 1 with a clear message"
final_fails "not found in GaloyMoney/lana-bank" "private" "set GH_TOKEN" --
pass "private repository without GH_TOKEN: exit 1, says to set GH_TOKEN"
GH_TOKEN=$WRONG final_fails "GitHub rejected the token" -- -v
pass "wrong token: exit 1, rejected"

# --- what works ------------------------------------------------------------------------
final_works --config "$(repo_overlay sums)"
assert_contains "$ERR" "verifying against checksums.txt" "checksums.txt fallback said"
pass "checksums.txt fallback (no digests): success"

final_works --config "$(repo_overlay nodigest)" --allow-unverified
assert_contains "$ERR" "lana-cli is unverified" "unverified assets warned about"
pass "missing checksum with --allow-unverified: success, with a warning"

GH_TOKEN=$TOKEN final_works -v
assert_eq "$(jq -r '.images[0].digest' "$T/works.json")" "$(digest_of "$REG/galoyorg/lana-bank:$V")" "private release pushed"
GITHUB_TOKEN=$TOKEN final_works
pass "private repository with GH_TOKEN (and GITHUB_TOKEN): success"

# The storage host got every download and never an Authorization header; the API
# got the token (the private repository needed it).
(($(wc -l <"$GH_STORAGE_LOG") >= 8)) || fail "the downloads did not go through the storage host"
assert_eq 0 "$(jq -s '[.[] | select(.headers | keys | map(ascii_downcase) | index("authorization"))] | length' "$GH_STORAGE_LOG")" \
  "storage requests carrying Authorization"
assert_not_contains "$(<"$GH_STORAGE_LOG")" "$TOKEN" "token in the storage log"
(($(jq -s '[.[] | select(.authorization and (.path | test("/releases/assets/")))] | length' "$GH_API_LOG") >= 4)) ||
  fail "the asset downloads did not send the token to the API"
pass "the storage host never received Authorization"

# --- rate limits -------------------------------------------------------------------------
for status in 403 429; do
  release_github "$V" --rate-limit 2 --rate-limit-status "$status"
  final_works --image lana-bank
  assert_contains "$ERR" "rate limit" "final says it was rate limited ($status)"
  assert_contains "$ERR" "waiting" "final says it waited ($status)"
  assert_eq 2 "$(jq -s '[.[] | select(.status == '"$status"')] | length' "$GH_API_LOG")" "rate-limited answers ($status)"
  # The request after the limit came when the limit said (1 s), not at once.
  WAITED=$(jq -s '(map(select(.status != '"$status"')) | first | .time) - (map(select(.status == '"$status"')) | first | .time)' "$GH_API_LOG")
  jq -e ". >= 0.9" <<<"$WAITED" >/dev/null || fail "final retried after ${WAITED}s, before the rate limit ended ($status)"
done
pass "rate limits (403 + X-RateLimit-Reset, 429 + Retry-After): final waits, says so, succeeds"

# --- no token anywhere ---------------------------------------------------------------------
assert_not_contains "$(<"$ALL_OUTPUT")" "$TOKEN" "the token in any output"
assert_not_contains "$(<"$ALL_OUTPUT")" "$WRONG" "the wrong token in any output"
assert_not_contains "$(<"$ALL_OUTPUT")" "rtTestToken" "part of the token in any output"
pass "no token in any output (stdout, stderr, -v)"

pass "033-release-final-failures"

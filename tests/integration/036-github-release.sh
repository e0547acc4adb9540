#!/usr/bin/env bash
# `release-tool github-release --version V` against the GitHub stand-in
# (tests/support/fake_github.py: the write API with GitHub's rules, uploads on
# their own host, immutable releases, releases listed 2 per page):
#   - bad input first, each exit 2 before anything is asked or created: no or a
#     malformed version, a missing notes file, no token, a dirty tree, tag V
#     naming another commit (here or on GitHub), an asset config with
#     overlapping 'to' paths or a reserved name (located in the overlay);
#   - a token without write permission: exit 1, nothing created;
#   - the connection dropped in the middle of an upload: exit 1, a draft left
#     (not published, invisible to releases/tags/V); the rerun finds that draft on
#     the second page of the list, replaces the half-uploaded asset, skips the
#     others, publishes: one release, every asset's digest as GitHub reports it
#     equal to the local file's, the tag created at HEAD, the notes as given;
#   - a rerun, and a run from another clone (other path, umask 077, mtimes moved),
#     are no-ops (the same bytes on any machine); other bytes (--skip-build with
#     another binary) → exit 1, nothing changed;
#   - the published release refuses any asset change (immutable);
#   - the token reaches the API and upload hosts and appears in no output.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # jq programs in single quotes; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

V=0.42.0
TOKEN=ghp_rtWriteToken0123456789
RO=ghp_rtReadOnlyToken0123456789
OTHER=1111111111111111111111111111111111111111
release_checkout
release_assets # $ASSETS: what a publish of this checkout must upload, byte for byte
jq -n --arg sha "$SRC_SHA" --arg other "$OTHER" --arg token "$TOKEN" --arg ro "$RO" \
  --arg date "$(date -u -d "@$SRC_EPOCH" +%FT%TZ)" '{
  tokens: [$token], read_tokens: [$ro], max_per_page: 2,
  repos: {"GaloyMoney/lana-bank": {
    immutable_releases: true, branches: {main: $sha}, tags: {"0.41.0": $other},
    commits: {($sha): {date: $date}, ($other): {date: "2024-01-01T00:00:00Z"}},
    releases: [{id: 900001, tag: "0.39.0"}, {id: 900002, tag: "0.40.0"},
               {id: 900003, tag: "0.41.0"}]}}}' >"$T/github.json"
start_fake_github "$T/github.json" --drop-upload customer-portal.tar.gz
API=$GITHUB_API_URL/repos/GaloyMoney/lana-bank
gh_get() { curl -sf -H "Authorization: Bearer $TOKEN" "$API/$1"; }
# every release, drafts included (the stand-in lists 2 per page)
all_releases() { gh_get "releases?page=1"; gh_get "releases?page=2"; gh_get "releases?page=3"; }
ALL_OUTPUT=$T/all-output
GHR=("$RT_BIN" github-release --config "$SRC/images.json" --config "$SRC/examples/lana-bank/overlay.json"
  --cache-dir "$T/cache")
run() { # EXIT ARGS... : github-release ARGS with the write token, output kept
  local want=$1
  shift
  assert_exit "$want" env GH_TOKEN="${USE_TOKEN-$TOKEN}" "$@"
  printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL_OUTPUT"
}
writes() { jq -s '[.[] | select(.method | test("POST|PATCH|DELETE"))] | length' "$GH_API_LOG"; }

# --- bad input: exit 2, GitHub not asked -----------------------------------------------
echo "notes" >"$T/notes.md"
run 2 "${GHR[@]}"
assert_contains "$ERR" "--version is required" "no version"
run 2 "${GHR[@]}" --version "1.0+build"
assert_contains "$ERR" "not usable as a release tag" "malformed version"
run 2 "${GHR[@]}" --version "$V" --notes-file "$T/nothing.md"
assert_contains "$ERR" "--notes-file $T/nothing.md: no such file" "missing notes"
USE_TOKEN="" run 2 "${GHR[@]}" --version "$V"
assert_contains "$ERR" "needs a token with contents: write: set GH_TOKEN" "no token"
touch "$SRC/examples/lana-bank/stray.txt"
run 2 "${GHR[@]}" --version "$V"
assert_contains "$ERR" "uncommitted changes" "dirty tree"
assert_contains "$ERR" "stray.txt" "the dirty file named"
rm "$SRC/examples/lana-bank/stray.txt"
git -C "$SRC" tag "$V" "$(git -C "$SRC" -c user.name=T -c user.email=t@example.invalid commit-tree -m other "HEAD^{tree}")"
run 2 "${GHR[@]}" --version "$V"
assert_contains "$ERR" "tag $V names commit" "local tag elsewhere"
git -C "$SRC" tag -d "$V" >/dev/null
run 2 "${GHR[@]}" --version 0.41.0
assert_contains "$ERR" "tag 0.41.0 of GaloyMoney/lana-bank names commit $OTHER" "remote tag elsewhere"
cat >"$T/overlap.json" <<'JSON'
{ "release_assets": [
  { "name": "lana-dw.tar.gz", "destination": "release-assets/lana-dw.tar.gz",
    "contents": [{ "from": "lana-dw", "to": "dw" },
                 { "from": "lana-dw/src", "to": "./dw/" }] } ] }
JSON
run 2 "${GHR[@]}" --config "$T/overlap.json" --version "$V"
assert_contains "$ERR" "overlap.json:4:49: duplicate 'to' 'dw' (first at line 3)" "overlapping 'to' paths, located"
echo '{ "release_assets": [{ "name": "SHA256SUMS", "destination": "x", "binary": true }] }' >"$T/reserved.json"
run 2 "${GHR[@]}" --config "$T/reserved.json" --version "$V"
assert_contains "$ERR" "reserved.json:1:32: release asset name 'SHA256SUMS' is taken" "reserved name, located"
assert_eq 0 "$(writes)" "writes after bad input"
pass "bad input: exit 2, nothing asked or created"

# --- a token that cannot write ------------------------------------------------------------
USE_TOKEN=$RO run 1 "${GHR[@]}" --version "$V"
assert_contains "$ERR" "the token cannot write to GaloyMoney/lana-bank: github-release needs contents: write" "read-only token"
assert_eq 1 "$(grep -c "error:" <<<"$ERR")" "one error line"
assert_eq 0 "$(writes)" "writes with a read-only token"
pass "read-only token: exit 1, nothing created"

# --- an upload cut half-way, then the rerun ---------------------------------------------------
run 1 "${GHR[@]}" --version "$V" --notes-file "$T/notes.md"
assert_contains "$ERR" "uploading customer-portal.tar.gz" "the cut upload named"
assert_contains "$ERR" "run again to resume" "says how to resume"
curl -s -o /dev/null -w '%{http_code}' "$API/releases/tags/$V" >"$T/code"
assert_eq 404 "$(<"$T/code")" "releases/tags/$V while a draft"
DRAFT=$(jq -s '[.[][] | select(.tag_name == "'"$V"'")]' <(all_releases))
assert_eq "1 true" "$(jq -r '"\(length) \(.[0].draft)"' <<<"$DRAFT")" "one draft"
assert_eq starter "$(jq -r '.[0].assets[] | select(.name == "customer-portal.tar.gz") | .state' <<<"$DRAFT")" "the half-uploaded asset"
ID=$(jq -r '.[0].id' <<<"$DRAFT")

MARK=$(wc -l <"$GH_UPLOADS_LOG")
API_MARK=$(wc -l <"$GH_API_LOG")
run 0 "${GHR[@]}" --version "$V" --notes-file "$T/notes.md"
assert_contains "$ERR" "resuming the draft release $V of GaloyMoney/lana-bank (id $ID)" "resumed"
assert_contains "$(tail -n +"$((API_MARK + 1))" "$GH_API_LOG" | jq -r .path)" "releases?per_page=2&page=2" "the list was read to its second page (Link)"
assert_eq "customer-portal.tar.gz lana-dw.tar.gz SHA256SUMS" \
  "$(tail -n +"$((MARK + 1))" "$GH_UPLOADS_LOG" | jq -r '.path | capture("name=(?<n>[^&]+)").n' | xargs)" \
  "the rerun uploaded only what was missing"
assert_eq 1 "$(jq -s '[.[] | select(.method == "DELETE")] | length' "$GH_API_LOG")" "the starter asset deleted"
REL=$(gh_get "releases/tags/$V")
assert_eq "$ID false true $SRC_SHA notes" \
  "$(jq -r '"\(.id) \(.draft) \(.immutable) \(.target_commitish) \(.body | rtrimstr("\n"))"' <<<"$REL")" "the published release"
assert_eq "$SRC_SHA" "$(gh_get "git/ref/tags/$V" | jq -r .object.sha)" "tag $V created at HEAD"
for f in lana-cli admin-panel.tar.gz customer-portal.tar.gz lana-dw.tar.gz SHA256SUMS; do
  assert_eq "sha256:$(sha256sum "$ASSETS/$f" | cut -d' ' -f1) uploaded" \
    "$(jq -r --arg f "$f" '.assets[] | select(.name == $f) | "\(.digest) \(.state)"' <<<"$REL")" "asset $f"
done
assert_eq 5 "$(jq '.assets | length' <<<"$REL")" "assets of the release"
(cd "$ASSETS" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not check"
assert_eq 1 "$(jq -s '[.[][] | select(.tag_name == "'"$V"'")] | length' <(all_releases))" "one release of $V"
pass "upload cut: exit 1, draft kept; rerun resumed it and published (id $ID)"

# --- no-ops and refusals -----------------------------------------------------------------
BEFORE=$(writes)
UP_MARK=$(wc -l <"$GH_UPLOADS_LOG")
run 0 "${GHR[@]}" --version "$V"
assert_contains "$ERR" "already published with these assets: nothing to do" "rerun"
git clone -q "$SRC" "$T/elsewhere/deep/clone"
find "$T/elsewhere/deep/clone" -exec touch -h -d "2031-02-03 04:05:06" {} +
(umask 077 && cd "$T/elsewhere" && run 0 "$RT_BIN" github-release --version "$V" \
  --config "$T/elsewhere/deep/clone/images.json" --config "$T/elsewhere/deep/clone/examples/lana-bank/overlay.json" \
  --cache-dir "$T/cache-2" --threads 1)
cp "$SRC/examples/lana-bank/target/lana-cli" "$T/lana-cli.orig"
printf 'x' >>"$SRC/examples/lana-bank/target/lana-cli"
run 1 "${GHR[@]}" --version "$V" --skip-build
assert_contains "$ERR" "already published with other assets (nothing changed): lana-cli is" "other bytes"
cp "$T/lana-cli.orig" "$SRC/examples/lana-bank/target/lana-cli"
assert_eq "$BEFORE" "$(writes)" "writes of the no-ops and the refusal"
assert_eq 0 "$(jq -s '[.[] | select(.method == "POST" and .status == 201)] | length' <(tail -n +"$((UP_MARK + 1))" "$GH_UPLOADS_LOG"))" "uploads of the no-ops"
pass "rerun and another clone: no-ops; other bytes: exit 1, nothing changed"

# The stand-in's immutable release refuses changes, as GitHub's does.
CODE=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/octet-stream' --data-binary x \
  "$GH_UPLOADS_URL/repos/GaloyMoney/lana-bank/releases/$ID/assets?name=extra")
assert_eq 422 "$CODE" "upload to an immutable release"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TOKEN" \
  "$API/releases/assets/$(jq -r '.assets[0].id' <<<"$REL")")
assert_eq 422 "$CODE" "delete from an immutable release"
pass "the published release is immutable"

# --- the token --------------------------------------------------------------------------------
assert_eq 0 "$(jq -s '[.[] | select(.authorization | not)] | length' "$GH_UPLOADS_LOG")" "uploads without the token"
assert_not_contains "$(cat "$ALL_OUTPUT" "$GH_UPLOADS_LOG" "$GH_API_LOG")" "$TOKEN" "the token in any output"
assert_not_contains "$(<"$ALL_OUTPUT")" "rtWriteToken" "part of the token in any output"
pass "the token went to the API and upload hosts only, and into no output"

pass "036-github-release"

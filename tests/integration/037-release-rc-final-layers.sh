#!/usr/bin/env bash
# An rc and the final release of one commit share their layers, and each mode
# gets its own tags:
#   - `rc --version 0.42.0-rc.1` pushes the four images tagged 0.42.0-rc.1 and
#     edge (the rc tags of the shipped images.json);
#   - `final --version 0.42.0 --create-release` first publishes the assets of
#     the same commit (github-release: the tarballs rc built from) on the GitHub
#     stand-in, then builds from them and uploads no layer blob: the blobs it pushes,
#     counted in the fault proxy's log, are exactly the four configs of its
#     images (the registry had every layer from rc), and it tags 0.42.0 and
#     latest; each final image's layers are the rc image's;
#   - the digests file names, per image, the configured and the pushed
#     repository, the tags, the source repository, the commit full and short,
#     and the chart's breadcrumb.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # jq programs in single quotes; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

TOKEN=ghp_rtLayersToken0123456789
release_through_proxy
export XDG_CACHE_HOME=$T/cache
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version 0.42.0-rc.1 --digests-file "$T/rc.json"
for name in "${RELEASE_IMAGES[@]}"; do
  assert_eq "0.42.0-rc.1 edge" "$(tags_of "$REG" "galoyorg/$name")" "rc tags of $name"
done
pass "rc: tagged {version} and edge"

jq -n --arg sha "$SRC_SHA" --arg token "$TOKEN" --arg date "$(date -u -d "@$SRC_EPOCH" +%FT%TZ)" '{
  tokens: [$token], repos: {"GaloyMoney/lana-bank": {branches: {main: $sha},
    commits: {($sha): {date: $date}}}}}' >"$T/github.json"
start_fake_github "$T/github.json"
# final --create-release: github-release first (the release does not exist), then final.
MARK=$(proxy_mark)
assert_exit 0 env GH_TOKEN=$TOKEN "$RT_BIN" final "${RFLAGS[@]}" --version 0.42.0 --create-release \
  --skip-build --digests-file "$T/final.json"
assert_contains "$ERR" "created the draft release 0.42.0" "--create-release ran github-release"
assert_eq 1 "$(jq -s '[.[] | select(.method == "PATCH")] | length' "$GH_API_LOG")" "published once"
for name in "${RELEASE_IMAGES[@]}"; do
  assert_eq "0.42.0 0.42.0-rc.1 edge latest" "$(tags_of "$REG" "galoyorg/$name")" "tags of $name"
done
# The blobs final pushed (their upload's closing PUT carries ?digest=).
PUSHED=$(proxy_since "$MARK" '[.[] | select(.method == "PUT" and (.path | test("/blobs/uploads/.*digest=")))
  | .path | capture("digest=(?<d>sha256(%3A|:)[0-9a-f]{64})").d | sub("%3A"; ":")] | sort | join(" ")' | jq -r .)
CONFIGS=$(for name in "${RELEASE_IMAGES[@]}"; do
  skopeo inspect --raw --tls-verify=false "docker://$REG/galoyorg/$name:0.42.0" | jq -r .config.digest
done | sort | xargs)
assert_eq "$CONFIGS" "$PUSHED" "blobs final pushed after rc: the four configs only"
BYTES=$(blob_bytes_since "$MARK")
for name in "${RELEASE_IMAGES[@]}"; do
  layers() { skopeo inspect --raw --tls-verify=false "docker://$REG/galoyorg/$name:$1" | jq -c '[.layers[].digest]'; }
  assert_eq "$(layers 0.42.0-rc.1)" "$(layers 0.42.0)" "layers of $name: rc = final"
done
pass "final after rc: configs and manifests only ($BYTES blob bytes), the same layers"

# The digests file, for the chart bump.
SHORT=${SRC_SHA:0:7}
assert_eq "final lana-bank gcr.io/galoyorg/lana-bank $PROXY/galoyorg/lana-bank 0.42.0,latest $SRC_SHA $SHORT https://github.com/GaloyMoney/lana-bank" \
  "$(jq -r '.mode + " " + (.images[0] | "\(.name) \(.configured_repository) \(.repository) \(.tags | join(",")) \(.commit) \(.commit_short) \(.source_repository)")' "$T/final.json")" \
  "digests file of final"
assert_eq "repository=https://github.com/GaloyMoney/lana-bank;commit_ref=$SHORT;app=dagster-code-location-lana-dw;" \
  "$(jq -r '.images[3].chart_metadata' "$T/final.json")" "chart breadcrumb"
assert_eq "$(jq -r '.images[3].repository + "@" + .images[3].digest' "$T/final.json")" \
  "$(jq -r '.images[3].reference' "$T/final.json")" "reference by digest"
pass "digests file: configured and pushed repository, tags, source, commit full and short"

pass "037-release-rc-final-layers"

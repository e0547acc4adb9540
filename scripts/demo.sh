#!/usr/bin/env bash
# The whole story on the example (examples/lana-bank), with nothing from
# outside but the Debian archive: a local registry (Debian's docker-registry on
# a free loopback port) and a local GitHub API stand-in.
#   1. the four bases (bases/{static,cc,python3,nodejs}.json and their locks)
#      built from Debian packages by `release-tool base build`, the .debs
#      fetched from the archive this machine's apt sources name, pushed;
#   2. `release-tool rc`: builds the stand-in lana-cli, writes .env, assembles
#      the four images from dockerfiles/Dockerfile.rc on those bases, pushes them;
#   3. `release-tool github-release --version 0.42.0`: the assets made from the
#      checkout (the binary, deterministic tarballs, SHA256SUMS) published as a
#      GitHub Release on the stand-in (draft, uploads, digests checked, publish);
#   4. `release-tool final --version 0.42.0`: from the release, verified —
#      pushing configs and manifests only, the layers being rc's;
#   5. `release-tool reproduce --version 0.42.0`: rebuilds and says MATCH;
#   6. `skopeo inspect` of the lana-bank image, then the four final images run
#      under runc (examples/lana-bank/scripts/run-images.sh): lana-cli prints
#      its build metadata, node serves both Next.js apps (an HTTP request each),
#      python imports the Dagster code and prints its assets.
# It drives the top-level images.json and dockerfiles/ through an overlay
# (examples/lana-bank/overlay.json), --build-arg and --registry-rewrite only,
# from a scratch commit of them (a release is made from a clean commit).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C build-release release-tool >/dev/null
export RT_BIN=$root/build-release/src/cli/release-tool RT_SOURCE_DIR=$root
# shellcheck source=../tests/support/lib.sh
source tests/support/lib.sh
# shellcheck source=../tests/support/release_env.sh
source tests/support/release_env.sh
rt_setup
release_checkout "$T/checkout"
cd "$T/checkout"
rt() { "$RT_BIN" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "local registry"
start_registry
echo "registry at $REG"

step "bases from Debian packages (release-tool base build, the archive of the apt sources)"
# lana-cli is a static binary: the static base (no libc) is the one it needs;
# cc is built too, for binaries linked against glibc and libstdc++.
bash examples/lana-bank/scripts/debian-bases.sh "$RT_BIN" "$root/bases" "$REG/bases"
config=(--config images.json --config examples/lana-bank/overlay.json)
flags=("${config[@]}"
  --build-arg "BASE_STATIC=$REG/bases/static:bookworm"
  --build-arg "BASE_NODEJS=$REG/bases/nodejs:bookworm"
  --build-arg "BASE_PYTHON=$REG/bases/python3:bookworm"
  --registry-rewrite "gcr.io/galoyorg=$REG/galoyorg"
  --registry-rewrite "us.gcr.io/galoyorg=$REG/galoyorg")

step "release-tool rc"
rt rc "${flags[@]}" --version 0.42.0-rc.1 --digests-file "$T/rc-digests.json"
cat .env

step "release-tool github-release --version 0.42.0 (the local GitHub stand-in)"
sha=$(git rev-parse HEAD)
date=$(git show -s --format=%cI HEAD | sed 's/+00:00$/Z/')
token=ghp_demo$RANDOM$RANDOM
jq -n --arg sha "$sha" --arg date "$(date -u -d "$date" +%FT%TZ)" --arg token "$token" '{
  tokens: [$token],
  repos: {"GaloyMoney/lana-bank": {immutable_releases: true, branches: {main: $sha},
    commits: {($sha): {date: $date, message: "release 0.42.0"}}}}}' >"$T/github.json"
start_fake_github "$T/github.json"
echo "GitHub API at $GITHUB_API_URL, uploads at $GH_UPLOADS_URL"
printf '## 0.42.0\n\nThe demo release.\n' >"$T/notes.md"
GH_TOKEN=$token rt github-release "${config[@]}" --version 0.42.0 --notes-file "$T/notes.md"

step "release-tool final --version 0.42.0"
rt final "${flags[@]}" --version 0.42.0 --digests-file "$T/final-digests.json"
cat "$T/final-digests.json"

step "release-tool reproduce --version 0.42.0"
rt reproduce "${flags[@]}" --version 0.42.0

step "skopeo inspect docker://$REG/galoyorg/lana-bank:0.42.0"
skopeo inspect --tls-verify=false "docker://$REG/galoyorg/lana-bank:0.42.0" |
  jq '{Digest, Labels, Env, Layers}'
step "the four images of 0.42.0 under runc (examples/lana-bank/scripts/run-images.sh)"
bash examples/lana-bank/scripts/run-images.sh "$REG/galoyorg" 0.42.0 "$T/run"

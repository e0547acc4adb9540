#!/usr/bin/env bash
# The whole story on the example (examples/lana-bank), with nothing from
# outside: a local registry (Debian's docker-registry on a free loopback port)
# and a local GitHub API stand-in.
#   1. stand-in distroless bases, built by release-tool itself, pushed;
#   2. `release-tool rc`: builds the stand-in lana-cli, writes .env, assembles
#      the four images from dockerfiles/Dockerfile.rc, pushes them;
#   3. `release-tool github-release --version 0.42.0`: the assets made from the
#      checkout (the binary, deterministic tarballs, SHA256SUMS) published as a
#      GitHub Release on the stand-in (draft, uploads, digests checked, publish);
#   4. `release-tool final --version 0.42.0`: from the release, verified —
#      pushing configs and manifests only, the layers being rc's;
#   5. `release-tool reproduce --version 0.42.0`: rebuilds and says MATCH;
#   6. `skopeo inspect` of the lana-bank image, and the binary run from it.
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

step "stand-in bases (release-tool assemble)"
bash examples/lana-bank/scripts/build-bases.sh "$RT_BIN" "$REG/mirror"
config=(--config images.json --config examples/lana-bank/overlay.json)
flags=("${config[@]}"
  --build-arg "BASE_STATIC=$REG/mirror/distroless/static-debian12:nonroot"
  --build-arg "BASE_NODEJS=$REG/mirror/distroless/nodejs20-debian12:nonroot"
  --build-arg "BASE_PYTHON=$REG/mirror/distroless/python3-debian12:nonroot"
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
skopeo copy -q --src-tls-verify=false "docker://$REG/galoyorg/lana-bank:0.42.0" "oci:$T/lana:x"
umoci unpack --image "$T/lana:x" "$T/bundle" >/dev/null
step "chroot $T/bundle/rootfs /bin/lana-cli --version (with the image's ENV)"
mapfile -t envs < <(jq -r '.process.env[]' "$T/bundle/config.json")
env -i "${envs[@]}" chroot "$T/bundle/rootfs" /bin/lana-cli --version

#!/usr/bin/env bash
# The whole story on the example (examples/lana-bank), with nothing from
# outside: a local registry (Debian's docker-registry on a free loopback port)
# and a local GitHub API stand-in.
#   1. stand-in distroless bases, built by release-tool itself, pushed;
#   2. `release-tool rc`: builds the stand-in lana-cli, writes .env, assembles
#      the four images from dockerfiles/Dockerfile.rc, pushes them;
#   3. a GitHub Release 0.42.0 is published on the stand-in (assets + commit);
#   4. `release-tool final --version 0.42.0`: from the release, verified;
#   5. `release-tool reproduce --version 0.42.0`: rebuilds and says MATCH;
#   6. `skopeo inspect` of the lana-bank image, and the binary run from it.
# It drives the top-level images.json and dockerfiles/ through an overlay
# (examples/lana-bank/overlay.json), --build-arg and --registry-rewrite only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C build-release release-tool >/dev/null
export RT_BIN=$root/build-release/src/cli/release-tool RT_SOURCE_DIR=$root
# shellcheck source=../tests/support/lib.sh
source tests/support/lib.sh
rt_setup
rt() { "$RT_BIN" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "local registry"
start_registry
echo "registry at $REG"

step "stand-in bases (release-tool assemble)"
bash examples/lana-bank/scripts/build-bases.sh "$RT_BIN" "$REG/mirror"
flags=(--config images.json --config examples/lana-bank/overlay.json
  --build-arg "BASE_STATIC=$REG/mirror/distroless/static-debian12:nonroot"
  --build-arg "BASE_NODEJS=$REG/mirror/distroless/nodejs20-debian12:nonroot"
  --build-arg "BASE_PYTHON=$REG/mirror/distroless/python3-debian12:nonroot"
  --registry-rewrite "gcr.io/galoyorg=$REG/galoyorg"
  --registry-rewrite "us.gcr.io/galoyorg=$REG/galoyorg")

step "release-tool rc"
rt rc "${flags[@]}" --version 0.42.0-rc.1 --digests-file "$T/rc-digests.json"
cat .env

step "GitHub Release 0.42.0 on the local GitHub stand-in"
bash examples/lana-bank/scripts/release-assets.sh "$T/assets"
sha=$(git rev-parse HEAD)
date=$(git show -s --format=%cI HEAD | sed 's/+00:00$/Z/')
jq -n --arg sha "$sha" --arg date "$(date -u -d "$date" +%FT%TZ)" --arg dir "$T/assets" '{
  repos: {"GaloyMoney/lana-bank": {
    tags: {"0.42.0": $sha},
    commits: {($sha): {date: $date, message: "release 0.42.0"}},
    releases: [{tag: "0.42.0", name: "0.42.0",
      assets: [ "lana-cli", "admin-panel.tar.gz", "customer-portal.tar.gz", "lana-dw.tar.gz"
              | {name: ., file: ($dir + "/" + .)} ]}]}}}' >"$T/github.json"
start_fake_github "$T/github.json"
echo "GitHub API at $GITHUB_API_URL"

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

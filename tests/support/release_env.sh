# shellcheck shell=bash
# Shared setup of the release tests (tests/integration/03x-release-*.sh) and of
# bench/release.sh: the whole story of scripts/demo.sh, in pieces.
#
#   source "$RT_SOURCE_DIR/tests/support/lib.sh"
#   source "$RT_SOURCE_DIR/tests/support/release_env.sh"
#   rt_setup
#   release_checkout             # $SRC: a git checkout of the repository's release files
#   release_bases                # $MIRROR: a registry holding the stand-in bases
#   release_registry             # $REG: the (empty) target registry
#   release_flags "$SRC" "$REG"  # RFLAGS=(--config … --build-arg BASE_… --registry-rewrite …)
#   release_github 0.42.0        # $GITHUB_API_URL: a GitHub Release of the example
#   release_through_proxy        # checkout, bases, registry behind the fault proxy, RFLAGS
#
# What is driven is the repository's own images.json and dockerfiles/, and the
# example under examples/lana-bank, as they are in the working tree; only what
# `--config` overlays, `--build-arg` and `--registry-rewrite` allow is changed.
# They are driven from a scratch git checkout in $T rather than from
# $RT_SOURCE_DIR itself because the release commands write into the checkout
# (.env beside images.json, the binary and release assets in the build context)
# and the release tests run in parallel under ctest -j: each test needs its own.
# release_checkout copies the files verbatim (and checks that it did).

# The files of the repository a release reads. Everything else (src/, tests/…)
# plays no part in a release of the example.
RELEASE_FILES=(.gitignore images.json dockerfiles examples/lana-bank)
# Build products of the example (ignored by git): never copied, so that `make`
# and the packing of the assets really run in the scratch checkout.
RELEASE_PRODUCTS=(examples/lana-bank/target examples/lana-bank/binaries
  examples/lana-bank/release-assets examples/lana-bank/bases/out examples/lana-bank/.env .env)
# The commit time of the scratch checkout: far from the wall clock, so that a
# BUILDTIME taken from the clock cannot pass for the commit's by chance.
RELEASE_COMMIT_DATE=${RELEASE_COMMIT_DATE:-2024-05-01T10:20:30Z}

# release_checkout [DIR] : make DIR (default $T/src) a git repository holding
# RELEASE_FILES as they are in $RT_SOURCE_DIR's working tree, committed once at
# RELEASE_COMMIT_DATE. Exports SRC (DIR), SRC_SHA (the commit), SRC_EPOCH (its
# time, seconds).
release_checkout() {
  local dir=${1:-$T/src} f
  mkdir -p "$dir"
  for f in "${RELEASE_FILES[@]}"; do
    mkdir -p "$dir/$(dirname "$f")"
    cp -a "$RT_SOURCE_DIR/$f" "$dir/$f"
  done
  # The source may be read-only (a Nix store path: apps.tests of flake.nix).
  chmod -R u+w "$dir"
  for f in "${RELEASE_PRODUCTS[@]}"; do rm -rf "${dir:?}/$f"; done
  cmp -s "$RT_SOURCE_DIR/images.json" "$dir/images.json" || fail "release_checkout: images.json not copied verbatim"
  diff -r "$RT_SOURCE_DIR/dockerfiles" "$dir/dockerfiles" >/dev/null || fail "release_checkout: dockerfiles/ not copied verbatim"
  (
    cd "$dir"
    git init -q -b main .
    git add .gitignore images.json dockerfiles examples
    GIT_AUTHOR_DATE=$RELEASE_COMMIT_DATE GIT_COMMITTER_DATE=$RELEASE_COMMIT_DATE \
      git -c user.name="Release Test" -c user.email=release-test@example.invalid \
      -c commit.gpgsign=false commit -q -m "release files of the example"
  ) || fail "release_checkout: cannot commit in $dir"
  SRC=$dir
  SRC_SHA=$(git -C "$dir" rev-parse HEAD)
  SRC_EPOCH=$(git -C "$dir" show -s --format=%ct HEAD)
  export SRC SRC_SHA SRC_EPOCH
}

# release_registry : start a registry for the images of a release. Exports the
# start_registry variables (REG, REG_URL, REG_DIR, REG_LOG, REG_PID, …).
release_registry() {
  start_registry
}

# release_bases : start a registry of its own for the stand-in distroless bases
# (so that the target registry stays empty until a release pushes) and build
# them with release-tool (examples/lana-bank/scripts/build-bases.sh). Exports
# MIRROR (host:port), MIRROR_PID and BASE_STATIC, BASE_NODEJS, BASE_PYTHON (the
# stand-ins' references); leaves the REG* variables describing that registry,
# so call release_registry after it.
release_bases() {
  start_registry
  MIRROR=$REG MIRROR_PID=$REG_PID MIRROR_DIR=$REG_DIR
  bash "$SRC/examples/lana-bank/scripts/build-bases.sh" "$RT_BIN" "$MIRROR/mirror" ||
    fail "release_bases: build-bases.sh failed"
  BASE_STATIC=$MIRROR/mirror/distroless/static-debian12:nonroot
  BASE_NODEJS=$MIRROR/mirror/distroless/nodejs20-debian12:nonroot
  BASE_PYTHON=$MIRROR/mirror/distroless/python3-debian12:nonroot
  export MIRROR MIRROR_PID MIRROR_DIR BASE_STATIC BASE_NODEJS BASE_PYTHON
}

# release_flags CHECKOUT TARGET_HOST : sets RFLAGS, the flags every release
# command of the tests gets: images.json and the example's overlay from
# CHECKOUT, the stand-in bases, and both galoyorg registries rewritten to
# TARGET_HOST/galoyorg.
release_flags() {
  local src=$1 target=$2
  # shellcheck disable=SC2034 # used by the scripts that source this file
  RFLAGS=(--config "$src/images.json" --config "$src/examples/lana-bank/overlay.json"
    --build-arg "BASE_STATIC=$BASE_STATIC"
    --build-arg "BASE_NODEJS=$BASE_NODEJS"
    --build-arg "BASE_PYTHON=$BASE_PYTHON"
    --registry-rewrite "gcr.io/galoyorg=$target/galoyorg"
    --registry-rewrite "us.gcr.io/galoyorg=$target/galoyorg")
}

# release_through_proxy : the usual start of a release test that watches the
# traffic: a checkout, the stand-in bases, an empty target registry behind the
# fault proxy with no rules (it logs every request and its body bytes), and
# RFLAGS aimed at the proxy.
release_through_proxy() {
  release_checkout
  release_bases
  release_registry
  echo '{"rules": []}' >"$T/rules.json"
  start_fault_proxy "$T/rules.json"
  release_flags "$SRC" "$PROXY"
}

# The four images: name and the repository under the rewritten galoyorg.
RELEASE_IMAGES=(lana-bank lana-bank-admin-panel lana-bank-customer-portal dagster-code-location-lana-dw)

# release_assets : make the release assets of the example once (lana-cli, the
# three tarballs and SHA256SUMS) into $T/assets, with release-tool itself
# (github-release --no-publish: the very bytes a publish would upload).
# Exports ASSETS.
release_assets() {
  ASSETS=$T/assets
  export ASSETS
  [[ -f $ASSETS/lana-cli ]] && return 0
  "$RT_BIN" github-release --config "$SRC/images.json" --config "$SRC/examples/lana-bank/overlay.json" \
    --version 0.0.0 --no-publish --assets-dir "$ASSETS" --cache-dir "$T/assets-cache" \
    >"$T/assets.out" 2>&1 || fail "release_assets: github-release --no-publish failed: $(<"$T/assets.out")"
}

# release_github_config VERSION [JQ_FILTER [JQ_ARGS...]] : print a fake_github
# config with the GitHub Release VERSION of GaloyMoney/lana-bank: tag VERSION
# on $SRC_SHA, whose commit date is $SRC_EPOCH, and the four assets. The filter
# (applied to the whole config) makes variants: private repositories, digests
# omitted or lying, extra assets, more repositories.
release_github_config() {
  local version=$1 filter=${2:-.}
  shift 2 || shift $#
  release_assets
  jq -n --arg sha "$SRC_SHA" --arg date "$(date -u -d "@$SRC_EPOCH" +%FT%TZ)" \
    --arg dir "$ASSETS" --arg version "$version" "$@" '{
      tokens: [],
      repos: {"GaloyMoney/lana-bank": {
        tags: {($version): $sha},
        commits: {($sha): {date: $date, message: ("release " + $version)}},
        releases: [{tag: $version, name: $version,
          assets: [ "lana-cli", "admin-panel.tar.gz", "customer-portal.tar.gz", "lana-dw.tar.gz"
                  | {name: ., file: ($dir + "/" + .)} ]}]}}} | '"$filter"
}

# release_github VERSION [fake_github options...] : start the fake GitHub with
# the plain release of VERSION (release_github_config). Exports the
# start_fake_github variables (GITHUB_API_URL, GH_STORAGE_LOG, …).
release_github() {
  local version=$1
  shift
  release_github_config "$version" >"$T/github-$version.json"
  start_fake_github "$T/github-$version.json" "$@"
}

# tags_of HOST REPO : the tags of HOST/REPO, sorted, one line ("" when none or no repository).
tags_of() {
  curl -s "http://$1/v2/$2/tags/list" | jq -r '(.tags // []) | sort | join(" ")'
}

# digest_of REF : the manifest digest of REF in a registry (no TLS), or "-" when absent.
digest_of() {
  skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1" 2>/dev/null || echo -
}

# no_tag VERSION : no repository of the four (in $REG) has a tag VERSION.
no_tag() {
  local name
  for name in "${RELEASE_IMAGES[@]}"; do
    assert_not_contains " $(tags_of "$REG" "galoyorg/$name") " " $1 " "tags of $name"
  done
}
# all_tagged VERSION DIGESTS_FILE : the four (in $REG) have tag VERSION, at the file's digests.
all_tagged() {
  local name
  for name in "${RELEASE_IMAGES[@]}"; do
    assert_eq "$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$2")" \
      "$(digest_of "$REG/galoyorg/$name:$1")" "$name:$1"
  done
}

# registry_state HOST : every repository of HOST with each tag and its digest,
# one line each — compared before and after a failure to prove nothing moved.
registry_state() {
  local host=$1 repo tag
  for repo in $(curl -s "http://$host/v2/_catalog?n=1000" | jq -r '.repositories[]?'); do
    for tag in $(tags_of "$host" "$repo"); do
      echo "$repo:$tag $(digest_of "$host/$repo:$tag")"
    done
  done
}

# catalog HOST : the repositories of HOST, space-separated ("" when empty).
catalog() {
  curl -s "http://$1/v2/_catalog?n=1000" | jq -r '(.repositories // []) | join(" ")'
}

# proxy_mark : the current length of $PROXY_LOG, for proxy_since.
proxy_mark() {
  if [[ -f $PROXY_LOG ]]; then wc -l <"$PROXY_LOG"; else echo 0; fi
}

# proxy_since MARK JQ_FILTER : apply JQ_FILTER (with jq -s) to the proxy log
# lines written after MARK.
proxy_since() {
  tail -n +"$(($1 + 1))" "$PROXY_LOG" | jq -s "$2"
}

# blob_bytes_since MARK : request-body bytes of blob uploads through the proxy after MARK.
blob_bytes_since() {
  proxy_since "$1" '[.[] | select(.blob_upload) | .body_bytes] | add // 0'
}

# writes_since MARK : the write requests (POST, PUT, PATCH, DELETE) through the proxy after MARK.
writes_since() {
  proxy_since "$1" '[.[] | select(.method | test("POST|PUT|PATCH|DELETE")) | "\(.method) \(.path)"] | join("\n")' | jq -r .
}

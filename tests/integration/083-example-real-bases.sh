#!/usr/bin/env bash
# The example's four images on real bases, run under runc:
#   - the static, nodejs and python3 bases (bases/NAME.json and their committed
#     locks) built by `release-tool base build` from the Debian archive this
#     machine's apt sources name, pushed to a local registry;
#   - `release-tool rc` of the example on them (the base.digest annotation of each
#     image is its base's digest);
#   - examples/lana-bank/scripts/run-images.sh: lana-cli prints VERSION,
#     COMMITHASH, BUILDTIME; Debian's node (the version the lock holds) serves
#     both Next.js apps, answering HTTP; Debian's python (the lock's) imports the
#     Dagster code and prints its assets;
#   - `release-tool sbom` of each image lists its base's locked Debian packages
#     (status.d) and the npm packages and Python distribution planted in the example.
# The one test that needs the real archive. When the archive does not answer it
# fails, saying to set RT_TEST_NO_DEBIAN_ARCHIVE=1, with which it is skipped
# (exit 77). The .debs are cached in $RT_BUILD_DIR/test-cache/debian, which
# outlives the run: a rerun downloads nothing.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
[[ ${RT_TEST_NO_DEBIAN_ARCHIVE:-0} == 1 ]] && skip "RT_TEST_NO_DEBIAN_ARCHIVE=1: no Debian archive"
# Chosen before rt_setup, which points HOME and XDG_CACHE_HOME into the test's directory.
DEB_CACHE=${RT_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/release-tool-tests}/test-cache/debian
rt_setup
mkdir -p "$DEB_CACHE"

# The archive, as apt sees it (release-tool reads the same sources): every suite
# of the recipes must answer within 10 s; if not, one line says what to do.
no_archive() {
  echo "FAIL: $*: set RT_TEST_NO_DEBIAN_ARCHIVE=1 to skip this test" >&2
  exit 1
}
apt_url_of() {
  # shellcheck disable=SC2016 # apt-get expands $(REPO_URI) itself
  apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' |
    awk -v s="$1" '$2 == s { sub("/$", "", $1); print $1; exit }'
}
for suite in $(jq -r '.sources[].suite' "$RT_SOURCE_DIR"/bases/{static,nodejs,python3}.json | sort -u); do
  url=$(apt_url_of "$suite")
  # As release-tool does (debian/archive.cpp) when the sources name the release only (a
  # debootstrap root): -updates in the same archive, -security in .../debian-security beside it.
  if [[ -z $url && $suite == *-* ]]; then
    release_url=$(apt_url_of "${suite%%-*}")
    case ${suite#*-} in
    security) [[ $release_url == */debian ]] && url=$release_url-security ;;
    updates | backports | proposed-updates) url=$release_url ;;
    esac
  fi
  [[ -n $url ]] || no_archive "no apt source of this machine serves $suite"
  code=$(curl -s -o /dev/null -I --max-time 10 -w '%{http_code}' "${url%/}/dists/$suite/InRelease" || true)
  [[ $code == 200 ]] || no_archive "the Debian archive of the apt sources does not answer (HTTP $code from ${url%/}/dists/$suite/InRelease)"
done

# --- the bases -----------------------------------------------------------------------------
release_checkout
start_registry
assert_exit 0 bash "$SRC/examples/lana-bank/scripts/debian-bases.sh" "$RT_BIN" "$RT_SOURCE_DIR/bases" \
  "$REG/bases" static nodejs python3 -- --cache-dir "$DEB_CACHE"
declare -A BASE_DIGEST
while read -r name ref; do BASE_DIGEST[$name]=${ref#*@}; done <<<"$OUT"
for name in static nodejs python3; do
  assert_eq "${BASE_DIGEST[$name]}" "$(digest_of "$REG/bases/$name:bookworm")" "the $name base in the registry"
  assert_eq "$(jq -r '.packages.amd64 | length' "$RT_SOURCE_DIR/bases/$name.lock.json")" \
    "$(sed -n "s|^$name (linux/amd64): \([0-9]*\) packages.*|\1|p" <<<"$ERR")" \
    "packages in the $name base"
done
FETCHED=$(grep -c '^fetching package ' <<<"$ERR" || true)
pass "static, nodejs, python3 built from the archive's .debs ($FETCHED downloaded, the others from $DEB_CACHE), pushed"

# --- rc on them -------------------------------------------------------------------------------
BASE_STATIC=$REG/bases/static:bookworm BASE_NODEJS=$REG/bases/nodejs:bookworm BASE_PYTHON=$REG/bases/python3:bookworm
release_flags "$SRC" "$REG"
V=0.42.0-rc.1
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V"
declare -A BASE_OF=([lana-bank]=static [lana-bank-admin-panel]=nodejs
  [lana-bank-customer-portal]=nodejs [dagster-code-location-lana-dw]=python3)
for image in "${RELEASE_IMAGES[@]}"; do
  assert_eq "${BASE_DIGEST[${BASE_OF[$image]}]}" \
    "$(skopeo inspect --raw --tls-verify=false "docker://$REG/galoyorg/$image:$V" |
      jq -r '.annotations["org.opencontainers.image.base.digest"]')" "base of $image"
done
pass "rc: the four images on the Debian bases"

# --- their SBOMs: the base's Debian packages (status.d) and the inventories planted in the apps -----
for image in "${RELEASE_IMAGES[@]}"; do
  assert_exit 0 "$RT_BIN" sbom "$REG/galoyorg/$image:$V"
  printf '%s\n' "$OUT" >"$T/$image.spdx.json"
  assert_eq "$(jq -r '.packages.amd64[].name' "$RT_SOURCE_DIR/bases/${BASE_OF[$image]}.lock.json" | sort)" \
    "$(jq -r '.packages[] | select(.externalRefs[0].referenceLocator // "" | startswith("pkg:deb/")) | .name' \
      "$T/$image.spdx.json" | sort)" "$image's SBOM lists exactly its base's locked Debian packages"
done
for image in lana-bank-admin-panel lana-bank-customer-portal; do
  assert_eq $'@next/env 14.2.3 MIT\nnext 14.2.3 MIT\nreact 18.3.1 MIT' \
    "$(jq -r '.packages[] | select(.externalRefs[0].referenceLocator // "" | startswith("pkg:npm/")) | "\(.name) \(.versionInfo) \(.licenseDeclared)"' \
      "$T/$image.spdx.json" | sort)" "$image's SBOM lists the npm packages of its standalone output"
done
assert_eq "dagster 0.0.0+standin Apache-2.0" \
  "$(jq -r '.packages[] | select(.externalRefs[0].referenceLocator // "" | startswith("pkg:pypi/")) | "\(.name) \(.versionInfo) \(.licenseDeclared)"' \
    "$T/dagster-code-location-lana-dw.spdx.json")" "the Dagster image's SBOM lists its Python distribution"
pass "SBOMs: each base's locked Debian packages, the apps' npm packages, the Dagster distribution"

# --- run them -----------------------------------------------------------------------------------
assert_exit 0 bash "$SRC/examples/lana-bank/scripts/run-images.sh" "$REG/galoyorg" "$V" "$T/run"
echo "$OUT"
assert_contains "$OUT" $'lana-cli '"$V"$'\nCOMMITHASH='"$SRC_SHA"$'\nBUILDTIME=2024-05-01-10:20:30' "lana-cli --version"
NODE=$(jq -r '.packages.amd64[] | select(.name == "nodejs") | .version' "$RT_SOURCE_DIR/bases/nodejs.lock.json")
PYTHON=$(jq -r '.packages.amd64[] | select(.name == "python3.11") | .version' "$RT_SOURCE_DIR/bases/python3.lock.json")
for app in admin-panel customer-portal; do
  assert_contains "$OUT" "GET /api/health -> {\"app\":\"$app\",\"status\":\"ok\",\"node\":\"v${NODE%%+*}\",\"env\":\"production\"}" \
    "$app served by the lock's node"
  assert_contains "$OUT" "GET / -> <!DOCTYPE html><html><body><h1>lana-bank $app</h1>" "$app's page"
done
assert_contains "$OUT" "dagster (stand-in) api grpc: python ${PYTHON%%-*}, loaded /lana-dw/src/definitions.py
  asset raw_transactions
  asset daily_balances (deps: raw_transactions)" "the Dagster code imported by the lock's python"
pass "runc: lana-cli, both Next.js apps under node ${NODE%%+*}, the Dagster code under python ${PYTHON%%-*}"

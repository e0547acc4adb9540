#!/usr/bin/env bash
# Installs every Debian 12 package that building, the demo, the tests, fuzzing and
# the benchmarks use: this list is the one place they are named. Nothing is taken
# for granted because a developer machine happens to have it (a fresh
# `debootstrap --variant=minbase` root has neither zlib1g-dev nor ps nor xz).
#
#   scripts/install-deps.sh            install what is missing (as root)
#   scripts/install-deps.sh --check    only say what is missing; exit 1 if anything is
#
# Idempotent: when everything is installed it does nothing, so demo.sh, test.sh
# and the benchmarks call it on every run. When a package cannot be installed
# (not root, no network to the Debian archive) it stops with one line naming
# what is missing and how to get it, before any CMake or compiler error.
set -euo pipefail

# Each entry: package, then the reason in a word or two.
BUILD=(
  cmake "build system" ninja-build "build runner" g++ "C++20 compiler" make "example's Makefile"
  pkg-config "finds libdeflate" libcurl4-openssl-dev "registry/GitHub HTTP" libssl-dev "TLS, SHA-256"
  libarchive-dev "tar reading/writing" zlib1g-dev "gzip reading (gunzip)" libdeflate-dev "gzip writing"
  libsodium-dev "cosign key secretbox"
  libzstd-dev "zstd layers"
  nlohmann-json3-dev "JSON" libcli11-dev "flags" libfmt-dev "formatting" catch2 "unit tests (v2)"
  git "commit time, checkouts" ca-certificates "HTTPS"
)
DEMO=(
  gcc "static example binaries" libc6-dev "static libc for them" docker-registry "the local registry"
  skopeo "inspect/copy pushed images" umoci "unpack an image to run it" jq "reads JSON in scripts"
  curl "registry/GitHub probes" python3 "the GitHub API stand-in"
  coreutils "timeout, sha256sum" tar "unpacks layers" gzip "compressed fixtures" xz-utils "xz fixtures"
  gpgv "checks InRelease signatures" debian-archive-keyring "Debian's archive keys"
)
TESTS=(
  oci-image-tool "validates our layouts" runc "runs our images" buildah "Dockerfile peer"
  faketime "clock skew tests" apache2-utils "htpasswd (bcrypt)" openssl "test certificates"
  python3-cryptography "JWTs, cosign verifier" python3-nacl "cosign test keys" shellcheck "lints scripts"
  clang-format "formatting check" podman "reads zstd images"
  dpkg "dpkg-deb, dpkg-query: test .debs" apt-utils "apt-ftparchive: test archive indexes" gpg "signs the test archive"
  gpg-agent "gpg generates the test archive key through it" zstd "zstd -t/-d check zstd layers"
)
FUZZ=(
  clang "libFuzzer builds" libclang-rt-14-dev "libFuzzer, sanitizers" llvm-14 "llvm-symbolizer (reports)"
)
BENCH=(
  time "peak RSS (GNU time -v)" debootstrap "base bench peer"
)

names=()
for group in BUILD DEMO TESTS FUZZ BENCH; do
  declare -n list=$group
  for ((i = 0; i < ${#list[@]}; i += 2)); do names+=("${list[i]}"); done
done

missing=()
for p in "${names[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#names[@]} packages installed"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  exit 1
fi
if ((EUID != 0)); then
  echo "install-deps: missing Debian packages: ${missing[*]} — install them as root:" \
    "sudo apt-get install ${missing[*]} (or run this script as root)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 5 "$log" >&2
  echo "install-deps: apt-get could not install: ${missing[*]} — is the Debian archive" \
    "reachable (see /etc/apt/sources.list*)? Install them by hand: apt-get install ${missing[*]}" \
    "(full apt log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "install-deps: installed ${#missing[@]} packages"

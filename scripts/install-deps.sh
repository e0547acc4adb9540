#!/usr/bin/env bash
# Install every Debian 12 package needed to build and test release-tool.
# Idempotent: when all packages are already installed it does nothing, so CI
# and developers can call it on every run at no cost.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ make faketime buildah pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev libarchive-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev catch2 libdeflate-dev clang-format
  # static test binaries (make_static_binary) need the static libc
  gcc libc6-dev
  # integration tests: a real registry and real OCI clients to check our output
  docker-registry skopeo umoci oci-image-tool runc
  # test support: htpasswd (bcrypt), certificates, token/fake-GitHub servers
  apache2-utils openssl python3 python3-cryptography jq time curl
  shellcheck
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if ((EUID != 0)); then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"

#!/usr/bin/env bash
# Builds the example's real bases from Debian packages with `release-tool base
# build` — the recipes RECIPES/NAME.json and their committed locks
# (RECIPES/NAME.lock.json) — and pushes each as PREFIX/NAME:bookworm.
# The .debs come from the Debian archive this machine's apt sources name
# (`base build` reads /etc/apt/sources.list*; no host is written here), checked
# against the lock, cached in release-tool's cache (--cache-dir to choose it).
# Prints "NAME PREFIX/NAME:bookworm@DIGEST" per base on stdout.
# Usage: debian-bases.sh RELEASE_TOOL RECIPES PREFIX [NAME...] [-- base build flags...]
#   NAME defaults to the four bases: static cc python3 nodejs.
#   The example's images use static (lana-cli is a static binary), nodejs and python3.
set -euo pipefail
rt=$1 recipes=$2 prefix=$3
shift 3
names=()
while (($#)) && [[ $1 != -- ]]; do
  names+=("$1")
  shift
done
[[ ${1:-} == -- ]] && shift
((${#names[@]})) || names=(static cc python3 nodejs)
for name in "${names[@]}"; do
  ref=$prefix/$name:bookworm
  out=$("$rt" base build "$@" --output "docker://$ref" "$recipes/$name.json") || {
    echo "debian-bases.sh: building the $name base failed" >&2
    exit 1
  }
  echo "$name $ref@$(tail -n 1 <<<"$out")"
done

#!/usr/bin/env bash
# Builds the stand-in bases with release-tool and pushes them under PREFIX:
#   PREFIX/distroless/static-debian12:nonroot, .../nodejs20-debian12:nonroot,
#   .../python3-debian12:nonroot
# Usage: build-bases.sh RELEASE_TOOL PREFIX [release-tool flags...]
set -euo pipefail
rt=$1 prefix=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$here/bases/out"
gcc -static -O2 -o "$here/bases/out/standin" "$here/standin/standin.c"
for pair in static:static-debian12 nodejs:nodejs20-debian12 python:python3-debian12; do
  "$rt" -q assemble --target "${pair%%:*}" -f "$here/bases/Dockerfile" \
    --output "docker://$prefix/distroless/${pair#*:}:nonroot" "$@" "$here/bases" >/dev/null
done

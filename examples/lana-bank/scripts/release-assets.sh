#!/usr/bin/env bash
# Makes the assets a GitHub Release of the example carries: the lana-cli
# binary and one tarball per app (the /app tree of the image) and for the
# Dagster code. Deterministic: sorted, numeric owners 0, mtime 0, gzip -n.
# Usage: release-assets.sh OUTDIR
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
gcc -static -O2 -o "$out/lana-cli" "$here/lana-cli/main.c"
pack() { # name dir
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=a+rX,u+w,go-w \
    -C "$2" -cf - . | gzip -n -9 >"$out/$1"
}
for app in admin-panel customer-portal; do
  stage=$(mktemp -d)
  cp -r "$here/apps/$app/.next/standalone/." "$stage/"
  mkdir -p "$stage/apps/$app/.next"
  cp -r "$here/apps/$app/.next/static" "$stage/apps/$app/.next/static"
  cp -r "$here/apps/$app/public" "$stage/apps/$app/public"
  pack "$app.tar.gz" "$stage"
  rm -rf "$stage"
done
pack lana-dw.tar.gz "$here/lana-dw"

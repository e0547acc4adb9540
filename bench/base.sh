#!/usr/bin/env bash
# Bases from Debian packages: `release-tool base build` of the four recipes in
# bases/ (static, cc, python3, nodejs; linux/amd64, from their committed locks)
# with a cold .deb cache (every package downloaded from the archive) and a warm
# one, against the peer the issue names: `debootstrap --variant=minbase
# --include=<the recipe's packages>` followed by `umoci insert` of the root into
# an empty image (umoci's commit: one gzip layer in an OCI layout), cold (empty
# --cache-dir) and warm (its .debs in --cache-dir).
#   bench/base.sh                  RUNS=1 by default; BENCH_DIR=/tmp/rt-bench-base
#   RT_BIN=build-release/src/cli/release-tool RUNS=3 bench/base.sh
# The peer does more than release-tool: minbase adds Debian's essential set and
# apt (~90 packages a distroless base excludes) and runs every maintainer script
# under dpkg in a chroot; it takes one suite, so it gets bookworm's versions
# without -updates and -security. Its figures are what a Dockerfile-free
# Debian root costs, not the same image. Needs root, the Debian archive (the
# apt source of this machine: no host is written here), debootstrap, umoci, jq.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$REPO/bench/lib.sh"
RUNS=${RUNS:-1}
BENCH_DIR=${BENCH_DIR:-/tmp/rt-bench-base}
require_tools debootstrap umoci jq apt-get /usr/bin/time
((EUID == 0)) || die "debootstrap needs root"
ensure_rt_bin
mkdir -p "$BENCH_DIR"
rm -f "$BENCH_DIR"/results.*
# shellcheck disable=SC2016 # apt-get expands $(REPO_URI) itself
mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' |
  awk '$2 == "bookworm" { print $1; exit }')
[[ -n $mirror ]] || die "no apt source of this machine serves bookworm"

# layer_mib LAYOUT : the size of the (one) layer of the image in LAYOUT, MiB.
layer_mib() {
  local manifest
  manifest=$(jq -r '.manifests[0].digest' "$1/index.json")
  jq '[.layers[].size] | add / 1048576' "$1/blobs/sha256/${manifest#sha256:}"
}

echo "release-tool: $("$RT_BIN" --version | head -n 1) ($RT_BIN); $(debootstrap --version); $(umoci --version)"
echo "mirror (apt sources): $mirror; $(nproc) CPUs; $RUNS run(s) each"
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for base in static cc python3 nodejs; do
  recipe=$REPO/bases/$base.json
  npkg=$(jq '.packages.amd64 | length' "$REPO/bases/$base.lock.json")
  include=$(jq -r '.packages | join(",")' "$recipe")
  for ((i = 0; i < RUNS; i++)); do
    # cold: an empty cache, which the run fills; warm: the same command again.
    rm -rf "$BENCH_DIR/cache" "$BENCH_DIR/out"
    timed "$base-cold" "$RT_BIN" -q base build --cache-dir "$BENCH_DIR/cache" \
      --output "oci:$BENCH_DIR/out:$base" "$recipe"
    digest=$(tail -n 1 "$BENCH_DIR/stdout.log")
    rt_mib=$(layer_mib "$BENCH_DIR/out")
    rm -rf "$BENCH_DIR/out"
    timed "$base-warm" "$RT_BIN" -q base build --cache-dir "$BENCH_DIR/cache" \
      --output "oci:$BENCH_DIR/out:$base" "$recipe"
    [[ $(tail -n 1 "$BENCH_DIR/stdout.log") == "$digest" ]] || die "$base: warm and cold digests differ"
    rm -rf "$BENCH_DIR/debs"
    mkdir -p "$BENCH_DIR/debs"
    for kind in cold warm; do
      rm -rf "$BENCH_DIR/root" "$BENCH_DIR/peer"
      timed "$base-debootstrap-$kind" bash -c "debootstrap --variant=minbase --cache-dir='$BENCH_DIR/debs' \
        --include='$include' bookworm '$BENCH_DIR/root' '$mirror' &&
        umoci init --layout '$BENCH_DIR/peer' && umoci new --image '$BENCH_DIR/peer:b' &&
        umoci insert --image '$BENCH_DIR/peer:b' '$BENCH_DIR/root' /"
      peer_pkgs=$(grep -c '^Package: ' "$BENCH_DIR/root/var/lib/dpkg/status")
      peer_mib=$(layer_mib "$BENCH_DIR/peer")
    done
  done
  rows+=("$(printf '%-8s %3d pkgs %6.1f MiB | %-24s | %-24s | %3d pkgs %6.1f MiB | %-24s | %-24s' \
    "$base" "$npkg" "$rt_mib" "$(stats "$base-cold")" "$(stats "$base-warm")" \
    "$peer_pkgs" "$peer_mib" "$(stats "$base-debootstrap-cold")" "$(stats "$base-debootstrap-warm")")")
done
rm -rf "$BENCH_DIR/root" "$BENCH_DIR/peer" "$BENCH_DIR/out"
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "each timing: median min max seconds, peak RSS MB, median CPU seconds"
printf '%-8s %-20s | %-24s | %-24s | %-20s | %-24s | %-24s\n' base "release-tool image" "release-tool cold" \
  "release-tool warm" "debootstrap image" "debootstrap+umoci cold" "debootstrap+umoci warm"
printf '%s\n' "${rows[@]}"

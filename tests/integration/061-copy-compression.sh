#!/usr/bin/env bash
# copy --compression: gzip → zstd → gzip between oci: layouts and a registry.
# Layers in the other codec are recompressed (same diff_ids, same config, a new
# OCI manifest), layers already in the codec are kept byte for byte; the result
# is the same for 1 and 8 threads and for a second copy (the cache's record);
# skopeo reads every result, and podman (Debian's, no daemon) pulls the zstd
# image and reports its digest (running a container needs what this machine
# may not allow, so the test does not). A docker-archive never carries zstd: exit 2 without
# --compression gzip, converted with it.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

mkdir -p "$T/ctx"
printf '#include <stdio.h>\nint main(void) { puts("hello from a zstd layer"); return 0; }\n' >"$T/hello.c"
make_static_binary "$T/hello.c" "$T/ctx/hello"
"$RT_PYTHON" -c "import random; open('$T/ctx/data.bin','wb').write(random.Random(61).randbytes(6 << 20))"
seq 1 300000 >"$T/ctx/notes.txt"
printf 'FROM scratch\nCOPY hello /hello\nCOPY data.bin notes.txt /data/\nENTRYPOINT ["/hello"]\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/gz:1" "$T/ctx"
GZ=$(tail -n 1 <<<"$OUT")
assert_exit 0 "$RT_BIN" assemble --compression zstd --output "oci:$T/built-z:1" "$T/ctx"
BUILT_Z=$(tail -n 1 <<<"$OUT")

media_types() { skopeo inspect "${@:2}" --raw "$1" | jq -r '[.layers[].mediaType] | unique | join(",")'; }
diff_ids() { skopeo inspect --config --raw "$1" | jq -c .rootfs.diff_ids; }

# --- gzip → zstd: recompressed, the same as assembling with zstd ---------------------
assert_exit 0 "$RT_BIN" copy --compression zstd --threads 1 "oci:$T/gz:1" "oci:$T/z1:1"
Z=$(tail -n 1 <<<"$OUT")
assert_ne "$GZ" "$Z" "recompressed image digest"
assert_eq "application/vnd.oci.image.layer.v1.tar+zstd" "$(media_types "oci:$T/z1:1")" "media types"
assert_eq "$(diff_ids "oci:$T/gz:1")" "$(diff_ids "oci:$T/z1:1")" "diff_ids"
assert_eq "$(skopeo inspect --raw "oci:$T/gz:1" | jq -r .config.digest)" \
  "$(skopeo inspect --raw "oci:$T/z1:1" | jq -r .config.digest)" "the config is unchanged"
assert_eq "$BUILT_Z" "$Z" "copy --compression zstd gives what assemble --compression zstd gives"
XDG_CACHE_HOME=$T/other-cache assert_exit 0 "$RT_BIN" copy --compression zstd --threads 8 \
  "oci:$T/gz:1" "oci:$T/z8:1"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "8 threads, another cache"
assert_exit 0 "$RT_BIN" -v copy --compression zstd "oci:$T/gz:1" "oci:$T/z-again:1"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "a second copy"
assert_not_contains "$ERR" "recompressing" "a second copy reuses the recorded blobs"
pass "gzip → zstd: same diff_ids and config, thread-independent, reused: $Z"

# zstd → zstd keeps the image as it is; without --compression nothing is recompressed.
assert_exit 0 "$RT_BIN" copy --compression zstd:9 "oci:$T/z1:1" "oci:$T/zz:1"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "layers already zstd are kept"
assert_exit 0 "$RT_BIN" copy "oci:$T/z1:1" "oci:$T/plain-copy:1"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "copy without --compression"

# --- zstd → gzip: back to the gzip image assemble makes ------------------------------
assert_exit 0 "$RT_BIN" copy --compression gzip "oci:$T/z1:1" "oci:$T/back:1"
assert_eq "$GZ" "$(tail -n 1 <<<"$OUT")" "zstd → gzip gives the original gzip image"
pass "zstd → gzip round trip: $GZ"

# --- docker-archive: refused with zstd, converted with --compression gzip ------------
assert_exit 2 "$RT_BIN" copy "oci:$T/z1:1" "docker-archive:$T/z.tar:app:1"
assert_contains "$ERR" "cannot carry zstd layers"
[[ ! -e $T/z.tar ]] || fail "a refused docker-archive was written"
assert_exit 2 "$RT_BIN" copy --compression zstd "oci:$T/gz:1" "docker-archive:$T/z.tar:app:1"
assert_contains "$ERR" "docker-archive:$T/z.tar:app:1 cannot carry zstd layers"
assert_exit 0 "$RT_BIN" copy --compression gzip "oci:$T/z1:1" "docker-archive:$T/z.tar:app:1"
skopeo copy -q --insecure-policy "docker-archive:$T/z.tar" "oci:$T/from-archive:1"
assert_eq "$(diff_ids "oci:$T/gz:1")" "$(diff_ids "oci:$T/from-archive:1")" "the archive's layers"
pass "docker-archive: zstd refused (exit 2, nothing written), converted with --compression gzip"

# --- a registry: zstd pushed, read by skopeo, pulled back ---------------------------
assert_exit 2 "$RT_BIN" copy --compression lz4 "oci:$T/gz:1" "oci:$T/bad:1"
assert_contains "$ERR" "--compression: unknown compression 'lz4'"
start_registry
assert_exit 0 "$RT_BIN" copy --compression zstd "oci:$T/gz:1" "docker://$REG/app:zstd"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "pushed with recompression"
assert_eq "application/vnd.oci.image.layer.v1.tar+zstd" \
  "$(media_types "docker://$REG/app:zstd" --tls-verify=false)" "media types in the registry"
skopeo copy -q --insecure-policy --src-tls-verify=false "docker://$REG/app:zstd" "oci:$T/pulled:1"
assert_eq "$Z" "$(skopeo inspect "oci:$T/pulled:1" | jq -r .Digest)" "skopeo pulls the zstd image"
assert_exit 0 "$RT_BIN" copy "docker://$REG/app:zstd" "oci:$T/rt-pulled:1"
assert_eq "$Z" "$(tail -n 1 <<<"$OUT")" "release-tool pulls it back"
pass "zstd image through a registry: skopeo and release-tool read it"

# --- podman (Debian's, no daemon): pulls the zstd image --------------------------------
if ! command -v podman >/dev/null; then fail "podman is not installed (scripts/install-deps.sh)"; fi
export CONTAINERS_STORAGE_CONF=$T/storage.conf
# podman stats $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set (lib.sh sets it): give it one.
mkdir -p "$DOCKER_CONFIG"
[[ -f $DOCKER_CONFIG/config.json ]] || echo '{}' >"$DOCKER_CONFIG/config.json"
printf '[storage]\ndriver = "vfs"\nrunroot = "%s/podman-run"\ngraphroot = "%s/podman-root"\n' "$T" "$T" >"$T/storage.conf"
PODMAN=(podman --root "$T/podman-root" --runroot "$T/podman-run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend none)
"${PODMAN[@]}" pull -q --tls-verify=false "docker://$REG/app:zstd" >"$T/podman.out" 2>&1 || fail "podman pull of the zstd image: $(cat "$T/podman.out")"
"${PODMAN[@]}" image inspect --format '{{.Digest}}' "$(tail -n 1 "$T/podman.out")" >"$T/podman.digest"
assert_eq "$Z" "$(cat "$T/podman.digest")" "podman's digest of the zstd image"
pass "podman pulls the zstd image"

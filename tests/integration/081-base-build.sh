#!/usr/bin/env bash
# `release-tool base build` from the lock, against the test archive:
#   - a missing or stale lock: exit 2;
#   - the image: oci-image-tool validates it; umoci unpacks it; the files of the
#     packages with their modes, symlinks and hard links; no maintainer script
#     (nothing in var/lib/dpkg/info); var/lib/dpkg/status.d/<pkg> and
#     <pkg>.md5sums, which dpkg-query reads as exactly the locked packages and
#     md5sum -c confirms; /etc/passwd and /etc/group from the recipe, /tmp 1777,
#     /home/nonroot 0700 65532:65532, the recipe's files over the packages';
#     config Env/User and labels, manifest annotations;
#   - the same digest from another cache, path, umask, TZ and thread count;
#   - --platform linux/arm64 gives an arm64 image of the arm64 package
#     (skopeo --override-arch arm64 inspect); docker:// pushes to a registry.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/deb_archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/deb_archive.sh"
rt_setup
make_test_archive
start_deb_server
FLAGS=(--mirror "$ARCHIVE_URL" --keyring "$KEYRING")
mkdir -p "$T/recipes"
R=$T/recipes/r.json
write_recipe "$R" '[{"suite": "stable"}, {"suite": "stable-security"}]' '["hello"]' '"users": [
    {"name": "root", "uid": 0, "gid": 0, "home": "/root"},
    {"name": "nonroot", "uid": 65532, "gid": 65532, "home": "/home/nonroot"},
    {"name": "nobody", "uid": 65534, "gid": 65534, "home": "/nonexistent"}],
  "groups": [{"name": "root", "gid": 0}, {"name": "nonroot", "gid": 65532}, {"name": "nogroup", "gid": 65534}],
  "directories": [{"path": "/tmp", "mode": "1777"},
    {"path": "/home/nonroot", "mode": "0700", "uid": 65532, "gid": 65532}],
  "files": [{"path": "/etc/os-release", "content": "ID=test-base\n"}],
  "config": {"Env": ["PATH=/usr/bin:/bin"], "User": "65532"},
  "annotations": {"org.opencontainers.image.description": "a test base"},
  "labels": {"org.example.base": "yes"}'

# --- bad input ----------------------------------------------------------------------
assert_exit 2 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img" "$R"
assert_contains "$ERR" "r.lock.json: no lock beside the recipe: run \`release-tool base lock $R\`"
assert_exit 0 "$RT_BIN" base lock "${FLAGS[@]}" "$R"
cp "$R" "$T/r.json.good"
sed -i 's/"hello"\]/"hello", "conflicter"]/' "$R"
assert_exit 2 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img" "$R"
assert_contains "$ERR" "the lock was made for another version of $R"
cp "$T/r.json.good" "$R"
assert_exit 2 "$RT_BIN" base build "${FLAGS[@]}" --platform linux/riscv64 --output "oci:$T/img" "$R"
assert_contains "$ERR" "no packages for riscv64"
[[ ! -e $T/img ]] || fail "a failed build wrote its output"
pass "no lock, a stale lock, an architecture not locked: exit 2, nothing written"

# --- the image ---------------------------------------------------------------------------
assert_exit 0 "$RT_BIN" base build "${FLAGS[@]}" --output "oci:$T/img:base" "$R"
DIGEST=$(tail -n 1 <<<"$OUT")
oci-image-tool validate --type image --ref name=base "$T/img" >/dev/null
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/img:base" | jq -r .Digest)" "digest skopeo reports"
umoci unpack --image "$T/img:base" "$T/bundle" >/dev/null
ROOT=$T/bundle/rootfs
assert_eq "hello binary" "$(<"$ROOT/usr/bin/hello")"
assert_eq "755 0:0" "$(stat -c '%a %u:%g' "$ROOT/usr/bin/hello")" "mode of a package's program"
assert_eq "libhello 1.2" "$(<"$ROOT/usr/lib/libhello.so.1")" "the newer suite's package"
assert_eq "$(stat -c %i "$ROOT/usr/lib/libhello.so.1")" "$(stat -c %i "$ROOT/usr/lib/libhello-hard.so.1")" \
  "hard link kept"
assert_eq "libhello.so.1" "$(readlink "$ROOT/usr/lib/libhello.so")" "symlink kept"
assert_eq "ID=test-base" "$(<"$ROOT/etc/os-release")" "the recipe's file over base-files' symlink"
[[ ! -e $ROOT/var/lib/dpkg/info ]] || fail "dpkg's info directory exists: something ran like dpkg"
[[ -z $(find "$ROOT" -name '*.postinst' -o -name '*.preinst') ]] || fail "maintainer scripts in the image"
assert_eq "1777 0:0" "$(stat -c '%a %u:%g' "$ROOT/tmp")" "/tmp"
assert_eq "700 65532:65532" "$(stat -c '%a %u:%g' "$ROOT/home/nonroot")" "/home/nonroot"
assert_eq "root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin" "$(<"$ROOT/etc/passwd")" "/etc/passwd"
assert_eq "root:x:0:
nonroot:x:65532:
nogroup:x:65534:" "$(<"$ROOT/etc/group")" "/etc/group"
pass "files, modes, hard links, symlinks, accounts, directories; no maintainer script"

# status.d as scanners read it: dpkg-query over a status file made from it lists the lock.
mkdir -p "$T/dpkg"
for f in "$ROOT"/var/lib/dpkg/status.d/*; do
  [[ $f == *.md5sums ]] && continue
  sed '/^Package:/a Status: install ok installed' "$f"
  echo
done >"$T/dpkg/status"
assert_eq "$(jq -r '.packages.amd64[] | "\(.name) \(.version)"' "$T/recipes/r.lock.json")" \
  "$(dpkg-query --admindir="$T/dpkg" -W -f='${Package} ${Version}\n')" "dpkg-query lists the locked packages"
(cd "$ROOT" && md5sum --quiet -c var/lib/dpkg/status.d/libhello.md5sums var/lib/dpkg/status.d/hello.md5sums) ||
  fail "md5sums do not match the files"
pass "status.d: dpkg-query lists exactly the lock; md5sums verify"

CONFIG=$(skopeo inspect --config --raw "oci:$T/img:base")
assert_eq '65532 PATH=/usr/bin:/bin yes amd64 linux' \
  "$(jq -r '[.config.User, .config.Env[0], .config.Labels["org.example.base"], .architecture, .os] | join(" ")' <<<"$CONFIG")"
MANIFEST=$(skopeo inspect --raw "oci:$T/img:base")
assert_eq "a test base test" \
  "$(jq -r '[.annotations["org.opencontainers.image.description"], .annotations["org.opencontainers.image.title"]] | join(" ")' <<<"$MANIFEST")"
pass "config and annotations"

# --- reproducible -----------------------------------------------------------------------------
mkdir -p "$T/elsewhere/deeper"
cp "$R" "$T/recipes/r.lock.json" "$T/elsewhere/deeper/"
(cd "$T/elsewhere" && umask 077 && TZ=Asia/Tokyo XDG_CACHE_HOME=$T/cache2 \
  "$RT_BIN" base build "${FLAGS[@]}" --threads 1 --output "oci:$T/img2" deeper/r.json >"$T/out2" 2>"$T/err2") ||
  fail "second build failed: $(<"$T/err2")"
assert_eq "$DIGEST" "$(tail -n 1 "$T/out2")" "digest from another cache, path, umask, TZ, threads"
pass "reproducible: $DIGEST"

# --- arm64, and a registry ----------------------------------------------------------------------
assert_exit 0 "$RT_BIN" base build "${FLAGS[@]}" --platform linux/arm64 --output "oci:$T/arm:base" "$R"
ARM=$(tail -n 1 <<<"$OUT")
assert_ne "$DIGEST" "$ARM" "arm64 image"
assert_eq "arm64" "$(skopeo --override-arch arm64 inspect "oci:$T/arm:base" | jq -r .Architecture)"
umoci unpack --image "$T/arm:base" "$T/arm-bundle" >/dev/null
grep -qx 'Architecture: arm64' "$T/arm-bundle/rootfs/var/lib/dpkg/status.d/hello" || fail "hello is not the arm64 package"
start_registry
assert_exit 0 "$RT_BIN" base build "${FLAGS[@]}" --output "docker://$REG/base:1" "$R"
assert_eq "$DIGEST" "$(skopeo inspect --tls-verify=false "docker://$REG/base:1" | jq -r .Digest)" "pushed digest"
pass "arm64 image of the arm64 package; pushed to a registry with the same digest"

#!/usr/bin/env bash
# assemble, the example image end to end (examples/hello): one run writes an OCI
# layout and a docker-archive; every byte is checked by clients we did not write
# (oci-image-tool, skopeo, umoci), and the static program runs from the unpacked
# rootfs (chroot, and runc with umoci's runtime config) and prints its ENV.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

EPOCH=1700000000 # 2023-11-14T22:13:20Z
CREATED=2023-11-14T22:13:20Z
CTX=$T/hello
cp -r "$RT_SOURCE_DIR/examples/hello" "$CTX"
rm -f "$CTX/hello"
make_static_binary "$CTX/hello.c" "$CTX/hello"
# The .env file as CI writes it (comments, quotes), plus a --build-arg that wins over it.
cat >"$T/build.env" <<'EOF'
# written by CI
VERSION="1.2.3-rc1"
COMMITHASH='0123456789abcdef0123456789abcdef01234567'
BUILDTIME=2023-11-14-22:13:20
EOF

SOURCE_DATE_EPOCH=$EPOCH assert_exit 0 "$RT_BIN" assemble --build-arg-file "$T/build.env" \
  --build-arg VERSION=1.2.3 --output "oci:$T/layout:hello" \
  --output "docker-archive:$T/hello.tar:example.com/hello:1.2.3" "$CTX"
DIGEST=$(tail -n 1 <<<"$OUT")
[[ $DIGEST =~ ^sha256:[0-9a-f]{64}$ ]] || fail "last stdout line is not a digest: '$DIGEST'"
pass "assemble printed $DIGEST"

# --- the OCI layout: validated, inspected -----------------------------------------------
oci-image-tool validate --type image --ref name=hello "$T/layout" >/dev/null
assert_eq "$DIGEST" "$(skopeo inspect "oci:$T/layout:hello" | jq -r .Digest)" "digest skopeo reports"
manifest=$T/layout/blobs/sha256/${DIGEST#sha256:}
assert_eq "application/vnd.oci.image.manifest.v1+json" "$(jq -r .mediaType "$manifest")"
assert_eq "application/vnd.oci.image.config.v1+json" "$(jq -r .config.mediaType "$manifest")"
assert_eq "application/vnd.oci.image.layer.v1.tar+gzip" \
  "$(jq -r '[.layers[].mediaType] | unique | join(",")' "$manifest")"
assert_eq '{"architecture":"amd64","os":"linux"}' \
  "$(jq -c '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "hello") | .platform' "$T/layout/index.json")"

CONFIG=$(skopeo inspect --config --raw "oci:$T/layout:hello")
cfg() { jq -c "$1" <<<"$CONFIG"; }
assert_eq '"amd64" "linux"' "$(cfg .architecture) $(cfg .os)"
assert_eq "\"$CREATED\"" "$(cfg .created)" "created from SOURCE_DATE_EPOCH"
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","VERSION=1.2.3","COMMITHASH=0123456789abcdef0123456789abcdef01234567","BUILDTIME=2023-11-14-22:13:20","HELLO_HOME=/home/hello"]' \
  "$(cfg .config.Env)" "Env: scratch's PATH, then ENV from ARG (--build-arg beats the file)"
assert_eq '"hello"' "$(cfg .config.User)"
assert_eq '"/home/hello"' "$(cfg .config.WorkingDir)"
assert_eq '["/bin/hello"]' "$(cfg .config.Entrypoint)"
assert_eq '["world"]' "$(cfg .config.Cmd)"
assert_eq '{"8080/tcp":{}}' "$(cfg .config.ExposedPorts)"
assert_eq '"SIGTERM"' "$(cfg .config.StopSignal)"
assert_eq '{"org.opencontainers.image.description":"release-tool example image","org.opencontainers.image.revision":"0123456789abcdef0123456789abcdef01234567","org.opencontainers.image.title":"hello","org.opencontainers.image.version":"1.2.3"}' \
  "$(cfg .config.Labels)"
# One history entry per instruction of the stage, each created at the epoch;
# a layer for each COPY and for the WORKDIR that creates /home/hello.
assert_eq '["ARG VERSION",true]|["ARG COMMITHASH=unknown",true]|["ARG BUILDTIME=unknown",true]|["LABEL",true]|["ENV",true]|["COPY etc/ /etc/",false]|["COPY --chmod=0755 hello /bin/hello",false]|["COPY --chown=root:hello --chmod=0640 share/greeting.txt /etc/hello/",false]|["USER hello",true]|["WORKDIR ${HELLO_HOME}",false]|["EXPOSE 8080/tcp",true]|["STOPSIGNAL SIGTERM",true]|["ENTRYPOINT [\"/bin/hello\"]",true]|["CMD [\"world\"]",true]' \
  "$(jq -c '.history[] | [(.created_by | if test("^(LABEL|ENV) ") then split(" ")[0] else . end), (.empty_layer // false)]' <<<"$CONFIG" | paste -sd'|')" \
  "history (created_by, empty_layer)"
assert_eq "[\"$CREATED\"]" "$(cfg '[.history[].created] | unique')" "history dates"
assert_eq 4 "$(cfg '.rootfs.diff_ids | length')" "diff_ids"
assert_eq 4 "$(jq '.layers | length' "$manifest")" "manifest layers"
assert_eq 4 "$(cfg '[.history[] | select(.empty_layer != true)] | length')" "history entries with a layer"
pass "config, history and manifest"

# --- the files, unpacked by umoci ------------------------------------------------------
umoci unpack --image "$T/layout:hello" "$T/bundle" >/dev/null
ROOTFS=$T/bundle/rootfs
listing=$(cd "$ROOTFS" && find . -mindepth 1 -printf '%M %U:%G %p%l\n' | LC_ALL=C sort -k3)
assert_eq "drwxr-xr-x 0:0 ./bin
-rwxr-xr-x 0:0 ./bin/hello
drwxr-xr-x 0:0 ./etc
-rw-r--r-- 0:0 ./etc/group
drwxr-xr-x 0:1000 ./etc/hello
-rw-r----- 0:1000 ./etc/hello/greeting.txt
-rw-r--r-- 0:0 ./etc/passwd
drwxr-xr-x 1000:1000 ./home
drwxr-xr-x 1000:1000 ./home/hello" "$listing" "rootfs (modes, owners; .dockerignore kept hello.c and build.env out)"
cmp "$CTX/hello" "$ROOTFS/bin/hello" || fail "/bin/hello differs from the compiled program"
cmp "$CTX/etc/passwd" "$ROOTFS/etc/passwd" || fail "/etc/passwd differs"
assert_eq "Hello from release-tool's example image." "$(<"$ROOTFS/etc/hello/greeting.txt")"
pass "rootfs unpacked by umoci"

# --- the program runs from the rootfs ----------------------------------------------------
mapfile -t image_env < <(jq -r '.config.Env[]' <<<"$CONFIG")
run_out=$(env -i "${image_env[@]}" chroot --userspec=1000:1000 "$ROOTFS" /bin/hello world)
assert_eq "argv[0]=/bin/hello
argv[1]=world
VERSION=1.2.3
COMMITHASH=0123456789abcdef0123456789abcdef01234567
BUILDTIME=2023-11-14-22:13:20
uid=1000 gid=1000 cwd=/" "$run_out" "chroot run"
# runc, with the runtime config umoci derived from the image config: the user,
# working directory, entrypoint + cmd and environment as a runtime applies them.
jq '.process.terminal = false' "$T/bundle/config.json" >"$T/config.json"
mv "$T/config.json" "$T/bundle/config.json"
run_out=$(cd "$T/bundle" && timeout 60 runc --root "$T/runc" run "rt-hello-$$" </dev/null)
assert_eq "argv[0]=/bin/hello
argv[1]=world
VERSION=1.2.3
COMMITHASH=0123456789abcdef0123456789abcdef01234567
BUILDTIME=2023-11-14-22:13:20
uid=1000 gid=1000 cwd=/home/hello" "$run_out" "runc run"
pass "the program prints the image's ENV (chroot and runc)"

# --- skopeo copies the image; every blob verifies --------------------------------------------
skopeo copy -q "oci:$T/layout:hello" "dir:$T/dir"
assert_eq "$DIGEST" "sha256:$(sha256sum <"$T/dir/manifest.json" | cut -d' ' -f1)" "manifest copied as is"
for d in $(jq -r '.config.digest, .layers[].digest' "$T/dir/manifest.json"); do
  assert_eq "$d" "sha256:$(sha256sum <"$T/dir/${d#sha256:}" | cut -d' ' -f1)" "blob $d"
done
pass "skopeo copy oci: -> dir:"

# --- the docker-archive from the same run ------------------------------------------------------
assert_eq '[{"RepoTags":["example.com/hello:1.2.3"],"n":4}]' \
  "$(tar -xOf "$T/hello.tar" manifest.json | jq -c '[.[] | {RepoTags, n: (.Layers | length)}]')" \
  "docker-archive manifest.json"
assert_eq "$CONFIG" "$(skopeo inspect --config --raw "docker-archive:$T/hello.tar")" "same config bytes"
assert_eq "$(cfg .rootfs.diff_ids)" "$(skopeo inspect "docker-archive:$T/hello.tar" | jq -c .Layers)" \
  "docker-archive layers are the diff_ids"
skopeo copy -q "docker-archive:$T/hello.tar" "oci:$T/from-archive:hello"
umoci unpack --image "$T/from-archive:hello" "$T/bundle2" >/dev/null
assert_eq "$listing" "$(cd "$T/bundle2/rootfs" && find . -mindepth 1 -printf '%M %U:%G %p%l\n' | LC_ALL=C sort -k3)" \
  "rootfs through docker-archive"
cmp "$CTX/hello" "$T/bundle2/rootfs/bin/hello"
pass "docker-archive read back by skopeo (inspect, copy) and umoci"

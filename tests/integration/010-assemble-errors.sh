#!/usr/bin/env bash
# assemble, failure cases. Bad input (flags, Dockerfile, context) exits 2 with
# "release-tool: error: FILE:LINE: why" (or the flag at fault) and writes nothing:
# existing destinations made by other tools stay byte for byte as they were and
# no file appears. Failures while running exit 1 and leave the destination as it
# was (blobs may be added to an OCI layout; index.json never changes).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
DESTS=$T/dests
mkdir -p "$CTX/dir" "$DESTS" "$T/outside"
echo hello >"$CTX/file.txt"
echo inner >"$CTX/dir/inner.txt"
echo secret >"$T/outside/secret.txt"
ln -s /etc/hostname "$CTX/abs-out"           # absolute, outside
ln -s ../outside/secret.txt "$CTX/rel-out"   # relative, climbs out
ln -s "$T/outside" "$CTX/dir-out"            # a directory outside, used mid-path
ln -s dir/../../outside "$CTX/sneaky-out"    # climbs out after going in
echo "excluded.txt" >"$CTX/.dockerignore"
echo excluded >"$CTX/excluded.txt"

# Destinations written by other tools: an OCI layout with one image (umoci) and
# a docker-archive (skopeo). A failed assemble must leave them exactly so.
umoci init --layout "$DESTS/layout"
umoci new --image "$DESTS/layout:keep"
skopeo copy -q "oci:$DESTS/layout:keep" "docker-archive:$DESTS/image.tar:app:old"
snapshot() { # every path, type, size and mode, and every file's content hash
  (cd "$DESTS" && find . -printf '%p %y %s %m\n' | LC_ALL=C sort &&
    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
BEFORE=$(snapshot)

# expect_bad_input PREFIX NEEDLE [ASSEMBLE_ARGS...] : exit 2, the message starts
# with PREFIX and contains NEEDLE, no digest on stdout, destinations untouched.
expect_bad_input() {
  local prefix=$1 needle=$2
  shift 2
  assert_exit 2 "$RT_BIN" assemble "$@" --output "oci:$DESTS/layout:new" \
    --output "docker-archive:$DESTS/image.tar:app:new" "$CTX"
  assert_contains "$ERR" "release-tool: error: $prefix" "error prefix"
  assert_contains "$ERR" "$needle" "error reason"
  assert_eq "" "$OUT" "stdout of a failed run"
  assert_eq "$BEFORE" "$(snapshot)" "destinations after a failed run"
}

# expect_bad_dockerfile LINE NEEDLE [ASSEMBLE_ARGS...] <<<DOCKERFILE
expect_bad_dockerfile() {
  local line=$1 needle=$2
  shift 2
  cat >"$CTX/Dockerfile"
  expect_bad_input "$CTX/Dockerfile:$line: " "$needle" "$@"
}

# --- instructions that need a container runtime, or do not exist -------------
expect_bad_dockerfile 3 "RUN is not supported" <<'EOF'
FROM scratch
COPY file.txt /
RUN echo this needs a container runtime
EOF
expect_bad_dockerfile 2 "ONBUILD is not supported" <<'EOF'
FROM scratch
ONBUILD COPY file.txt /
EOF
expect_bad_dockerfile 3 "unknown instruction: FROB" <<'EOF'
FROM scratch
COPY file.txt /
FROB something
EOF
# RUN is refused before any stage is built, even in a stage --target skips.
expect_bad_dockerfile 4 "RUN" --target first <<'EOF'
FROM scratch AS first
COPY file.txt /
FROM scratch
RUN true
EOF
pass "RUN, ONBUILD, unknown instructions"

# --- sources that are missing or leave the context ----------------------------
expect_bad_dockerfile 3 "missing.txt: no such file or directory in the build context" <<'EOF'
FROM scratch
COPY file.txt /
COPY missing.txt /
EOF
expect_bad_dockerfile 2 "excluded by .dockerignore" <<'EOF'
FROM scratch
COPY excluded.txt /
EOF
expect_bad_dockerfile 2 "../file.txt is outside the build context" <<'EOF'
FROM scratch
COPY ../file.txt /
EOF
expect_bad_dockerfile 2 "outside the build context" <<'EOF'
FROM scratch
ADD dir/../../file.txt /
EOF
expect_bad_dockerfile 2 "abs-out is a symlink to /etc/hostname, outside the build context" <<'EOF'
FROM scratch
COPY abs-out /
EOF
expect_bad_dockerfile 2 "rel-out is a symlink to ../outside/secret.txt, outside the build context" <<'EOF'
FROM scratch
COPY rel-out /
EOF
# A symlinked directory in the middle of the path is confined too.
expect_bad_dockerfile 2 "dir-out is a symlink to $T/outside, outside the build context" <<'EOF'
FROM scratch
COPY dir-out/secret.txt /
EOF
expect_bad_dockerfile 2 "sneaky-out is a symlink to dir/../../outside, outside" <<'EOF'
FROM scratch
COPY sneaky-out/ /x/
EOF
# A FIFO inside a copied directory: no tar entry for it, and the line says where.
mkdir -p "$CTX/pipes" && mkfifo "$CTX/pipes/fifo"
expect_bad_dockerfile 2 "pipes/fifo: not a regular file, directory or symlink" <<'EOF'
FROM scratch
COPY pipes/ /p/
EOF
rm -rf "$CTX/pipes"
expect_bad_dockerfile 2 "must be a directory and end with '/'" <<'EOF'
FROM scratch
COPY file.txt dir/inner.txt /notadir
EOF
expect_bad_dockerfile 3 "/x exists and is not a directory" <<'EOF'
FROM scratch
COPY file.txt /x
COPY file.txt /x/y
EOF
mkfifo "$CTX/fifo"
expect_bad_dockerfile 2 "fifo: not a regular file, directory or symlink" <<'EOF'
FROM scratch
COPY fifo /
EOF
rm "$CTX/fifo"
pass "missing sources, paths and symlinks leaving the context"

# --- stages ---------------------------------------------------------------------
printf 'FROM scratch AS build\nCOPY file.txt /\n' >"$CTX/Dockerfile"
expect_bad_input "$CTX/Dockerfile: " "target stage 'nope' not found" --target nope
# A number in COPY --from is a stage index (BuildKit), never an image to pull.
expect_bad_dockerfile 4 "--from=2: invalid stage index" <<'EOF'
FROM scratch AS build
COPY file.txt /
FROM scratch
COPY --from=2 /file.txt /
EOF
# A name that is neither a stage nor a valid image reference.
expect_bad_dockerfile 2 "Build_Stage" <<'EOF'
FROM scratch
COPY --from=Build_Stage /file.txt /
EOF
expect_bad_dockerfile 2 "--from names the stage it is in" <<'EOF'
FROM scratch AS self
COPY --from=self /file.txt /
EOF
expect_bad_dockerfile 1 "invalid name for build stage" <<'EOF'
FROM scratch AS 1st
COPY file.txt /
EOF
pass "unknown --target and COPY --from stages"

# --- malformed Dockerfiles ------------------------------------------------------
expect_bad_dockerfile 1 "invalid escape token" <<'EOF'
# escape=x
FROM scratch
EOF
# The line of the instruction, where a continued one starts.
expect_bad_dockerfile 3 "unexpected end of statement while looking for matching double-quote" <<'EOF'
FROM scratch
# a comment
ENV A=1 \
  # a comment inside the continuation
  B="unterminated
COPY file.txt /
EOF
expect_bad_dockerfile 2 "missing '}'" <<'EOF'
FROM scratch
ENV A=${B
EOF
expect_bad_dockerfile 2 "ENV must have two arguments" <<'EOF'
FROM scratch
ENV A
EOF
expect_bad_dockerfile 2 "SHELL requires the arguments to be in JSON form" <<'EOF'
FROM scratch
SHELL /bin/bash -c
EOF
expect_bad_dockerfile 2 "SHELL requires the arguments to be in JSON form" <<'EOF'
FROM scratch
SHELL ["/bin/bash", "-c",]
EOF
expect_bad_dockerfile 1 "COPY before the first FROM" <<'EOF'
COPY file.txt /
FROM scratch
EOF
expect_bad_dockerfile 1 "FROM takes an image and an optional 'AS name'" <<'EOF'
FROM scratch AS
EOF
expect_bad_dockerfile 1 "no instructions" <<'EOF'
# only a comment
EOF
expect_bad_dockerfile 2 "COPY needs at least one source and a destination" <<'EOF'
FROM scratch
COPY file.txt
EOF
expect_bad_dockerfile 2 "WORKDIR requires exactly one argument" <<'EOF'
FROM scratch
WORKDIR
EOF
expect_bad_dockerfile 2 "is not a duration" <<'EOF'
FROM scratch
HEALTHCHECK --interval=often CMD true
EOF
expect_bad_dockerfile 2 "HEALTHCHECK" <<'EOF'
FROM scratch
HEALTHCHECK SOMETIMES true
EOF
expect_bad_dockerfile 2 "EXPOSE" <<'EOF'
FROM scratch
EXPOSE 99999
EOF
expect_bad_dockerfile 2 "STOPSIGNAL" <<'EOF'
FROM scratch
STOPSIGNAL "not a signal"
EOF
expect_bad_dockerfile 2 "--chmod=999" <<'EOF'
FROM scratch
COPY --chmod=999 file.txt /
EOF
expect_bad_dockerfile 2 "user 'nobody' is not in the stage's /etc/passwd" <<'EOF'
FROM scratch
COPY --chown=nobody file.txt /
EOF
pass "malformed Dockerfiles"

# --- flags of instructions --------------------------------------------------------
expect_bad_dockerfile 2 "COPY does not support the flag --foo" <<'EOF'
FROM scratch
COPY --foo=bar file.txt /
EOF
expect_bad_dockerfile 1 "FROM does not support the flag --bogus" <<'EOF'
FROM --bogus=1 scratch
EOF
expect_bad_dockerfile 2 "--checksum is only for ADD of a single URL" <<'EOF'
FROM scratch
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 file.txt /
EOF
pass "unknown instruction flags"

# --- command line -------------------------------------------------------------------
printf 'FROM scratch\nARG A\nCOPY file.txt /\n' >"$CTX/Dockerfile"
expect_bad_input "--build-arg '=x'" "valid name" --build-arg =x
expect_bad_input "--build-arg '1A=x'" "valid name" --build-arg 1A=x
expect_bad_input "--build-arg 'A-B=x'" "valid name" --build-arg A-B=x
printf '# build args\nA=1\n\nthis line has no equals sign\n' >"$T/bad.env"
expect_bad_input "$T/bad.env:4: " "expected KEY=VALUE" --build-arg-file "$T/bad.env"
expect_bad_input "--build-arg-file $T/none.env" "no such file" --build-arg-file "$T/none.env"
expect_bad_input "Dockerfile $T/none/Dockerfile" "no such file" -f "$T/none/Dockerfile"
expect_bad_input "platform 'linux'" "os/arch" --platform linux
expect_bad_input "platform 'linux/amd64/v2/x'" "os/arch" --platform linux/amd64/v2/x
expect_bad_input "--build-context 'base'" "NAME=oci-layout://" --build-context base
expect_bad_input "--build-context 'base=/some/dir'" "NAME=oci-layout://" --build-context base=/some/dir
SOURCE_DATE_EPOCH=yesterday expect_bad_input "SOURCE_DATE_EPOCH='yesterday'" "number of seconds"
unset SOURCE_DATE_EPOCH
# --output: an unknown transport, or an empty path, as skopeo would refuse them.
for out in "dir:$DESTS/x" "foo:$DESTS/x" "oci:" "docker-archive:" "$DESTS/plain-path"; do
  assert_exit 2 "$RT_BIN" assemble --output "$out" "$CTX"
  assert_contains "$ERR" "release-tool: error: '$out'" "--output $out"
  assert_eq "$BEFORE" "$(snapshot)" "destinations after --output $out"
done
assert_exit 2 "$RT_BIN" assemble "$CTX" # no --output at all
assert_contains "$ERR" "--output"
assert_exit 2 "$RT_BIN" assemble --output "oci:$DESTS/layout:new" --no-such-flag "$CTX"
assert_contains "$ERR" "--no-such-flag"
assert_exit 2 "$RT_BIN" assemble --output "oci:$DESTS/layout:new" "$T/no-context"
assert_contains "$ERR" "build context $T/no-context: no such file or directory"
assert_eq "$BEFORE" "$(snapshot)" "destinations after command-line errors"
pass "bad flags, build args, platforms, outputs"

# --- failures while running: exit 1, destination as it was --------------------------
printf 'FROM scratch\nCOPY file.txt /\n' >"$CTX/Dockerfile"
touch "$T/regular"
# A destination below a regular file (ENOTDIR; as root, permissions would not stop us).
assert_exit 1 "$RT_BIN" assemble --output "oci:$T/regular/layout:t" "$CTX"
assert_contains "$ERR" "Not a directory"
assert_exit 1 "$RT_BIN" assemble --output "docker-archive:$T/regular/image.tar" "$CTX"
assert_contains "$ERR" "Not a directory"
assert_eq "" "$OUT" "stdout of a failed run"
[[ -f $T/regular && ! -s $T/regular ]] || fail "the regular file changed"

# A corrupt base layer (a flipped byte in a layout given as --build-context) is
# caught by its digest when it is copied to the output.
mkdir -p "$T/base-ctx"
echo base >"$T/base-ctx/base.txt"
printf 'FROM scratch\nCOPY base.txt /\n' >"$T/base-ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/base:v1" "$T/base-ctx"
manifest=$(jq -r '.manifests[0].digest' "$T/base/index.json")
layer=$(jq -r '.layers[0].digest' "$T/base/blobs/sha256/${manifest#sha256:}")
blob=$T/base/blobs/sha256/${layer#sha256:}
chmod u+w "$blob"
# Rewrite the blob (a new inode: the build cache may share the old one by hard link).
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-9] ^= 1; open(sys.argv[1] + ".new", "wb").write(b)' "$blob"
mv "$blob.new" "$blob"
printf 'FROM base\nENV X=1\n' >"$CTX/Dockerfile"
index_before=$(sha256sum <"$DESTS/layout/index.json")
assert_exit 1 "$RT_BIN" assemble --build-context "base=oci-layout://$T/base:v1" \
  --output "oci:$DESTS/layout:new" "$CTX"
assert_contains "$ERR" "digest mismatch"
assert_eq "$index_before" "$(sha256sum <"$DESTS/layout/index.json")" "index.json after a corrupt base"
assert_eq "" "$(find "$DESTS" -name '*.tmp*')" "temporary files left behind"
skopeo inspect "oci:$DESTS/layout:keep" >/dev/null
pass "runtime failures: ENOTDIR, corrupt base layer"

# An index.json that cannot be replaced (immutable): the run fails, index.json
# and the docker-archive keep their bytes, nothing temporary is left behind.
printf 'FROM scratch\nCOPY file.txt /\n' >"$CTX/Dockerfile"
if chattr +i "$DESTS/layout/index.json" 2>/dev/null; then
  # Never leave an immutable file behind, whatever happens (rm -rf could not remove it).
  trap 'rc=$?; set +e; chattr -i "$DESTS/layout/index.json" "$DESTS" 2>/dev/null; (exit $rc); _rt_cleanup' EXIT
  assert_exit 1 "$RT_BIN" assemble --output "oci:$DESTS/layout:new" "$CTX"
  assert_contains "$ERR" "index.json"
  chattr -i "$DESTS/layout/index.json"
  chattr +i "$DESTS"
  archive_before=$(sha256sum <"$DESTS/image.tar")
  assert_exit 1 "$RT_BIN" assemble --output "docker-archive:$DESTS/image.tar:app:new" "$CTX"
  chattr -i "$DESTS"
  assert_eq "$archive_before" "$(sha256sum <"$DESTS/image.tar")" "docker-archive after a failed write"
  assert_eq "$index_before" "$(sha256sum <"$DESTS/layout/index.json")" "index.json after a failed write"
  assert_eq "" "$(find "$DESTS" -name '*.tmp*')" "temporary files left behind"
  skopeo inspect "oci:$DESTS/layout:keep" >/dev/null
  skopeo inspect "docker-archive:$DESTS/image.tar" >/dev/null
  pass "runtime failures: immutable index.json and archive directory"
else
  echo "skip: chattr +i is not supported on $T's filesystem"
fi

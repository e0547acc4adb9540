#!/usr/bin/env bash
# assemble, outputs are all or nothing: a run that fails while writing leaves
# every oci: and docker-archive: destination as it was. A new layout is not
# there at all (nor directories made for it); an existing one keeps its
# index.json and loses the blobs the run added; an existing archive keeps its
# bytes. With several --output, one that cannot be written means none is.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
echo one >"$CTX/one.txt"
echo two >"$CTX/two.txt"
printf 'FROM scratch\nCOPY one.txt /\n' >"$CTX/Dockerfile"
tree() { # DIR : every path under DIR with the sha256 of each file
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum && find . | sort)
}
no_temporaries() {
  assert_eq "" "$(find "$T" -name '*.tmp-*' -o -name '.*.previous-*' -o -name '*.relink-*')" "temporary files left behind"
}

# Destinations that exist: a layout holding another image, and an archive.
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/existing:keep" --output "docker-archive:$T/old.tar:app:1" "$CTX"
KEEP=$OUT
TREE_BEFORE=$(tree "$T/existing")
cp "$T/old.tar" "$T/old.tar.orig"

# A base image of two layers, the second corrupt (the blob rewritten: a new
# inode, so the build cache keeps its good copy). Building FROM it reads no
# layer; writing the output fails at the second, after the first blob is in.
mkdir -p "$T/base-ctx"
echo base-a >"$T/base-ctx/a.txt"
echo base-b >"$T/base-ctx/b.txt"
printf 'FROM scratch\nCOPY a.txt /\nCOPY b.txt /\n' >"$T/base-ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/base:v1" "$T/base-ctx"
manifest=$(jq -r '.manifests[0].digest' "$T/base/index.json")
layer=$(jq -r '.layers[1].digest' "$T/base/blobs/sha256/${manifest#sha256:}")
blob=$T/base/blobs/sha256/${layer#sha256:}
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-9] ^= 1; open(sys.argv[1] + ".new", "wb").write(b)' "$blob"
mv "$blob.new" "$blob"
printf 'FROM base\nENV X=1\n' >"$CTX/Dockerfile"
BASE=(--build-context "base=oci-layout://$T/base:v1")

assert_exit 1 "$RT_BIN" assemble "${BASE[@]}" --output "oci:$T/new/parent/layout:x" "$CTX"
assert_contains "$ERR" "digest mismatch"
[[ ! -e $T/new ]] || fail "a failed write to a new layout left $(find "$T/new")"
pass "a failed write to a new layout leaves nothing"

first_layer=$(jq -r '.layers[0].digest' "$T/base/blobs/sha256/${manifest#sha256:}")
[[ ! -e $T/existing/blobs/sha256/${first_layer#sha256:} ]] || fail "the test needs a blob new to the layout"
assert_exit 1 "$RT_BIN" assemble "${BASE[@]}" --output "oci:$T/existing:new" "$CTX"
assert_contains "$ERR" "digest mismatch"
assert_eq "$TREE_BEFORE" "$(tree "$T/existing")" "the existing layout after a failed write"
assert_exit 1 "$RT_BIN" assemble "${BASE[@]}" --output "docker-archive:$T/old.tar:app:2" "$CTX"
cmp "$T/old.tar" "$T/old.tar.orig" || fail "the archive changed"
no_temporaries
pass "a failed write to an existing layout or archive leaves it as it was"

# Several outputs, the last of which cannot be written (its parent is a file:
# ENOTDIR, whoever runs the test). None is written.
printf 'FROM scratch\nCOPY two.txt /\n' >"$CTX/Dockerfile"
echo x >"$T/a-file"
for bad in "oci:$T/a-file/layout:x" "docker-archive:$T/a-file/out.tar"; do
  assert_exit 1 "$RT_BIN" assemble \
    --output "oci:$T/existing:new" \
    --output "oci:$T/fresh:f" \
    --output "docker-archive:$T/old.tar:app:2" \
    --output "docker-archive:$T/fresh.tar" \
    --output "$bad" "$CTX"
  assert_contains "$ERR" "a-file"
  assert_eq "$TREE_BEFORE" "$(tree "$T/existing")" "the existing layout ($bad)"
  cmp "$T/old.tar" "$T/old.tar.orig" || fail "the archive changed ($bad)"
  [[ ! -e $T/fresh && ! -e $T/fresh.tar ]] || fail "a new output was written ($bad)"
  no_temporaries
done
assert_eq "x" "$(cat "$T/a-file")"
pass "several outputs: one fails, none is written"

# And when they can all be written, they all are, and the layout keeps its image.
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/existing:new" --output "oci:$T/fresh:f" \
  --output "docker-archive:$T/old.tar:app:2" --output "docker-archive:$T/fresh.tar" "$CTX"
NEW=$OUT
assert_eq "$KEEP" "$(skopeo inspect "oci:$T/existing:keep" | jq -r .Digest)"
assert_eq "$NEW" "$(skopeo inspect "oci:$T/existing:new" | jq -r .Digest)"
assert_eq "$NEW" "$(skopeo inspect "oci:$T/fresh:f" | jq -r .Digest)"
assert_eq '["app:2"]' "$(tar -xOf "$T/old.tar" manifest.json | jq -c '.[0].RepoTags')"
skopeo inspect "docker-archive:$T/fresh.tar" >/dev/null
no_temporaries
pass "several outputs: all written"

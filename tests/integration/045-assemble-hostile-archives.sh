#!/usr/bin/env bash
# Odd and hostile names and archives (issue 11): names are bytes from the context
# or an ADD archive to the layer; an ADD archive leaves what Docker's extraction
# would (the last entry wins, a non-directory replaces a subtree, hardlinks after
# their targets, symlinks 0777); what escapes, or cannot be unpacked on Linux, is
# bad input naming the Dockerfile line and the archive. Every image that comes
# out is unpacked by umoci and by GNU tar, and both must agree.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
export SOURCE_DATE_EPOCH=1700000000

# make_tar NAME <<<SPEC : a tar in the context (tests/support/make_tar.py).
make_tar() { "$RT_PYTHON" "$RT_SUPPORT_DIR/make_tar.py" "$CTX/$1"; }

# build TAG <<<DOCKERFILE : assemble into the layout $T/layout, exit 0.
build() {
  cat >"$CTX/Dockerfile"
  assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:$1" "$CTX"
}

# expect_bad LINE NEEDLE <<<DOCKERFILE : exit 2 with Dockerfile:LINE: and NEEDLE.
expect_bad() {
  cat >"$CTX/Dockerfile"
  assert_exit 2 "$RT_BIN" assemble --output "oci:$T/bad" "$CTX"
  assert_contains "$ERR" "release-tool: error: $CTX/Dockerfile:$1: $2"
  [[ ! -e $T/bad ]] || fail "a refused build wrote its output"
}

# unpack TAG : the image unpacked by umoci ($T/u-TAG/rootfs) and by tar -x of each
# layer in order ($T/t-TAG); both must succeed and hold the same tree. Prints it.
unpack() {
  local tag=$1 u=$T/u-$1 t=$T/t-$1 manifest layer a b
  rm -rf "$u" "$t"
  umoci unpack --image "$T/layout:$tag" "$u" >/dev/null 2>"$T/umoci.err" ||
    fail "umoci unpack $tag: $(<"$T/umoci.err")"
  mkdir -p "$t"
  manifest=$T/layout/blobs/sha256/$(skopeo inspect --raw "oci:$T/layout:$tag" | sha256sum | cut -d' ' -f1)
  for layer in $(jq -r '.layers[].digest | sub("sha256:"; "")' "$manifest"); do
    tar -xzf "$T/layout/blobs/sha256/$layer" -C "$t" 2>"$T/tar.err" ||
      fail "tar -x of a layer of $tag: $(<"$T/tar.err")"
  done
  a=$(cd "$u/rootfs" && find . -mindepth 1 -printf '%y %m %n %p -> %l\n' | LC_ALL=C sort)
  b=$(cd "$t" && find . -mindepth 1 -printf '%y %m %n %p -> %l\n' | LC_ALL=C sort)
  assert_eq "$a" "$b" "umoci and tar unpack $tag alike"
  printf '%s\n' "$a"
}

# --- 1: names that are not UTF-8, from the context and from archives ------------
touch "$CTX/"$'f\xffx' "$CTX/"$'caf\xc3\xa9' "$CTX/"$'ctl\x1b[0m'
make_tar names.tar <<'SPEC'
[{"name": "go\u00ffname", "style": "go", "data": "g"},
 {"name": "gnu\u00ffname", "style": "gnu", "data": "n"},
 {"name": "pax\u00ffname", "data": "p"},
 {"name": "utf8-caf\u00c3\u00a9", "style": "go", "data": "u"}]
SPEC
build names <<'DOCKERFILE'
FROM scratch
COPY . /d/
ADD names.tar /a/
DOCKERFILE
unpack names >/dev/null
for name in $'d/f\xffx' $'d/caf\xc3\xa9' $'d/ctl\x1b[0m' $'a/go\xffname' $'a/gnu\xffname' \
  $'a/pax\xffname' $'a/utf8-caf\xc3\xa9'; do
  [[ -f $T/u-names/rootfs/$name && -f $T/t-names/$name ]] ||
    fail "'$(printf %q "$name")' is not unpacked byte for byte"
done
assert_eq g "$(cat "$T/u-names/rootfs/a/go"$'\xff'"name")" "content under a Go-style pax name"
pass "names that are not UTF-8 go through unchanged (context, pax, GNU and Go-style archives)"

# --- 5 and 19: a hardlink before its target; symlink modes --------------------
make_tar links.tar <<'SPEC'
[{"name": "z", "data": "zz", "mode": 384},
 {"name": "a", "type": "hardlink", "link": "z"},
 {"name": "abs", "type": "hardlink", "link": "/z"},
 {"name": "s", "type": "symlink", "link": "z", "mode": 493}]
SPEC
build links <<'DOCKERFILE'
FROM scratch
ADD links.tar /dst/
ADD links.tar /new
DOCKERFILE
first=$(tail -n 1 <<<"$OUT")
tree=$(unpack links)
assert_contains "$tree" "f 600 3 ./dst/a -> "
assert_contains "$tree" "f 600 3 ./dst/z -> "
assert_contains "$tree" "l 777 1 ./dst/s -> z"
assert_contains "$tree" "f 600 3 ./new/abs -> " "an absolute hardlink, in a destination made by ADD"
assert_eq zz "$(cat "$T/t-links/dst/a")"
pass "a hardlink sorting before its target unpacks (tar -x, umoci); symlinks are 0777"

# The symlink's mode in the archive does not change the layer.
make_tar links.tar <<'SPEC'
[{"name": "z", "data": "zz", "mode": 384},
 {"name": "a", "type": "hardlink", "link": "z"},
 {"name": "abs", "type": "hardlink", "link": "/z"},
 {"name": "s", "type": "symlink", "link": "z", "mode": 511}]
SPEC
build links <<'DOCKERFILE'
FROM scratch
ADD links.tar /dst/
ADD links.tar /new
DOCKERFILE
assert_eq "$first" "$(tail -n 1 <<<"$OUT")" "digest with a 0755 or a 0777 symlink in the archive"

# --- 7: duplicates: the last entry wins, a non-directory replaces a subtree ---
make_tar dups.tar <<'SPEC'
[{"name": "a", "data": "one"},
 {"name": "a", "data": "two"},
 {"name": "a", "type": "dir"},
 {"name": "a/b", "data": "b"},
 {"name": "a", "type": "symlink", "link": "/etc"},
 {"name": "d", "type": "dir", "mode": 448},
 {"name": "d/keep", "data": "k"},
 {"name": "d", "type": "dir", "mode": 488},
 {"name": "f", "data": "old"},
 {"name": "h", "type": "hardlink", "link": "f"},
 {"name": "f", "data": "new"}]
SPEC
build dups <<'DOCKERFILE'
FROM scratch
ADD dups.tar /x/
DOCKERFILE
tree=$(unpack dups)
assert_eq "d 750 2 ./x/d -> 
d 755 3 ./x -> 
f 644 1 ./x/d/keep -> 
f 644 1 ./x/f -> 
f 644 1 ./x/h -> 
l 777 1 ./x/a -> /etc" "$tree" "what the duplicates leave"
assert_eq "new old" "$(cat "$T/u-dups/rootfs/x/f") $(cat "$T/u-dups/rootfs/x/h")" \
  "a hardlink keeps its content when its target is replaced"
pass "duplicate entries: the last one wins, as Docker extracts them"

# --- 6 and 16: escapes and links to nothing: exit 2, the line and the archive ---
make_tar bad.tar <<<'[{"name": "../x", "data": "x"}]'
expect_bad 2 "ADD bad.tar: entry '../x' escapes the destination" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
make_tar bad.tar <<<'[{"name": "x", "pax": {"path": "../.."}}]'
expect_bad 3 "ADD bad.tar: entry '../..' escapes the destination" <<'DOCKERFILE'
FROM scratch

ADD bad.tar /x/
DOCKERFILE
make_tar bad.tar <<<'[{"name": "x", "type": "hardlink", "link": "../etc/passwd"}]'
expect_bad 2 "ADD bad.tar: entry 'x' links to '../etc/passwd', outside the destination" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
make_tar bad.tar <<<'[{"name": "x", "type": "hardlink", "link": "/etc/passwd"}]'
expect_bad 2 "ADD bad.tar: entry 'x' is a hardlink to 'etc/passwd', which is not in the archive" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
make_tar bad.tar <<<'[{"name": "l", "type": "symlink", "link": "/etc"}, {"name": "l/passwd", "data": "p"}]'
expect_bad 2 "ADD bad.tar: entry 'l/passwd' is below 'l', which is not a directory" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
pass "escapes, dangling hardlinks and entries below symlinks: exit 2 naming line and archive"

# --- 18: names Linux cannot unpack; control bytes are not echoed raw ---------
long=$(printf 'n%.0s' {1..5000})
make_tar bad.tar <<<"[{\"name\": \"$long\", \"data\": \"x\"}]"
expect_bad 2 "/x/nnnn" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
assert_contains "$ERR" "a name of 5000 bytes; Linux allows at most 255 per name"
deep=$(printf 'd/%.0s' {1..2100})
make_tar bad.tar <<<"[{\"name\": \"${deep}x\", \"data\": \"x\"}]"
expect_bad 2 "/x/d/d/d/" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
assert_contains "$ERR" "bytes long; Linux cannot unpack a path of more than 4095"
make_tar bad.tar <<<'[{"name": "../\u001b]0;pwned\u0007\u001b[2J", "data": "x"}]'
expect_bad 2 "ADD bad.tar: entry '../\\x1b]0;pwned\\x07\\x1b[2J' escapes the destination" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
[[ $ERR != *$'\x1b'* && $ERR != *$'\x07'* ]] || fail "control bytes echoed raw: $(printf %q "$ERR")"
make_tar bad.tar <<<'[{"name": "etc/.wh.passwd", "data": ""}]'
expect_bad 2 "/x/etc/.wh.passwd: a name starting with '.wh.' would be read as a whiteout" <<'DOCKERFILE'
FROM scratch
ADD bad.tar /x/
DOCKERFILE
pass "over-long names, whiteout names: exit 2; control bytes escaped in messages"

#!/usr/bin/env bash
# assemble is reproducible: the same Dockerfile and context give the same
# manifest digest (and the same docker-archive bytes) whatever the context's
# path, file mtimes, owners, modes from the umask, on-disk order, thread count
# and cache state; SOURCE_DATE_EPOCH and file content change it. The layer tars
# carry nothing from the host: mtimes = SOURCE_DATE_EPOCH, no user/group names,
# sorted entries, gzip members without timestamp or name.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

# make_context DIR ORDER : the same files, created in sorted or reverse order
# (so that directory listings on disk differ). Content is deterministic: text,
# 5 MiB of seeded pseudo-random bytes, 3 MiB of text and 3.6 MiB of both
# interleaved (several gzip chunks, stored and compressed, so threads matter).
make_context() {
  "$RT_PYTHON" - "$1" "$2" <<'EOF'
import os, random, sys
root, order = sys.argv[1], sys.argv[2]
rng = random.Random(42)
files = {f"src/pkg{i}/mod{j}.txt": (f"package {i} module {j}\n" * (i * 7 + j + 1)).encode()
         for i in range(6) for j in range(5)}
files["bin/tool"] = b"#!/bin/sh\necho tool\n"
files["data/big.bin"] = rng.randbytes(5 << 20)
# 3 MiB of compressible text, then text and random bytes interleaved: chunks
# compressed, stored and mixed (compress_chunk splits those into members).
files["data/big.txt"] = b"".join(f"line {rng.randrange(10**6)} of a log\n".encode() for _ in range(150000))
files["data/mixed.bin"] = b"".join(rng.randbytes(6000) + (b"text " * 1200) for _ in range(300))
files["data/notes.md"] = b"# notes\n" * 1000
files["skip/secret.txt"] = b"excluded by .dockerignore\n"
files["Dockerfile"] = b"""FROM scratch
ARG VERSION=1.0
ENV VERSION=${VERSION}
COPY --chown=1000:1000 bin/tool /usr/local/bin/
COPY . /app/
COPY --chmod=0600 data/notes.md /etc/notes
WORKDIR /app/run
LABEL version=${VERSION}
CMD ["tool"]
"""
files[".dockerignore"] = b"skip\n"
names = sorted(files, reverse=(order == "reverse"))
for name in names:
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(files[name])
os.chmod(os.path.join(root, "bin/tool"), 0o755)
os.symlink("../data/notes.md", os.path.join(root, "src/notes-link"))
EOF
}

# assemble_digest CONTEXT NAME [ARGS...] : assemble with a fresh cache into
# $T/out-NAME (and $T/NAME.tar); prints the manifest digest.
assemble_digest() {
  local ctx=$1 name=$2
  shift 2
  XDG_CACHE_HOME=$T/cache-$name assert_exit 0 "$RT_BIN" assemble "$@" \
    --output "oci:$T/out-$name:t" --output "docker-archive:$T/$name.tar:app:t" "$ctx"
  local d
  d=$(tail -n 1 <<<"$OUT")
  assert_eq "$d" "$(skopeo inspect "oci:$T/out-$name:t" | jq -r .Digest)" "printed digest of $name"
  echo "$d"
}

# The reference: one thread, default umask, sorted creation, root-owned.
mkdir -p "$T/a/ctx"
make_context "$T/a/ctx" sorted
REF=$(assemble_digest "$T/a/ctx" ref --threads 1)

# Another path; reverse creation order; umask 077 (files 0600/0700, dirs 0700);
# other mtimes and owners; four threads.
mkdir -p "$T/b/somewhere/else"
(umask 077 && make_context "$T/b/somewhere/else/ctx" reverse)
find "$T/b" -exec touch -h -d '2001-02-03 04:05:06' {} +
chown -R -h 12345:54321 "$T/b"
[[ $(stat -c %a "$T/b/somewhere/else/ctx/data/big.bin") == 600 ]] || fail "umask 077 was not applied"
OTHER=$(assemble_digest "$T/b/somewhere/else/ctx" other --threads 4)
assert_eq "$REF" "$OTHER" "digest of a copy (path, order, umask, mtimes, owners, threads)"
cmp "$T/ref.tar" "$T/other.tar" || fail "docker-archive bytes differ between the two contexts"

# A copy made with go-rwx removed afterwards, and the default thread count.
cp -a "$T/a/ctx" "$T/c"
chmod -R go-rwx "$T/c"
assert_eq "$REF" "$(assemble_digest "$T/c" chmod)" "digest after chmod -R go-rwx, default threads"
pass "same digest for the same inputs: $REF"

# SOURCE_DATE_EPOCH is the only clock: another value, another digest; the same
# value twice, the same digest (cold cache, then warm).
EPOCH=1700000000
E1=$(SOURCE_DATE_EPOCH=$EPOCH assemble_digest "$T/a/ctx" epoch1)
assert_ne "$REF" "$E1" "SOURCE_DATE_EPOCH changes the digest"
E2=$(SOURCE_DATE_EPOCH=$EPOCH assemble_digest "$T/b/somewhere/else/ctx" epoch2 --threads 3)
assert_eq "$E1" "$E2" "the same SOURCE_DATE_EPOCH twice"
SOURCE_DATE_EPOCH=$EPOCH XDG_CACHE_HOME=$T/cache-epoch1 assert_exit 0 "$RT_BIN" assemble \
  --output "oci:$T/out-warm:t" "$T/a/ctx"
assert_eq "$E1" "$(tail -n 1 <<<"$OUT")" "the same SOURCE_DATE_EPOCH, warm cache"
assert_eq "\"2023-11-14T22:13:20Z\"" "$(skopeo inspect --config --raw "oci:$T/out-epoch1:t" | jq -c .created)"
pass "SOURCE_DATE_EPOCH"

# Content matters, even in a warm cache that has seen the old content; a
# changed mtime alone does not.
XDG_CACHE_HOME=$T/cache-ref assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out-warm2:t" "$T/a/ctx"
assert_eq "$REF" "$(tail -n 1 <<<"$OUT")" "unchanged rerun, warm cache"
printf 'X' | dd of="$T/a/ctx/data/big.bin" bs=1 seek=1000 conv=notrunc status=none
touch -d '2001-02-03 04:05:06' "$T/a/ctx/data/big.bin"
XDG_CACHE_HOME=$T/cache-ref assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out-warm2:t" "$T/a/ctx"
CHANGED=$(tail -n 1 <<<"$OUT")
assert_ne "$REF" "$CHANGED" "one byte changed (same size, old mtime), warm cache"
assert_eq "$CHANGED" "$(assemble_digest "$T/a/ctx" changed-cold)" "the same change, cold cache"
rm -rf "$T/a/ctx" && make_context "$T/a/ctx" sorted
XDG_CACHE_HOME=$T/cache-ref assert_exit 0 "$RT_BIN" assemble --output "oci:$T/out-warm2:t" "$T/a/ctx"
assert_eq "$REF" "$(tail -n 1 <<<"$OUT")" "content restored"
assert_ne "$REF" "$(assemble_digest "$T/a/ctx" arg --build-arg VERSION=2.0)" "a build argument"
pass "content and build arguments change the digest; mtimes do not"

# The layers themselves: every tar header field that could come from the host.
EPOCH_DIR=$T/out-epoch1
manifest=$EPOCH_DIR/blobs/sha256/${E1#sha256:}
layers=()
for d in $(jq -r '.layers[].digest' "$manifest"); do layers+=("$EPOCH_DIR/blobs/sha256/${d#sha256:}"); done
assert_eq 4 "${#layers[@]}" "layers (3 COPY, 1 WORKDIR)"
"$RT_PYTHON" - "$EPOCH" "${layers[@]}" <<'EOF' || fail "layer tar check (see above)"
import sys, tarfile, zlib
epoch, paths = int(sys.argv[1]), sys.argv[2:]
bad = []
for p in paths:
    raw = open(p, "rb").read()
    # Every gzip member: fixed header (no mtime, no name/comment/extra flags, OS 255).
    pos, members = 0, 0
    while pos < len(raw):
        hdr = raw[pos:pos + 10]
        if hdr[:3] != b"\x1f\x8b\x08" or hdr[3] != 0 or hdr[4:8] != b"\0\0\0\0" or hdr[9] != 255:
            bad.append(f"{p}: gzip member {members} header {hdr.hex()}")
            break
        d = zlib.decompressobj(-15)
        d.decompress(raw[pos + 10:])
        pos = len(raw) - len(d.unused_data) + 8  # skip CRC32 and ISIZE
        members += 1
    with tarfile.open(p, "r:gz") as t:
        names = []
        for m in t.getmembers():
            names.append(m.name)
            if m.mtime != epoch: bad.append(f"{p}: {m.name} mtime {m.mtime}")
            if m.uname or m.gname: bad.append(f"{p}: {m.name} uname/gname {m.uname!r}/{m.gname!r}")
            if m.pax_headers: bad.append(f"{p}: {m.name} pax headers {m.pax_headers}")
            if m.isdir() and m.mode != 0o755: bad.append(f"{p}: dir {m.name} mode {oct(m.mode)}")
        if names != sorted(names): bad.append(f"{p}: entries not sorted: {names}")
    print(f"{p[-12:]}: {members} gzip member(s), {len(names)} entries")
if bad:
    sys.exit("\n".join(bad))
EOF
listing=$(for l in "${layers[@]}"; do tar -tvzf "$l"; done)
assert_contains "$listing" "-rwxr-xr-x 1000/1000        20 2023-11-14 22:13 usr/local/bin/tool"
assert_contains "$listing" "-rw-r--r-- 0/0         5242880 2023-11-14 22:13 app/data/big.bin"
assert_contains "$listing" "lrwxrwxrwx 0/0               0 2023-11-14 22:13 app/src/notes-link -> ../data/notes.md"
assert_contains "$listing" "-rw------- 0/0            8000 2023-11-14 22:13 etc/notes"
assert_not_contains "$listing" "skip/secret.txt"
# The other context's files were 0600 and owned by 12345: nothing of it shows.
other_manifest=$T/out-epoch2/blobs/sha256/${E2#sha256:}
for d in $(jq -r '.layers[].digest' "$other_manifest"); do
  cmp "$T/out-epoch2/blobs/sha256/${d#sha256:}" "$EPOCH_DIR/blobs/sha256/${d#sha256:}"
done
pass "layer tars: mtimes from SOURCE_DATE_EPOCH, numeric owners only, sorted, fixed gzip headers"

#!/usr/bin/env bash
# assemble, odd but valid input that used to crash or run away, now built as BuildKit builds it:
# 30,000 chained stages (recursion overflowed the stack), .dockerignore lines of a million '*'
# and 50,000 '?' against ~3,000-character paths (stack overflow; minutes), EXPOSE of a variable
# holding several ports (ProcessWords), WORKDIR and COPY destinations climbing above the root
# (path.Clean: "/.." is "/"), names that are not UTF-8 in the history. Each within seconds and
# bounded memory; every image unpacked by umoci.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
echo hello >"$CTX/f"

# ok TAG [ASSEMBLE_ARGS...] : exit 0 within 120 s and 1 GiB resident (ASan's included), the
# image unpacked by umoci into $T/unpacked/TAG; $CONFIG is its config.
ok() {
  local tag=$1
  shift
  assert_exit 0 /usr/bin/time -f '%M' -o "$T/rss" timeout 120 \
    "$RT_BIN" assemble "$@" --output "oci:$T/oci-$tag:$tag" "$CTX"
  local kib
  kib=$(tail -n 1 "$T/rss")
  ((kib < 1048576)) || fail "peak resident memory ${kib} KiB"
  CONFIG=$(skopeo inspect --config --raw "oci:$T/oci-$tag:$tag")
  umoci unpack --image "$T/oci-$tag:$tag" "$T/unpacked/$tag" >/dev/null
}
cfg() { jq -c "$1" <<<"$CONFIG"; }

# --- 30,000 chained stages, and a chain through COPY --from ------------------------
{ echo 'FROM scratch AS s0'; echo 'COPY f /f'
  for i in $(seq 1 29999); do echo "FROM s$((i - 1)) AS s$i"; done
  echo 'LABEL last=yes'; } >"$CTX/Dockerfile"
ok chain
assert_eq '{"last":"yes"}' "$(cfg .config.Labels)" "labels of the last stage"
assert_eq hello "$(cat "$T/unpacked/chain/rootfs/f")" "the first stage's file"
{ echo 'FROM scratch AS c0'; echo 'COPY f /f0'
  for i in $(seq 1 300); do echo "FROM scratch AS c$i"; echo "COPY --from=c$((i - 1)) /f$((i - 1)) /f$i"; done
} >"$CTX/Dockerfile"
ok copychain
assert_eq hello "$(cat "$T/unpacked/copychain/rootfs/f300")" "a file passed through 300 stages"
printf 'FROM scratch AS a\nCOPY --from=b /f /f\nFROM scratch AS b\nCOPY --from=a /f /f\n' >"$CTX/Dockerfile"
assert_exit 2 "$RT_BIN" assemble --output "oci:$T/cycle:x" "$CTX"
assert_contains "$ERR" "stages depend on each other in a cycle"

# --- EXPOSE splits a variable's value into ports, as BuildKit's ProcessWords ----------
# (Fields are cut at blanks before expansion, as BuildKit does: "${Q:-1 2}" is two broken halves.)
printf 'FROM scratch\nENV P="80 443/udp"\nEXPOSE $P 8080\nEXPOSE ${Q:-9000/TCP} "9001"\n' >"$CTX/Dockerfile"
ok expose
assert_eq '{"443/udp":{},"80/tcp":{},"8080/tcp":{},"9000/tcp":{},"9001/tcp":{}}' \
  "$(cfg .config.ExposedPorts)" "exposed ports"

# --- ".." stops at the root (Go's path.Clean), for WORKDIR and COPY destinations -----
printf 'FROM scratch\nWORKDIR /..\nLABEL a=1\n' >"$CTX/Dockerfile"
ok wd-root
assert_eq '"/"' "$(cfg .config.WorkingDir)" "WORKDIR /.."
printf 'FROM scratch\nWORKDIR /../../etc\nCOPY f ../../../x/\nWORKDIR ../..\n' >"$CTX/Dockerfile"
ok wd-etc
assert_eq '"/"' "$(cfg .config.WorkingDir)" "WORKDIR .. from /etc"
assert_eq hello "$(cat "$T/unpacked/wd-etc/rootfs/x/f")" "COPY to ../../../x/ from /etc"
[[ -d $T/unpacked/wd-etc/rootfs/etc ]] || fail "WORKDIR /../../etc made no /etc"
# The longest path and names Linux takes are fine.
long=$(printf 'n%.0s' $(seq 255))
printf 'FROM scratch\nWORKDIR /%s\nCOPY f ./\n' "$long" >"$CTX/Dockerfile"
ok wd-long
assert_eq hello "$(cat "$T/unpacked/wd-long/rootfs/$long/f")" "a 255-byte name"

# --- .dockerignore: a million '*', 50,000 '?', against ~3,000-character paths ---------
deep=$CTX/tree
for i in $(seq 30); do deep=$deep/$(printf "d$i%.0s" $(seq 40) | cut -c1-99); done
mkdir -p "$deep"
echo deep >"$deep/keep"
echo gone >"$deep/drop"
python3 - "$CTX/.dockerignore" <<'EOF'
import sys
open(sys.argv[1], "w").write("*" * 1000000 + "\n" + "?" * 50000 + "\n!f\n!**/keep\n")
EOF
printf 'FROM scratch\nCOPY . /c/\n' >"$CTX/Dockerfile"
ok ignore
got=$(cd "$T/unpacked/ignore/rootfs/c" && find . -type f | LC_ALL=C sort)
assert_eq "./f"$'\n'"./${deep#"$CTX"/}/keep" "$got" "files left by .dockerignore"
rm "$CTX/.dockerignore"

# --- a history line naming a file by bytes that are not UTF-8 ------------------------
name=$'n\xffx'
echo bytes >"$CTX/$name"
printf 'FROM scratch\nCOPY %s /b\n' "$name" >"$CTX/Dockerfile"
ok history
assert_eq bytes "$(cat "$T/unpacked/history/rootfs/b")" "file named by bytes"
assert_contains "$(cfg '.history[0].created_by')" $'COPY n\xef\xbf\xbdx /b' "history, U+FFFD as Go writes it"
pass "odd but valid Dockerfiles build as BuildKit builds them, within bounds"

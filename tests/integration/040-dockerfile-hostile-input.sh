#!/usr/bin/env bash
# assemble, hostile Dockerfiles: nesting, doubling, huge numbers and paths, bytes that are not
# UTF-8, control bytes. Each is bad input: exit 2 with "Dockerfile:LINE: why", within seconds
# and a bounded amount of memory, never a crash, a runaway or a raw library exception; and what
# the message quotes from the input is escaped (no terminal control byte reaches stderr).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

CTX=$T/ctx
mkdir -p "$CTX"
echo hello >"$CTX/f"

# hostile LINE NEEDLE [ASSEMBLE_ARGS...] : with $CTX/Dockerfile already written, exit 2 naming
# Dockerfile:LINE with NEEDLE, within 60 s and 1 GiB of resident memory (ASan's included), no
# control byte on stderr, nothing written.
hostile() {
  local line=$1 needle=$2
  shift 2
  assert_exit 2 /usr/bin/time -f '%M' -o "$T/rss" timeout 60 \
    "$RT_BIN" assemble "$@" --output "oci:$T/out:x" "$CTX"
  assert_contains "$ERR" "release-tool: error: $CTX/Dockerfile:$line: " "location"
  assert_contains "$ERR" "$needle" "reason"
  local kib
  kib=$(tail -n 1 "$T/rss")
  ((kib < 1048576)) || fail "peak resident memory ${kib} KiB"
  if LC_ALL=C grep -q '[[:cntrl:]]' <<<"${ERR//$'\n'/ }"; then fail "control bytes on stderr: $ERR"; fi
  [[ ! -e $T/out ]] || fail "output written by a failed run"
}

# --- recursion and growth ------------------------------------------------------
python3 - "$CTX/Dockerfile" <<'EOF'
import sys
n = 100000
open(sys.argv[1], "w").write("FROM scratch\nENV A=" + "${A:-" * n + "x" + "}" * n + "\n")
EOF
hostile 2 'nested more than 64 levels deep'

{ echo 'FROM scratch'; echo 'ARG A1=x'
  for i in $(seq 2 41); do echo "ARG A$i=\${A$((i - 1))}\${A$((i - 1))}"; done; } >"$CTX/Dockerfile"
hostile 23 'the limit is 1 MiB more than its text'

{ echo 'FROM scratch'; echo 'ENV A=x'
  for _ in $(seq 60); do echo 'ENV A=$A$A'; done; } >"$CTX/Dockerfile"
hostile 23 'the limit is 1 MiB more than its text'

# Words under 1 MiB, but a build's total expansion work is bounded too (64 Mi).
{ echo 'FROM scratch'; echo 'ARG A=x'
  for _ in $(seq 19); do echo 'ARG A=$A$A'; done
  for i in $(seq 200); do echo "LABEL l$i=\$A"; done; } >"$CTX/Dockerfile"
hostile 148 'variable expansion exceeds its limit for a build'

# Patterns against a huge value: bounded by the same budget.
{ echo 'FROM scratch'; echo 'ARG A=x'
  for _ in $(seq 19); do echo 'ARG A=$A$A'; done
  echo 'ENV B=${A%%*y}'; } >"$CTX/Dockerfile"
hostile 22 'variable expansion exceeds its limit for a build'

python3 - "$CTX/Dockerfile" <<'EOF'
import sys
open(sys.argv[1], "w").write("FROM scratch\nWORKDIR " + "/d" * 100000 + "\n")
EOF
hostile 2 'Linux paths are shorter than 4096'
printf 'FROM scratch\nWORKDIR /a/%s/b\n' "$(printf 'x%.0s' $(seq 300))" >"$CTX/Dockerfile"
hostile 2 'a name in it is 300 bytes long; Linux allows 255'
printf 'FROM scratch\nCOPY f /%s/\n' "$(printf 'y%.0s' $(seq 256))" >"$CTX/Dockerfile"
hostile 2 'a name in it is 256 bytes long'

# --- numbers ---------------------------------------------------------------------
printf 'FROM scratch\nHEALTHCHECK --interval=99999999999999999h CMD true\n' >"$CTX/Dockerfile"
hostile 2 "--interval: '99999999999999999h' is not a duration"
printf 'FROM scratch\nHEALTHCHECK --timeout=%ss CMD true\n' "$(printf '9%.0s' $(seq 400))" >"$CTX/Dockerfile"
hostile 2 "--timeout: '99999"
printf 'FROM scratch\nHEALTHCHECK --retries=99999999999 CMD true\n' >"$CTX/Dockerfile"
hostile 2 "--retries: '99999999999' is not a number from 0 to 2147483647"
printf 'FROM scratch\nEXPOSE 80 99999999999999999999\n' >"$CTX/Dockerfile"
hostile 2 "EXPOSE: '99999999999999999999' is not a valid port or range"
printf 'FROM scratch AS a\nFROM scratch\nCOPY --from=99999999999999999999999 /f /f\n' >"$CTX/Dockerfile"
hostile 3 'invalid stage index'
printf 'FROM scratch\nARG S=a\nCOPY --from=$S /f /f\n' >"$CTX/Dockerfile"
hostile 3 'variable expansion is not supported for --from'

# --- values that go into the config (JSON) must be UTF-8 -------------------------
for ins in 'LABEL a="\xff"' 'LABEL "\xfe"=b' 'ENV A=\xff' 'USER \xff' 'WORKDIR /\xff' \
  'VOLUME /v\xff' 'CMD echo \xff' 'ENTRYPOINT ["\xff"]' 'HEALTHCHECK CMD \xff' \
  'MAINTAINER \xc3'; do
  printf 'FROM scratch\n%b\n' "$ins" >"$CTX/Dockerfile" # %b: the \xNN become bytes
  hostile 2 "${ins%% *} value is not valid UTF-8"
done
printf 'FROM scratch\nARG B\nLABEL b=$B\n' >"$CTX/Dockerfile"
hostile 3 'LABEL value is not valid UTF-8: "\xff"' --build-arg "B=$(printf '\xff')"
printf 'FROM scratch\nARG B\nENV B=$B\n' >"$CTX/Dockerfile"
hostile 3 'ENV value is not valid UTF-8' --build-arg "B=$(printf '\xc3')"

# --- control bytes from the input are escaped in messages ------------------------
printf 'FROM scratch\nEXPOSE \x1b[2Jport\n' >"$CTX/Dockerfile"
hostile 2 "EXPOSE: '\\x1b[2Jport' is not a valid port"
printf 'FROM scratch\nENV A=${B:?\x1b]0;owned\x07}\n' >"$CTX/Dockerfile"
hostile 2 'failed to process "${B:?\x1b]0;owned\x07}"'
pass "hostile Dockerfiles are bad input, bounded, with safe messages"

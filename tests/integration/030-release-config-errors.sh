#!/usr/bin/env bash
# rc/final/reproduce, bad input and a failing build command, before anything
# works: the repository's images.json with one mistake (unknown key, wrong
# type, missing field, malformed JSON) and overlays with mistakes exit 2 with
# "FILE:LINE:COL: why"; a bad Dockerfile (an overlay pointing "dockerfiles.rc"
# at the top-level Dockerfile.rc with one mistake) exits 2 with "FILE:LINE";
# bad flags exit 2; a failing build command exits 1 naming the command and its
# exit status, its output shown. In every case nothing reaches the registry.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

release_checkout
release_registry
# The bases are never reached in this test: every run fails before a FROM is
# resolved, so they need not exist (and the registry stays the only one).
BASE_STATIC=$REG/mirror/static:none BASE_NODEJS=$REG/mirror/node:none BASE_PYTHON=$REG/mirror/py:none
release_flags "$SRC" "$REG"
BAD=$T/bad
mkdir -p "$BAD"

# nothing_pushed WHAT : the registry has no repository at all.
nothing_pushed() {
  assert_eq "" "$(catalog "$REG")" "registry catalog after: $1"
}

# expect_bad CMD NEEDLE... : `release-tool CMD` with the flags that follow "--"
# exits 2; stderr contains every NEEDLE; nothing on stdout, nothing pushed.
#   expect_bad rc "images.json:3:5: unknown key" -- --config X --version 1
expect_bad() {
  local cmd=$1 needles=()
  shift
  while [[ $1 != -- ]]; do needles+=("$1") && shift; done
  shift
  assert_exit 2 "$RT_BIN" "$cmd" "$@"
  local n
  for n in "${needles[@]}"; do assert_contains "$ERR" "$n" "$cmd error"; done
  assert_contains "$ERR" "release-tool: error: " "error prefix"
  assert_eq "" "$OUT" "stdout of a failed $cmd"
  nothing_pushed "$cmd: ${needles[0]}"
}

# line_of FILE PATTERN : the number of the first line of FILE matching PATTERN (grep -E).
line_of() {
  local n
  n=$(grep -n -m1 -E "$2" "$1" | cut -d: -f1)
  [[ -n $n ]] || fail "line_of: no '$2' in $1"
  echo "$n"
}

# col_of FILE LINE TEXT : the 1-based column where TEXT starts on LINE of FILE.
col_of() {
  local line
  line=$(sed -n "$2p" "$1")
  local before=${line%%"$3"*}
  [[ $before != "$line" ]] || fail "col_of: '$3' not on line $2 of $1"
  echo $((${#before} + 1))
}

# bad_images NAME SED_SCRIPT : $BAD/NAME/images.json, the checkout's images.json
# changed by SED_SCRIPT (and verified to differ). Beside it, the example's overlay
# paths still resolve against the checkout because the overlay is absolute.
bad_images() {
  mkdir -p "$BAD/$1"
  sed -e "$2" "$SRC/images.json" >"$BAD/$1/images.json"
  ! cmp -s "$SRC/images.json" "$BAD/$1/images.json" || fail "bad_images $1: sed changed nothing"
  echo "$BAD/$1/images.json"
}

ONE_FLAGS=(--build-arg "BASE_STATIC=$BASE_STATIC" --registry-rewrite "gcr.io/galoyorg=$REG/galoyorg"
  --registry-rewrite "us.gcr.io/galoyorg=$REG/galoyorg" --version 0.0.1)

# --- images.json: unknown key, wrong type, missing field, malformed JSON ------
# Unknown key: the first image's "target" misspelt; the message suggests the key.
L=$(line_of "$SRC/images.json" '"target":')
F=$(bad_images unknown-key "${L}s/\"target\":/\"targte\":/")
C=$(col_of "$F" "$L" '"targte"')
for cmd in rc final reproduce; do
  expect_bad "$cmd" "$F:$L:$C: " "unknown key 'targte'" "did you mean 'target'?" -- --config "$F" "${ONE_FLAGS[@]}"
done
pass "images.json: unknown key, located, on rc/final/reproduce"

# Wrong type: "tags" a string instead of an array (or an object per mode).
L=$(line_of "$SRC/images.json" '"tags": {')
F=$(bad_images wrong-type "${L}s/\"tags\": {.*}/\"tags\": \"{version}\"/")
C=$(col_of "$F" "$L" '"{version}"')
expect_bad rc "$F:$L:$C: " "'tags' must be an array of strings (or {\"rc\": [...], \"final\": [...]}), not a string" -- --config "$F" "${ONE_FLAGS[@]}"
# Wrong type: the binary's command a string (it is argv, run without a shell).
L=$(line_of "$SRC/images.json" '"command":')
F=$(bad_images wrong-type-2 "${L}s/\"command\": \[.*\],/\"command\": \"nix build\",/")
C=$(col_of "$F" "$L" '"nix build"')
expect_bad rc "$F:$L:$C: " "'command' must be an array of strings" -- --config "$F" "${ONE_FLAGS[@]}"
pass "images.json: wrong types, located"

# Missing field: the first image without "repository" is blamed at its '{'.
L=$(line_of "$SRC/images.json" '"repository":')
F=$(bad_images missing-field "${L}d")
L=$((L - 2)) # the image's '{' is two lines up ('{', "name", "repository")
assert_eq "{" "$(sed -n "${L}p" "$F" | tr -d ' ')" "the first image's '{' line"
C=$(col_of "$F" "$L" '{')
expect_bad rc "$F:$L:$C: " "image 1 has no 'repository'" -- --config "$F" "${ONE_FLAGS[@]}"
# Missing top-level field.
F=$(bad_images missing-top '/"github_repository":/d')
expect_bad final "$F:1:1: " "the configuration has no 'github_repository'" -- --config "$F" "${ONE_FLAGS[@]}"
pass "images.json: missing fields, located at the object"

# Malformed JSON: a trailing comma after the last image.
L=$(($(wc -l <"$SRC/images.json") - 2))
assert_eq "}" "$(sed -n "${L}p" "$SRC/images.json" | tr -d ' ')" "the last image's closing brace"
F=$(bad_images malformed "${L}s/}/},/")
expect_bad rc "$F:" "$(basename "$F"):" -- --config "$F" "${ONE_FLAGS[@]}"
[[ $ERR =~ images\.json:[0-9]+:[0-9]+:\  ]] || fail "malformed JSON not located: $ERR"
pass "images.json: malformed JSON, located"

# A missing images.json is an error too (not a crash), naming the file.
assert_exit 2 "$RT_BIN" rc --config "$BAD/none/images.json" "${ONE_FLAGS[@]}"
assert_contains "$ERR" "$BAD/none/images.json" "missing images.json named"
nothing_pushed "missing images.json"

# --- overlays ------------------------------------------------------------------
overlay() { # NAME JSON : writes $BAD/NAME.json, prints its path
  printf '%s\n' "$2" >"$BAD/$1.json"
  echo "$BAD/$1.json"
}
O=$(overlay ov-unknown $'{\n  "context": "examples/lana-bank",\n  "dockerfile": "x"\n}')
expect_bad rc "$O:3:3: " "unknown key 'dockerfile'" "did you mean 'dockerfiles'?" -- "${RFLAGS[@]}" --config "$O" --version 1
O=$(overlay ov-type $'{\n  "binary": {"working_directory": 5}\n}')
expect_bad rc "$O:2:35: " "'working_directory' must be a string, not a number" -- "${RFLAGS[@]}" --config "$O" --version 1
O=$(overlay ov-image $'{\n  "images": [\n    {"name": "lana-bank-admin-panell", "target": "x"}\n  ]\n}')
expect_bad rc "$O:3:14: " "has no image 'lana-bank-admin-panell'" -- "${RFLAGS[@]}" --config "$O" --version 1
O=$(overlay ov-missing $'{\n  "images": [\n    {"target": "x"}\n  ]\n}')
expect_bad rc "$O:3:5: " "image 1 has no 'name'" -- "${RFLAGS[@]}" --config "$O" --version 1
O=$(overlay ov-escape $'{\n  "binary": {"destination": "../lana-cli"}\n}')
expect_bad rc "$O:2:29: " "'destination' must stay inside the build context" -- "${RFLAGS[@]}" --config "$O" --version 1
pass "overlays: unknown key, wrong type, unknown image, missing name, escaping path — located in the overlay"

# --- flags ---------------------------------------------------------------------
expect_bad rc "has no image 'lana-bnak'" "did you mean 'lana-bank'?" -- "${RFLAGS[@]}" --image lana-bnak --version 1
expect_bad rc "--registry-rewrite 'gcr.io'" "expected FROM=TO" -- "${RFLAGS[@]}" --registry-rewrite gcr.io --version 1
expect_bad rc "--output docker-archive:$T/x.tar" "expected oci:DIR" -- "${RFLAGS[@]}" --output "docker-archive:$T/x.tar" --version 1
expect_bad rc "not a valid tag" -- "${RFLAGS[@]}" --version "1.0+build"
# reproduce pushes nothing and writes no image: it has no --output.
assert_exit 2 "$RT_BIN" reproduce "${RFLAGS[@]}" --version 1 --output "oci:$T/o"
assert_contains "$ERR" "--output" "reproduce --output refused"
assert_exit 2 "$RT_BIN" final "${RFLAGS[@]}"
assert_contains "$ERR" "--version" "final needs --version"
assert_exit 2 "$RT_BIN" reproduce "${RFLAGS[@]}"
assert_contains "$ERR" "--version" "reproduce needs --version"
nothing_pushed "missing --version"
pass "bad flags: exit 2 before anything runs"

# --- bad Dockerfiles, through an overlay pointing at them ----------------------
# bad_dockerfile NAME SED_SCRIPT : the top-level Dockerfile.rc with one mistake,
# and an overlay using it for rc; prints the overlay's path.
bad_dockerfile() {
  sed -e "$2" "$SRC/dockerfiles/Dockerfile.rc" >"$BAD/$1.Dockerfile"
  ! cmp -s "$SRC/dockerfiles/Dockerfile.rc" "$BAD/$1.Dockerfile" || fail "bad_dockerfile $1: sed changed nothing"
  overlay "$1" "{\"dockerfiles\": {\"rc\": \"$BAD/$1.Dockerfile\"}}"
}
# An unknown instruction, in the lana-bank stage.
L=$(line_of "$SRC/dockerfiles/Dockerfile.rc" '^COPY --chmod=0755 binaries/lana-cli')
O=$(bad_dockerfile unknown-instruction "${L}s/^COPY /COPPY /")
expect_bad rc "$BAD/unknown-instruction.Dockerfile:$L: " "COPPY" -- "${RFLAGS[@]}" --config "$O" --version 1
# RUN needs a container runtime: refused before anything is built, anywhere in the file.
L=$(line_of "$SRC/dockerfiles/Dockerfile.rc" '^FROM \$\{BASE_PYTHON\}')
O=$(bad_dockerfile run "$((L + 1))i RUN pip install dagster")
expect_bad rc "$BAD/run.Dockerfile:$((L + 1)): " "RUN" -- "${RFLAGS[@]}" --config "$O" --version 1
# A flag COPY does not have.
L=$(line_of "$SRC/dockerfiles/Dockerfile.rc" '^COPY --chmod=0755 binaries/lana-cli')
O=$(bad_dockerfile bad-flag "${L}s/--chmod=0755/--chmod=0755 --frobnicate/")
expect_bad rc "$BAD/bad-flag.Dockerfile:$L: " "frobnicate" -- "${RFLAGS[@]}" --config "$O" --version 1
# A target stage images.json names but the Dockerfile lacks.
O=$(bad_dockerfile no-stage "s/ AS lana-bank-customer-portal$/ AS customer-portal/")
expect_bad rc "$BAD/no-stage.Dockerfile" "lana-bank-customer-portal" "not found" -- "${RFLAGS[@]}" --config "$O" --version 1
# A Dockerfile that does not exist.
O=$(overlay no-dockerfile "{\"dockerfiles\": {\"rc\": \"$BAD/none.Dockerfile\"}}")
expect_bad rc "$BAD/none.Dockerfile" -- "${RFLAGS[@]}" --config "$O" --version 1
# All of this is found before the build command runs (it may take long): a bad
# Dockerfile with a failing build command fails on the Dockerfile.
L=$(line_of "$SRC/dockerfiles/Dockerfile.rc" '^COPY --chmod=0755 binaries/lana-cli')
O=$(bad_dockerfile before-build "${L}s/^COPY /COPPY /")
jq '.binary = {command: ["sh", "-c", "echo BUILD-RAN; exit 1"]}' "$O" >"$BAD/before-build-2.json"
expect_bad rc "$BAD/before-build.Dockerfile:$L: " -- "${RFLAGS[@]}" --config "$BAD/before-build-2.json" --version 1
assert_not_contains "$ERR" "BUILD-RAN" "the build command ran before the Dockerfile was checked"
# And for final and reproduce, before GitHub is asked anything (no GitHub
# server runs here: asking would fail differently, with exit 1).
L=$(line_of "$SRC/dockerfiles/Dockerfile.release" '^ADD --checksum=')
sed -e "${L}s/^ADD /ADDD /" "$SRC/dockerfiles/Dockerfile.release" >"$BAD/release.Dockerfile"
O=$(overlay bad-release "{\"dockerfiles\": {\"release\": \"$BAD/release.Dockerfile\"}}")
for cmd in final reproduce; do
  expect_bad "$cmd" "$BAD/release.Dockerfile:$L: " "ADDD" -- "${RFLAGS[@]}" --config "$O" --version 1
done
pass "bad Dockerfiles: exit 2 with FILE:LINE before the build command or GitHub, nothing pushed"

# --- a failing build command ---------------------------------------------------
rm -f "$SRC/.env" # written by the runs above, which got past the build command
O=$(overlay failing-build '{"binary": {"command": ["sh", "-c", "echo compiling lana-cli; echo broken >&2; exit 3"]}}')
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --config "$O" --version 1
assert_contains "$ERR" "release-tool: error: " "error prefix"
assert_contains "$ERR" "sh -c 'echo compiling lana-cli; echo broken >&2; exit 3'" "the command named"
assert_contains "$ERR" "exit status 3" "its exit status"
assert_contains "$OUT$ERR" "compiling lana-cli" "its output shown"
assert_contains "$ERR" "broken" "its stderr shown"
nothing_pushed "failing build command"
assert_eq "" "$(ls "$SRC/.env" 2>/dev/null)" "no .env written for a failed build"
# A command that succeeds without producing the artifact.
O=$(overlay no-artifact '{"binary": {"command": ["true"], "artifact": "target/not-there"}}')
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --config "$O" --version 1
assert_contains "$ERR" "target/not-there" "the missing artifact named"
nothing_pushed "no artifact"
# --skip-build without an artifact in place says how to fix it.
O=$(overlay skip-build '{"binary": {"artifact": "target/not-there"}}')
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --config "$O" --version 1 --skip-build
assert_contains "$ERR" "drop --skip-build" "--skip-build hint"
nothing_pushed "--skip-build without artifact"
pass "failing build command: exit 1 naming the command and status, nothing pushed"

pass "030-release-config-errors"

#!/usr/bin/env bash
# Signatures as cosign stores them (`--sign-key` on assemble and copy,
# `release-tool verify --key`), checked by an independent verifier written from
# sigstore's specification (tests/support/cosign_check.py: python3-cryptography,
# python3-nacl), against the real registry:
#   - bad keys first: wrong COSIGN_PASSWORD, none set, a P-384 key, a public key,
#     not a key → exit 2, one line, nothing pushed, the password never printed;
#   - a PEM SEC1 key, a PKCS#8 key and cosign's encrypted keys (both PEM labels,
#     made by the test from the format: scrypt + NaCl secretbox) sign; the
#     verifier accepts REPO:sha256-<hex>.sig, and so does `verify`;
#   - a second key's signature is appended (both verify), the same key twice adds none;
#   - tampering: a changed payload, a signature over other bytes, a payload for
#     another digest, a key that did not sign, an unsigned image → `verify` exit 1
#     naming the fault, and the verifier rejects them too.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup and start_registry take no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000
CHECK=("$RT_PYTHON" "$RT_SOURCE_DIR/tests/support/cosign_check.py")
PASSWORD='correct horse battery staple 90'

K=$T/keys
mkdir -p "$K"
"${CHECK[@]}" keygen "$K/sec1.key" "$K/sec1.pub"
"${CHECK[@]}" keygen "$K/pkcs8.key" "$K/pkcs8.pub" --pkcs8-plain
"${CHECK[@]}" keygen "$K/cosign.key" "$K/cosign.pub" --cosign "$PASSWORD"
COSIGN_LABEL="ENCRYPTED COSIGN PRIVATE KEY" "${CHECK[@]}" keygen "$K/old.key" "$K/old.pub" --cosign "$PASSWORD"
"${CHECK[@]}" keygen "$K/p384.key" "$K/p384.pub" --curve p384
"${CHECK[@]}" keygen "$K/stranger.key" "$K/stranger.pub"
grep -q "BEGIN ENCRYPTED SIGSTORE PRIVATE KEY" "$K/cosign.key" || fail "keygen wrote no cosign key"

mkdir -p "$T/ctx"
printf 'hello\n' >"$T/ctx/hello.txt"
printf 'FROM scratch\nCOPY hello.txt /\n' >"$T/ctx/Dockerfile"
start_registry

# --- bad keys: exit 2, one line, nothing pushed, no secret printed --------------------------------
bad() { # EXPECTED_TEXT ENV... -- ARGS
  local want=$1
  shift
  assert_exit 2 env "$@"
  assert_contains "$ERR" "$want"
  assert_eq 1 "$(wc -l <<<"$ERR")" "one line for: $want"
  assert_not_contains "$OUT$ERR" "$PASSWORD" "password printed"
  assert_not_contains "$OUT$ERR" "$(sed -n 2p "$K/cosign.key")" "key bytes printed"
}
bad "cannot decrypt the key: wrong COSIGN_PASSWORD" COSIGN_PASSWORD="not $PASSWORD" \
  "$RT_BIN" assemble --sign-key "$K/cosign.key" --output "docker://$REG/bad:1" "$T/ctx"
bad "the key is encrypted: set COSIGN_PASSWORD" -u COSIGN_PASSWORD \
  "$RT_BIN" assemble --sign-key "$K/cosign.key" --output "docker://$REG/bad:1" "$T/ctx"
bad "expected P-256" "$RT_BIN" assemble --sign-key "$K/p384.key" --output "docker://$REG/bad:1" "$T/ctx"
bad "a public key; --sign-key needs the private key" \
  "$RT_BIN" assemble --sign-key "$K/sec1.pub" --output "docker://$REG/bad:1" "$T/ctx"
bad "not a PEM private key" "$RT_BIN" assemble --sign-key "$T/ctx/hello.txt" --output "docker://$REG/bad:1" "$T/ctx"
bad "no such file" "$RT_BIN" assemble --sign-key "$K/none.key" --output "docker://$REG/bad:1" "$T/ctx"
bad "give an --output docker://REF" "$RT_BIN" assemble --sign-key "$K/sec1.key" --output "oci:$T/l:1" "$T/ctx"
assert_eq "" "$(curl -s "http://$REG/v2/_catalog" | jq -r '.repositories | join(" ")')" "nothing pushed"
[[ ! -e $T/l ]] || fail "a refused assemble wrote its oci: output"
pass "bad keys: exit 2, one line, nothing pushed, no secret printed"

# --- sign with each kind of key ------------------------------------------------------------------
assert_exit 0 "$RT_BIN" assemble --sign-key "$K/sec1.key" --output "docker://$REG/app:1" "$T/ctx"
D=$(last_line "$OUT")
"${CHECK[@]}" verify "$REG" app "$D" "$K/sec1.pub" >/dev/null || fail "verifier rejects the SEC1 key's signature"
assert_exit 0 "$RT_BIN" verify --key "$K/sec1.pub" "$REG/app:1"
assert_eq "$D: signature verified with $K/sec1.pub" "$OUT"
assert_exit 0 "$RT_BIN" verify --key "$K/sec1.pub" "docker://$REG/app@$D"
# The payload, byte for byte as cosign writes it.
SIG=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/app/manifests/${D/:/-}.sig")
assert_eq application/vnd.dev.cosign.simplesigning.v1+json "$(jq -r '.layers[0].mediaType' <<<"$SIG")"
assert_eq '{"critical":{"identity":{"docker-reference":"'"$REG"'/app"},"image":{"docker-manifest-digest":"'"$D"'"},"type":"cosign container image signature"},"optional":null}' \
  "$(curl -s "http://$REG/v2/app/blobs/$(jq -r '.layers[0].digest' <<<"$SIG")")" "simple signing payload"
skopeo inspect --tls-verify=false "docker://$REG/app:${D/:/-}.sig" >/dev/null || fail "skopeo cannot read the .sig image"

for kind in pkcs8 cosign old; do
  assert_exit 0 env COSIGN_PASSWORD="$PASSWORD" "$RT_BIN" copy --sign-key "$K/$kind.key" "docker://$REG/app:1" "docker://$REG/$kind:1"
  assert_not_contains "$OUT$ERR" "$PASSWORD" "password printed"
  "${CHECK[@]}" verify "$REG" "$kind" "$D" "$K/$kind.pub" >/dev/null || fail "verifier rejects the $kind key's signature"
  assert_exit 0 "$RT_BIN" verify --key "$K/$kind.pub" "$REG/$kind:1"
done
pass "SEC1, PKCS#8 and cosign-encrypted keys (both labels) sign; the independent verifier accepts"

# --- several signatures append; the same key twice adds none -------------------------------------
assert_exit 0 env COSIGN_PASSWORD="$PASSWORD" "$RT_BIN" copy --sign-key "$K/cosign.key" "docker://$REG/app:1" "docker://$REG/app:1"
layers() { curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/$1/manifests/${D/:/-}.sig" | jq '.layers | length'; }
assert_eq 2 "$(layers app)" "a second key's signature appended"
"${CHECK[@]}" verify "$REG" app "$D" "$K/sec1.pub" >/dev/null || fail "the first signature is gone"
"${CHECK[@]}" verify "$REG" app "$D" "$K/cosign.pub" >/dev/null || fail "the second signature does not verify"
assert_exit 0 "$RT_BIN" assemble --sign-key "$K/sec1.key" --output "docker://$REG/app:1" "$T/ctx"
assert_contains "$ERR" "already signed with this key"
assert_eq 2 "$(layers app)" "the same key again adds nothing"
pass "signatures append; the same key twice adds none"

# --- tampering and wrong keys --------------------------------------------------------------------
assert_exit 1 "$RT_BIN" verify --key "$K/stranger.pub" "$REG/app:1"
assert_contains "$ERR" "does not verify with the key"
assert_exit 2 "$RT_BIN" verify --key "$K/sec1.key" "$REG/app:1"
assert_contains "$ERR" "a private key, expected the public key"
printf 'FROM scratch\nCOPY Dockerfile /\n' >"$T/ctx/Dockerfile.unsigned"
assert_exit 0 "$RT_BIN" assemble -f "$T/ctx/Dockerfile.unsigned" --output "docker://$REG/unsigned:1" "$T/ctx"
assert_exit 1 "$RT_BIN" verify --key "$K/sec1.pub" "$REG/unsigned:1"
assert_contains "$ERR" "no signature: $REG/unsigned:sha256-"
for mode in payload other-bytes other-digest; do
  assert_exit 0 "$RT_BIN" copy --sign-key "$K/pkcs8.key" "docker://$REG/app:1" "docker://$REG/t-$mode:1"
  "${CHECK[@]}" verify "$REG" "t-$mode" "$D" "$K/pkcs8.pub" >/dev/null || fail "t-$mode was not signed"
  "${CHECK[@]}" tamper "$REG" "t-$mode" "$D" "$mode" "$K/pkcs8.key"
  assert_exit 1 "$RT_BIN" verify --key "$K/pkcs8.pub" "$REG/t-$mode:1"
  case $mode in
  other-digest) assert_contains "$ERR" "signs sha256:0000000000000000000000000000000000000000000000000000000000000000, not $D" ;;
  *) assert_contains "$ERR" "signature 1: does not verify with the key" ;;
  esac
  if "${CHECK[@]}" verify "$REG" "t-$mode" "$D" "$K/pkcs8.pub" >/dev/null 2>&1; then
    fail "the independent verifier accepts a $mode forgery"
  fi
done
pass "tampered payload, signature over other bytes, another digest, another key, no signature: exit 1"

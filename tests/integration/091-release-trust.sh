#!/usr/bin/env bash
# rc and final with --sign-key, reproduce with --key, on the example's four
# images, checked by the independent verifier (tests/support/cosign_check.py)
# and the SPDX check (tests/support/spdx_check.py):
#   - rc --output without a key writes each image's SBOM and provenance
#     unsigned under attestations/; --sign-key with --output is refused (exit 2);
#   - an attestation push that fails (400 from the registry) after the images
#     are in by digest: exit 1 and no tag of the version moved;
#   - rc --sign-key: every image's .sig verifies; its provenance names the
#     commit and every base image with the digest in the mirror; its SBOM
#     names lana-cli (version, commit) in the lana-bank image;
#   - an unchanged signed rerun sends one HEAD per .sig/.att tag and writes
#     nothing; after lana-bank's .sig is tampered and its .att overwritten, a
#     rerun signs and attests it again;
#   - final --sign-key, then reproduce --key: MATCH for all four; with a key
#     that did not sign: UNTRUSTED, the signature named, exit 1; after a
#     provenance naming another commit is appended (validly signed): the
#     provenance field is named, exit 1.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup
CHECK=("$RT_PYTHON" "$RT_SOURCE_DIR/tests/support/cosign_check.py")
SPDX=("$RT_PYTHON" "$RT_SOURCE_DIR/tests/support/spdx_check.py")
"${CHECK[@]}" keygen "$T/cosign.key" "$T/cosign.pub" --pkcs8-plain
"${CHECK[@]}" keygen "$T/stranger.key" "$T/stranger.pub"

release_through_proxy
V=0.42.0-rc.1

# --- unsigned, to --output; --sign-key with --output refused ----------------------------------------
assert_exit 2 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --output "oci:$T/out" --sign-key "$T/cosign.key"
assert_contains "$ERR" "--sign-key signs images in a registry: drop --output"
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --output "oci:$T/out"
for name in "${RELEASE_IMAGES[@]}"; do
  "${SPDX[@]}" "$T/out/attestations/$name.spdx.json" >/dev/null || fail "$name: invalid SPDX"
  assert_eq "$SRC_SHA" "$(jq -r '.predicate.buildDefinition.resolvedDependencies[0].digest.gitCommit' "$T/out/attestations/$name.provenance.json")" "$name: commit in the provenance"
done
pass "rc --output: SBOM and provenance unsigned under attestations/"

# --- a failing attestation push moves no tag --------------------------------------------------------
echo '{"rules": [{"method": "PUT", "path_re": "/manifests/sha256-[0-9a-f]+[.]att", "status": 400}]}' >"$T/rules.json"
sleep 0.1
assert_exit 1 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --sign-key "$T/cosign.key" --skip-build
no_tag "$V"
echo '{"rules": []}' >"$T/rules.json"
pass "an attestation push failing after the images are in: exit 1, no tag moved"

# --- rc --sign-key: checked by the independent verifier ---------------------------------------------
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --sign-key "$T/cosign.key" --skip-build --digests-file "$T/rc.json"
all_tagged "$V" "$T/rc.json"
for name in "${RELEASE_IMAGES[@]}"; do
  D=$(jq -r --arg n "$name" '.images[] | select(.name == $n) | .digest' "$T/rc.json")
  "${CHECK[@]}" verify "$REG" "galoyorg/$name" "$D" "$T/cosign.pub" >/dev/null || fail "$name: signature rejected"
  "${CHECK[@]}" attestations "$REG" "galoyorg/$name" "$D" "$T/cosign.pub" https://slsa.dev/provenance/v1 >"$T/prov.json" ||
    fail "$name: no verified provenance"
  assert_eq "git+https://github.com/GaloyMoney/lana-bank@$SRC_SHA gitCommit $SRC_SHA" \
    "$(jq -r '.predicate.buildDefinition.resolvedDependencies[0] | "\(.uri) \(.digest | keys[0]) \(.digest.gitCommit)"' "$T/prov.json")" "$name: commit"
  assert_eq rc "$(jq -r .predicate.buildDefinition.externalParameters.mode "$T/prov.json")" "$name: mode"
  jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.uri | startswith("docker://")) | "\(.name) sha256:\(.digest.sha256)"' "$T/prov.json" >"$T/bases"
  [[ -s $T/bases ]] || fail "$name: no base image in the provenance"
  while read -r ref digest; do
    assert_eq "$(digest_of "$ref")" "$digest" "$name: digest of base $ref"
  done <"$T/bases"
  "${CHECK[@]}" attestations "$REG" "galoyorg/$name" "$D" "$T/cosign.pub" https://spdx.dev/Document >"$T/sbom.json" ||
    fail "$name: no verified SBOM"
  jq .predicate "$T/sbom.json" >"$T/spdx.json"
  "${SPDX[@]}" "$T/spdx.json" >/dev/null || fail "$name: invalid SPDX"
done
D=$(jq -r '.images[] | select(.name == "lana-bank") | .digest' "$T/rc.json")
"${CHECK[@]}" attestations "$REG" galoyorg/lana-bank "$D" "$T/cosign.pub" https://spdx.dev/Document | jq .predicate >"$T/spdx.json"
assert_eq "lana-cli $V pkg:github/GaloyMoney/lana-bank@$V git+https://github.com/GaloyMoney/lana-bank@$SRC_SHA" \
  "$(jq -r '.packages[] | select(.name == "lana-cli") | "\(.name) \(.versionInfo) \(.externalRefs[0].referenceLocator) \(.downloadLocation)"' "$T/spdx.json")" "the release binary in the SBOM"
pass "rc --sign-key: signatures, provenance (commit, bases) and SBOM verified independently"

# --- an unchanged signed rerun trusts its record only while the registry agrees ------------------------
mark=$(proxy_mark)
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --sign-key "$T/cosign.key" --skip-build
assert_eq "" "$(writes_since "$mark")" "writes of an unchanged signed rerun"
assert_eq 0 "$(proxy_since "$mark" '[.[] | select(.path | test("/manifests/sha256-[0-9a-f]+[.](sig|att)$") | not) | select(.path | test("sha256-"))] | length')" "other requests about attached images"
assert_eq "HEAD 8" "$(proxy_since "$mark" '[.[] | select(.path | test("/manifests/sha256-[0-9a-f]+[.](sig|att)$")) | .method] | "\(unique | join(",")) \(length)"' | jq -r .)" \
  "requests for the attached tags of an unchanged signed rerun (one HEAD per tag)"
assert_eq 0 "$(proxy_since "$mark" '[.[] | select(.method == "GET" and (.path | test("/blobs/")))] | length')" "blobs read by an unchanged signed rerun"
# Someone replaces lana-bank's .sig with a forged one and its .att with another
# image's .sig: the recorded digests no longer match, so the rerun reads both,
# signs and attests again.
"${CHECK[@]}" tamper "$REG" galoyorg/lana-bank "$D" payload
! "${CHECK[@]}" verify "$REG" galoyorg/lana-bank "$D" "$T/cosign.pub" >/dev/null 2>&1 || fail "the tampered .sig still verifies"
H=${D#sha256:}
curl -fsS -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/galoyorg/lana-bank/manifests/sha256-$H.sig" |
  curl -fsS -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @- \
    "http://$REG/v2/galoyorg/lana-bank/manifests/sha256-$H.att" >/dev/null
assert_exit 0 "$RT_BIN" rc "${RFLAGS[@]}" --version "$V" --sign-key "$T/cosign.key" --skip-build
"${CHECK[@]}" verify "$REG" galoyorg/lana-bank "$D" "$T/cosign.pub" >/dev/null || fail "not signed again after the .sig was tampered"
for type in https://slsa.dev/provenance/v1 https://spdx.dev/Document; do
  "${CHECK[@]}" attestations "$REG" galoyorg/lana-bank "$D" "$T/cosign.pub" "$type" >/dev/null ||
    fail "$type not attested again after the .att was overwritten"
done
pass "signed rerun: one HEAD per attached tag, no write; a tampered .sig or overwritten .att is signed and attested again"

# --- final --sign-key, reproduce --key --------------------------------------------------------------
F=0.42.0
release_github "$F"
assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --version "$F" --sign-key "$T/cosign.key" --digests-file "$T/final.json"
assert_exit 0 "$RT_BIN" reproduce "${RFLAGS[@]}" --version "$F" --key "$T/cosign.pub"
for name in "${RELEASE_IMAGES[@]}"; do
  [[ $OUT =~ (^|$'\n')$name\ +MATCH\  ]] || fail "reproduce --key: no MATCH row for $name in:"$'\n'"$OUT"
done
D=$(jq -r '.images[] | select(.name == "lana-bank") | .digest' "$T/final.json")
"${CHECK[@]}" attestations "$REG" galoyorg/lana-bank "$D" "$T/cosign.pub" https://slsa.dev/provenance/v1 >"$T/prov.json"
assert_eq "lana-cli sha256:$(sha256sum <"$ASSETS/lana-cli" | cut -c1-64)" \
  "$(jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.name == "lana-cli") | "\(.name) sha256:\(.digest.sha256)"' "$T/prov.json")" "final: the asset in the provenance"
pass "final --sign-key, reproduce --key: MATCH for all four"

assert_exit 1 "$RT_BIN" reproduce "${RFLAGS[@]}" --version "$F" --key "$T/stranger.pub"
assert_contains "$OUT" "lana-bank: signature: no valid signature"
[[ $OUT =~ (^|$'\n')lana-bank\ +UNTRUSTED\  ]] || fail "no UNTRUSTED row in:"$'\n'"$OUT"
"${CHECK[@]}" forge-provenance "$REG" galoyorg/lana-bank "$D" "$T/cosign.key"
assert_exit 1 "$RT_BIN" reproduce "${RFLAGS[@]}" --version "$F" --key "$T/cosign.pub"
assert_contains "$OUT" "lana-bank: provenance: provenance names git+https://github.com/GaloyMoney/lana-bank@$SRC_SHA with digest"
[[ $OUT =~ (^|$'\n')lana-bank\ +UNTRUSTED\  ]] || fail "no UNTRUSTED row in:"$'\n'"$OUT"
[[ $OUT =~ (^|$'\n')lana-bank-admin-panel\ +MATCH\  ]] || fail "the others should still MATCH:"$'\n'"$OUT"
pass "reproduce --key: another key, a forged provenance → UNTRUSTED naming what failed, exit 1"

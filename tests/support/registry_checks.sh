# shellcheck shell=bash
# Checks shared by the registry tests (tests/integration/02x-registry-*.sh), on top
# of lib.sh. Every image pushed by release-tool is read back by clients we did not
# write (skopeo, oci-image-tool); the fault proxy's log is how tests count requests.

# det_bytes SEED SIZE : SIZE deterministic, incompressible bytes on stdout
# (AES-128-CTR of zeros, keyed by SEED): the same on every machine and run.
det_bytes() {
  local key
  key=$(printf '%s' "$1" | sha256sum | cut -c1-32)
  head -c "$2" /dev/zero | openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000
}

# verify_pushed REF DIGEST [--cert-dir DIR] [--creds USER:PASS]
# REF (HOST:PORT/REPO:TAG, no transport) is DIGEST for skopeo inspect; skopeo copy
# pulls it into an OCI layout (checking every blob against its digest), the
# layout's manifest is DIGEST, and oci-image-tool validates the layout. Without
# --cert-dir, TLS verification is off (plain-HTTP registries).
# Exports VERIFIED_LAYOUT (the layout) and VERIFIED_INSPECT (skopeo's JSON).
verify_pushed() {
  local ref=$1 digest=$2 inspect=() copy=() tls=0 dir
  shift 2
  while (($#)); do
    case $1 in
    --cert-dir) inspect+=(--cert-dir "$2") copy+=(--src-cert-dir "$2") tls=1 && shift ;;
    --creds) inspect+=(--creds "$2") copy+=(--src-creds "$2") && shift ;;
    *) fail "verify_pushed: unknown option '$1'" ;;
    esac
    shift
  done
  ((tls)) || inspect+=(--tls-verify=false) copy+=(--src-tls-verify=false)
  _RT_N=$((_RT_N + 1))
  dir=$T/verified-$_RT_N
  VERIFIED_INSPECT=$(skopeo inspect --no-tags "${inspect[@]}" "docker://$ref") ||
    fail "skopeo inspect docker://$ref failed"
  assert_eq "$digest" "$(jq -r .Digest <<<"$VERIFIED_INSPECT")" "skopeo inspect digest of $ref"
  skopeo copy -q --insecure-policy "${copy[@]}" "docker://$ref" "oci:$dir:verify" ||
    fail "skopeo copy docker://$ref oci:$dir failed"
  assert_eq "$digest" "$(jq -r '.manifests[0].digest' "$dir/index.json")" "manifest skopeo pulled from $ref"
  oci-image-tool validate --type image --ref name=verify "$dir" >/dev/null ||
    fail "oci-image-tool rejects $ref"
  VERIFIED_LAYOUT=$dir
  export VERIFIED_LAYOUT VERIFIED_INSPECT
}

# error_line EXPECTED_PREFIX [WHAT] : the failure is one "release-tool: error: " line,
# the last of $ERR (retries may be logged before it), and it starts with
# "release-tool: error: EXPECTED_PREFIX". Sets ERROR_LINE.
error_line() {
  assert_eq 1 "$(grep -c '^release-tool: error: ' <<<"$ERR")" "${2:-} one error line in:"$'\n'"$ERR"
  ERROR_LINE=$(tail -n 1 <<<"$ERR")
  [[ $ERROR_LINE == "release-tool: error: $1"* ]] ||
    fail "${2:-}: the last line of stderr does not start with 'release-tool: error: $1':"$'\n'"$ERR"
}

# last_line TEXT : its last line (release-tool prints the digest last).
last_line() { tail -n 1 <<<"$1"; }

# proxy_log [JQ_CONDITION] : one line per request the proxy saw (only those for
# which the condition holds, evaluated with the path's %3A and %2F decoded):
# "METHOD PATH STATUS BODY_BYTES", the upload's _state left out of the path.
proxy_log() {
  jq -r "(.path |= (gsub(\"%3A\"; \":\") | gsub(\"%2F\"; \"/\"))) | select(${1:-true})
    | \"\\(.method) \\(.path | sub(\"_state=[^&]*&?\"; \"\")) \\(.status) \\(.body_bytes)\"" "$PROXY_LOG"
}

# uploaded_digests : the digests whose blob PUT the registry accepted (201), sorted.
uploaded_digests() {
  jq -r 'select(.method == "PUT" and .blob_upload and .status == 201) | .path
    | capture("digest=(?<d>sha256(:|%3A)[0-9a-f]{64})").d | sub("%3A"; ":")' "$PROXY_LOG" | sort
}

# blob_upload_bytes : request body bytes of every blob upload (PUT/PATCH) the proxy saw.
blob_upload_bytes() {
  jq -s '[.[] | select(.blob_upload) | .body_bytes] | add // 0' "$PROXY_LOG"
}

# registry_has_blob DIGEST : true when the registry's storage ($REG_DIR) holds the blob.
registry_has_blob() {
  local hex=${1#sha256:}
  [[ -f $REG_DIR/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data ]]
}

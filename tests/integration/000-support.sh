#!/usr/bin/env bash
# Self-test of tests/support: every server the integration tests rely on, checked
# with independent clients (curl, skopeo, umoci, openssl) — never with release-tool,
# so a failure here means the test infrastructure is broken, not the product.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup --no-bin # this test never runs release-tool

# http_code METHOD URL [CURL_ARGS...] : status code only; headers in $T/h, body in $T/b.
http_code() {
  local method=$1 url=$2
  shift 2
  curl -s -X "$method" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$url"
}
header() { # NAME : value of a response header from the last http_code call
  grep -i "^$1:" "$T/h" | tail -n 1 | cut -d' ' -f2- | tr -d '\r'
}
sha256() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# push_blob BASE_URL REPO FILE [CURL_ARGS...] : POST then PUT (the registry ignores
# single-request POST ?digest=). Prints the PUT's status code.
push_blob() {
  local base=$1 repo=$2 file=$3 code loc
  shift 3
  code=$(http_code POST "$base/v2/$repo/blobs/uploads/" "$@")
  [[ $code == 202 ]] || { echo "POST:$code"; return 0; }
  loc=$(header Location)
  [[ $loc == http* ]] || loc=$base$loc
  http_code PUT "$loc&digest=$(sha256 "$file")" --data-binary "@$file" \
    -H "Content-Type: application/octet-stream" "$@"
}

# jwt_claims JWT : the decoded claims (the middle part), for checking granted access.
jwt_claims() {
  "$RT_PYTHON" -c 'import base64, sys; p = sys.argv[1].split(".")[1]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1"
}

head -c 300000 /dev/urandom >"$T/blob.bin"
BLOB_DIGEST=$(sha256 "$T/blob.bin")

# A tiny OCI image, made by umoci, for the real-client (skopeo) checks.
umoci init --layout "$T/oci" >/dev/null
umoci new --image "$T/oci:latest" >/dev/null

# --- plain registry, restart with the same storage ------------------------------
start_registry
assert_eq 200 "$(http_code GET "$REG_URL/v2/")" "plain /v2/"
assert_eq registry/2.0 "$(header Docker-Distribution-Api-Version)" "API version header"
assert_eq 201 "$(push_blob "$REG_URL" t/plain "$T/blob.bin")" "blob push"
assert_eq 200 "$(http_code HEAD "$REG_URL/v2/t/plain/blobs/$BLOB_DIGEST" -I)" "blob present"
assert_exit 0 skopeo copy --insecure-policy --dest-tls-verify=false "oci:$T/oci:latest" "docker://$REG/t/img:1"
assert_exit 0 skopeo inspect --raw --tls-verify=false "docker://$REG/t/img:1"
assert_contains "$OUT" '"schemaVersion":2' "skopeo reads back the manifest"
# Kill the registry in the middle of a chunked upload; the upload resumes after a
# restart (same storage, same http.secret, so the upload URL stays valid).
head -c 100000 "$T/blob.bin" >"$T/part1"
tail -c +100001 "$T/blob.bin" >"$T/part2"
http_code POST "$REG_URL/v2/t/resume/blobs/uploads/" >/dev/null
assert_eq 202 "$(http_code PATCH "$(header Location)" -H "Content-Type: application/octet-stream" \
  -H "Content-Range: 0-99999" --data-binary "@$T/part1")" "first chunk"
LOC=$(header Location)
OLD_PID=$REG_PID
stop_registry --kill
assert_exit 7 curl -s "$REG_URL/v2/" # connection refused: it is really down
restart_registry
assert_ne "$OLD_PID" "$REG_PID" "restart starts a new process"
assert_eq 200 "$(http_code HEAD "$REG_URL/v2/t/plain/blobs/$BLOB_DIGEST" -I)" "blob survives restart"
assert_eq 204 "$(http_code GET "$LOC")" "upload status after restart"
assert_eq 0-99999 "$(header Range)" "upload offset kept"
assert_eq 201 "$(http_code PUT "$LOC&digest=$BLOB_DIGEST" -H "Content-Type: application/octet-stream" \
  --data-binary "@$T/part2")" "upload finished after restart"
PLAIN_REG=$REG PLAIN_URL=$REG_URL
pass "plain registry"

# --- TLS ------------------------------------------------------------------------
start_registry --tls
[[ -f $REG_CA && -f $REG_CERT_DIR/ca.crt ]] || fail "REG_CA/REG_CERT_DIR not made"
assert_exit 60 curl -s "$REG_URL/v2/" # 60: certificate not trusted
assert_exit 0 curl -s -sS --cacert "$REG_CA" -o /dev/null -w '%{http_version} %{http_code}' "$REG_URL/v2/"
assert_eq "2 200" "$OUT" "TLS registry over HTTP/2 with the CA"
assert_exit 0 curl -sS --cacert "$REG_CA" -o /dev/null "https://localhost:${REG##*:}/v2/"
assert_exit 0 skopeo copy --insecure-policy --dest-cert-dir "$REG_CERT_DIR" "oci:$T/oci:latest" "docker://$REG/t/img:1"
# Token auth over TLS: the realm is https too, with the same CA.
start_registry --tls --token
assert_contains "$TOKEN_URL" "https://127.0.0.1:" "TLS token realm"
assert_exit 0 skopeo copy --insecure-policy --dest-cert-dir "$REG_CERT_DIR" --dest-creds pusher:pushpass \
  "oci:$T/oci:latest" "docker://$REG/t/img:1"
pass "TLS registry"

# --- htpasswd ---------------------------------------------------------------------
start_registry --htpasswd alice:s3cret
assert_eq 401 "$(http_code GET "$REG_URL/v2/")" "htpasswd: anonymous"
assert_contains "$(header WWW-Authenticate)" 'Basic realm=' "htpasswd challenge"
assert_eq 200 "$(http_code GET "$REG_URL/v2/" -u "$REG_USER:$REG_PASS")" "htpasswd: right password"
assert_eq 401 "$(http_code GET "$REG_URL/v2/" -u alice:wrong)" "htpasswd: wrong password"
assert_eq 201 "$(push_blob "$REG_URL" t/auth "$T/blob.bin" -u alice:s3cret)" "htpasswd: push"
pass "htpasswd registry"

# --- token auth -------------------------------------------------------------------
start_registry --token
assert_eq 401 "$(http_code GET "$REG_URL/v2/")" "token: anonymous /v2/"
assert_eq "Bearer realm=\"$TOKEN_URL\",service=\"$TOKEN_SERVICE\"" "$(header WWW-Authenticate)" "token challenge"
SCOPE="service=$TOKEN_SERVICE&scope=repository:t/tok:pull,push"
assert_eq 401 "$(http_code GET "$TOKEN_URL?$SCOPE" -u pusher:wrong)" "token server: wrong password"

http_code GET "$TOKEN_URL?$SCOPE" -u pusher:pushpass >/dev/null
PUSH_TOKEN=$(jq -r .token "$T/b")
assert_eq '[{"type":"repository","name":"t/tok","actions":["pull","push"]}]' \
  "$(jwt_claims "$PUSH_TOKEN" | jq -c .access)" "pusher gets pull,push"
assert_eq 201 "$(push_blob "$REG_URL" t/tok "$T/blob.bin" -H "Authorization: Bearer $PUSH_TOKEN")" "token: push"

http_code GET "$TOKEN_URL?$SCOPE" -u puller:pullpass >/dev/null
PULL_TOKEN=$(jq -r .access_token "$T/b")
assert_eq '["pull"]' "$(jwt_claims "$PULL_TOKEN" | jq -c '.access[0].actions')" "puller gets only pull"
assert_eq POST:401 "$(push_blob "$REG_URL" t/tok "$T/blob.bin" -H "Authorization: Bearer $PULL_TOKEN")" "puller cannot push"
assert_contains "$(header WWW-Authenticate)" 'error="insufficient_scope"' "registry says why"
assert_eq 200 "$(http_code HEAD "$REG_URL/v2/t/tok/blobs/$BLOB_DIGEST" -I -H "Authorization: Bearer $PULL_TOKEN")" "puller can pull"

http_code GET "$TOKEN_URL?$SCOPE" >/dev/null
ANON_TOKEN=$(jq -r .token "$T/b")
assert_eq '[]' "$(jwt_claims "$ANON_TOKEN" | jq -c .access)" "anonymous gets nothing"
assert_eq 401 "$(http_code HEAD "$REG_URL/v2/t/tok/blobs/$BLOB_DIGEST" -I -H "Authorization: Bearer $ANON_TOKEN")" "anonymous cannot pull"

# OAuth2 (identitytoken) flow: password grant with access_type=offline, then refresh.
http_code POST "$TOKEN_URL" -d grant_type=password -d username=pusher -d password=pushpass \
  -d access_type=offline -d client_id=rt-test -d "service=$TOKEN_SERVICE" \
  -d "scope=repository:t/tok:pull,push" >/dev/null
REFRESH=$(jq -r .refresh_token "$T/b")
[[ $REFRESH != null && -n $REFRESH ]] || fail "no refresh_token from the password grant: $(<"$T/b")"
assert_eq 401 "$(http_code POST "$TOKEN_URL" -d grant_type=refresh_token -d refresh_token=bogus -d "service=$TOKEN_SERVICE")" "bogus refresh token"
assert_eq 200 "$(http_code POST "$TOKEN_URL" -d grant_type=refresh_token -d "refresh_token=$REFRESH" \
  -d client_id=rt-test -d "service=$TOKEN_SERVICE" -d "scope=repository:t/tok2:pull,push")" "refresh grant"
assert_eq 201 "$(push_blob "$REG_URL" t/tok2 "$T/blob.bin" -H "Authorization: Bearer $(jq -r .access_token "$T/b")")" "push with refreshed token"

# A real client through the whole challenge/token dance.
assert_exit 0 skopeo copy --insecure-policy --dest-tls-verify=false --dest-creds pusher:pushpass \
  "oci:$T/oci:latest" "docker://$REG/t/img:1"
assert_exit 1 skopeo copy --insecure-policy --dest-tls-verify=false --dest-creds puller:pullpass \
  "oci:$T/oci:latest" "docker://$REG/t/img:2"
assert_exit 0 skopeo inspect --raw --tls-verify=false --creds puller:pullpass "docker://$REG/t/img:1"
assert_eq 0 "$(grep -c -e pushpass -e pullpass "$TOKEN_LOG" || true)" "token log has no passwords"
pass "token registry"

# --- fake GitHub --------------------------------------------------------------------
mkdir -p "$T/gh"
head -c 200000 /dev/urandom >"$T/gh/lana-cli"
echo old >"$T/gh/old.bin"
echo tampered >"$T/gh/tampered.bin"
SHA=0123456789abcdef0123456789abcdef01234567
cat >"$T/gh/config.json" <<EOF
{
  "tokens": ["ghp_test"],
  "repos": {
    "GaloyMoney/lana-bank": {
      "private": true,
      "tags": {"0.1.0": "$SHA"},
      "commits": {"$SHA": {"date": "2024-05-01T10:20:30Z"}},
      "releases": [{"tag": "0.1.0", "published_at": "2024-05-02T00:00:00Z", "assets": [
        {"name": "lana-cli", "file": "lana-cli"},
        {"name": "old.bin", "file": "old.bin", "digest": "omit"},
        {"name": "tampered.bin", "file": "tampered.bin",
         "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}]
    }
  }
}
EOF
start_fake_github "$T/gh/config.json"
REL=$GITHUB_API_URL/repos/GaloyMoney/lana-bank/releases/tags/0.1.0
AUTH=(-H "Authorization: Bearer ghp_test")
assert_eq 404 "$(http_code GET "$REL")" "private repo without a token"
assert_eq "Not Found" "$(jq -r .message "$T/b")" "GitHub's 404 body"
assert_eq 401 "$(http_code GET "$REL" -H "Authorization: token nope")" "bad token"
assert_eq 403 "$(http_code GET "$REL" "${AUTH[@]}" -A '')" "no User-Agent"
assert_eq 200 "$(http_code GET "$REL" -H "Authorization: token ghp_test")" "release with a token"
assert_eq 0.1.0 "$(jq -r .tag_name "$T/b")" "tag_name"
assert_eq "$(stat -c %s "$T/gh/lana-cli")" "$(jq -r '.assets[0].size' "$T/b")" "asset size"
assert_eq "$(sha256 "$T/gh/lana-cli")" "$(jq -r '.assets[0].digest' "$T/b")" "asset digest"
assert_eq false "$(jq '.assets[1] | has("digest")' "$T/b")" "old asset has no digest"
assert_ne "$(sha256 "$T/gh/tampered.bin")" "$(jq -r '.assets[2].digest' "$T/b")" "tampered digest lies"
ASSET_URL=$(jq -r '.assets[0].url' "$T/b")

assert_eq 200 "$(http_code GET "$ASSET_URL" "${AUTH[@]}")" "asset JSON without octet-stream"
assert_eq lana-cli "$(jq -r .name "$T/b")" "asset JSON name"
assert_eq 302 "$(http_code GET "$ASSET_URL" "${AUTH[@]}" -H "Accept: application/octet-stream")" "asset download redirects"
LOCATION=$(header Location)
assert_contains "$LOCATION" "$GH_STORAGE_URL/" "redirect goes to the storage port"
assert_exit 0 curl -sSfL "${AUTH[@]}" -H "Accept: application/octet-stream" -o "$T/dl" "$ASSET_URL"
cmp -s "$T/dl" "$T/gh/lana-cli" || fail "downloaded bytes differ"
assert_eq false "$(tail -n 1 "$GH_STORAGE_LOG" | jq '.headers | with_entries(.key |= ascii_downcase) | has("authorization")')" "curl kept Authorization off the storage host"
# The storage log must record headers (it is how tests catch a leak), and storage
# rejects a request carrying Authorization, as presigned storage does.
assert_eq 400 "$(http_code GET "$LOCATION" -H "Authorization: Bearer leaked")" "storage refuses Authorization"
assert_eq "Bearer leaked" "$(tail -n 1 "$GH_STORAGE_LOG" | jq -r .headers.Authorization)" "storage log records headers"
assert_eq 403 "$(http_code GET "${LOCATION/sig=/sig=0}")" "storage checks the signature"
assert_eq 206 "$(http_code GET "$LOCATION" -r 10-19)" "range request"
cmp -s "$T/b" <(tail -c +11 "$T/gh/lana-cli" | head -c 10) || fail "range bytes differ"

assert_eq 200 "$(http_code GET "$GITHUB_API_URL/repos/GaloyMoney/lana-bank/commits/0.1.0" "${AUTH[@]}")" "commit by tag"
assert_eq "$SHA 2024-05-01T10:20:30Z" "$(jq -r '"\(.sha) \(.commit.committer.date)"' "$T/b")" "commit sha and date"
assert_eq 422 "$(http_code GET "$GITHUB_API_URL/repos/GaloyMoney/lana-bank/commits/nope" "${AUTH[@]}")" "unknown ref"
assert_eq 200 "$(http_code GET "$GITHUB_API_URL/repos/GaloyMoney/lana-bank/git/ref/tags/0.1.0" "${AUTH[@]}")" "tag ref"
assert_eq "commit $SHA" "$(jq -r '"\(.object.type) \(.object.sha)"' "$T/b")" "tag ref object"
assert_eq 404 "$(http_code GET "$GITHUB_API_URL/repos/GaloyMoney/lana-bank/releases/tags/9.9.9" "${AUTH[@]}")" "unknown release"
assert_contains "$(<"$GH_API_LOG")" '"path": "/repos/GaloyMoney/lana-bank/releases/tags/0.1.0"' "API log"

start_fake_github "$T/gh/config.json" --rate-limit 2
REL=$GITHUB_API_URL/repos/GaloyMoney/lana-bank/releases/tags/0.1.0
for i in 1 2; do
  assert_eq 403 "$(http_code GET "$REL" "${AUTH[@]}")" "rate limited request $i"
  assert_eq 0 "$(header X-RateLimit-Remaining)" "X-RateLimit-Remaining"
  (($(header X-RateLimit-Reset) >= $(date +%s))) || fail "X-RateLimit-Reset not in the future"
  assert_contains "$(jq -r .message "$T/b")" "API rate limit exceeded for" "rate limit body"
done
assert_eq 200 "$(http_code GET "$REL" "${AUTH[@]}")" "after the rate limit"
start_fake_github "$T/gh/config.json" --rate-limit 1 --rate-limit-status 429
REL=$GITHUB_API_URL/repos/GaloyMoney/lana-bank/releases/tags/0.1.0
assert_eq 429 "$(http_code GET "$REL" "${AUTH[@]}")" "429 rate limit"
assert_eq 1 "$(header Retry-After)" "Retry-After"
assert_eq 200 "$(http_code GET "$REL" "${AUTH[@]}")" "after the 429"
pass "fake GitHub"

# --- fault proxy ----------------------------------------------------------------------
cat >"$T/rules.json" <<'EOF'
{"rules": [
  {"method": "PUT", "path_re": "/blobs/uploads/", "nth": [1], "status": 500},
  {"method": "HEAD", "path_re": "/blobs/", "nth": [1], "status": 429, "retry_after": 1}
]}
EOF
REG=$PLAIN_REG REG_URL=$PLAIN_URL
start_fault_proxy "$T/rules.json"
assert_eq 202 "$(http_code POST "$PROXY_URL/v2/t/proxied/blobs/uploads/")" "POST through the proxy"
assert_contains "$(header Location)" "http://$PROXY/v2/t/proxied/blobs/uploads/" "Location rewritten to the proxy"
assert_eq 500 "$(push_blob "$PROXY_URL" t/proxied "$T/blob.bin")" "injected 500 on the first PUT"
assert_eq 201 "$(push_blob "$PROXY_URL" t/proxied "$T/blob.bin")" "second PUT passes"
assert_eq 429 "$(http_code HEAD "$PROXY_URL/v2/t/proxied/blobs/$BLOB_DIGEST" -I)" "injected 429"
assert_eq 1 "$(header Retry-After)" "injected Retry-After"
assert_eq 200 "$(http_code HEAD "$PROXY_URL/v2/t/proxied/blobs/$BLOB_DIGEST" -I)" "HEAD passes after"
assert_eq 200 "$(http_code GET "$PROXY_URL/v2/t/proxied/blobs/$BLOB_DIGEST")" "GET blob through the proxy"
cmp -s "$T/b" "$T/blob.bin" || fail "blob bytes differ through the proxy"
# Chunked request body (no Content-Length), as some clients stream uploads.
http_code POST "$PROXY_URL/v2/t/chunked/blobs/uploads/" >/dev/null
LOC=$(header Location)
assert_eq 202 "$(http_code PATCH "$LOC" -H "Transfer-Encoding: chunked" \
  -H "Content-Type: application/octet-stream" --data-binary "@$T/blob.bin")" "chunked PATCH"
LOC=$(header Location)
assert_eq 201 "$(http_code PUT "$LOC&digest=$BLOB_DIGEST")" "PUT closing a chunked upload"

SIZE=$(stat -c %s "$T/blob.bin")
assert_eq "500 false 0 $SIZE" "$(jq -rs '[.[] | select(.method == "PUT")][0] | "\(.status) \(.forwarded) \(.fault) \(.body_bytes)"' "$PROXY_LOG")" "log: injected PUT, body read not forwarded"
assert_eq "201 true $SIZE" "$(jq -rs '[.[] | select(.method == "PUT")][1] | "\(.status) \(.forwarded) \(.body_bytes)"' "$PROXY_LOG")" "log: forwarded PUT"
assert_eq "$((3 * SIZE))" "$(jq -s '[.[] | select(.blob_upload) | .body_bytes] | add' "$PROXY_LOG")" "log: blob upload bytes"

# A real client through the proxy; the log shows the manifest PUT after its blobs.
assert_exit 0 skopeo copy --insecure-policy --dest-tls-verify=false "oci:$T/oci:latest" "docker://$PROXY/t/viaproxy:1"
assert_eq "PUT /v2/t/viaproxy/manifests/1 201" \
  "$(jq -rs '[.[] | select(.path | contains("viaproxy"))] | last | "\(.method) \(.path) \(.status)"' "$PROXY_LOG")" "manifest PUT last"
assert_eq 1 "$(jq -s '[.[] | select(.blob_upload and (.path | contains("viaproxy")) and .method == "PUT" and .status == 201)] | length' "$PROXY_LOG")" "config blob PUT through the proxy"

# Rules are re-read when the file changes: a dropped connection (a crash mid-request).
echo '{"rules": [{"method": "GET", "path_re": "^/v2/$", "drop": true}]}' >"$T/rules.json"
assert_exit 52 curl -s "$PROXY_URL/v2/" # 52: empty reply from server
assert_eq dropped "$(tail -n 1 "$PROXY_LOG" | jq -r .status)" "log: dropped"
pass "fault proxy"

# --- helpers themselves -----------------------------------------------------------------
printf '#include <stdio.h>\nint main(void) { puts("static ok"); return 0; }\n' >"$T/hello.c"
make_static_binary "$T/hello.c" "$T/hello"
assert_exit 0 "$T/hello"
assert_eq "static ok" "$OUT" "static binary runs"
readelf -l "$T/hello" | grep -q "program interpreter" && fail "make_static_binary made a dynamic binary"
# A failing assertion must fail the test and name the test's line, not lib.sh's.
printf '%s\n' "source '$RT_SUPPORT_DIR/lib.sh'" "assert_eq a b self-check" >"$T/check1.sh"
assert_exit 1 bash "$T/check1.sh"
assert_contains "$ERR" "FAIL: assert_eq self-check" "assertion message"
assert_contains "$ERR" "(at $T/check1.sh:2)" "assertion location"
# Under set -e a plain failing command is reported too, and cleanup still runs.
printf '%s\n' "set -euo pipefail" "source '$RT_SUPPORT_DIR/lib.sh'" "rt_setup --no-bin" "echo \"\$T\" >'$T/check2.T'" \
  "start_fake_github '$T/gh/config.json'" "echo \$GH_PID >'$T/check2.pid'" "false" >"$T/check2.sh"
assert_exit 1 bash "$T/check2.sh"
assert_contains "$ERR" "FAIL: command exited 1: false (at $T/check2.sh:7)" "set -e failure location"
[[ ! -e $(<"$T/check2.T") ]] || fail "cleanup did not remove \$T"
sleep 0.2
! kill -0 "$(<"$T/check2.pid")" 2>/dev/null || fail "cleanup left a server running"
pass "000-support"

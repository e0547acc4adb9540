#!/usr/bin/env bash
# Registries over TLS with a private CA made by openssl (docker-registry speaks
# HTTP/2 there). Loopback registries may use plain HTTP, but their TLS is verified
# like anyone's: no CA (or the wrong one) is a TLS error naming the host, exit 1,
# and never a silent fall back to plain HTTP. Then the ways to trust the CA:
# --ca-cert, docker's certs.d/HOST:PORT/ca.crt (RT_DOCKER_CERTS_DIR stands in for
# /etc/docker/certs.d), and --insecure-registry without any CA; push, pull and FROM;
# token auth whose realm is on TLS too; the system's CAs from SSL_CERT_FILE and
# SSL_CERT_DIR (as OpenSSL and Go read them). skopeo reads every image back with the CA.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

mkdir -p "$T/ctx"
printf 'over TLS\n' >"$T/ctx/a.txt"
det_bytes tls 300000 >"$T/ctx/b.bin"
printf 'FROM scratch\nCOPY a.txt b.bin /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")

start_registry --tls
PORT=${REG##*:}
# Another CA, which did not sign the registry's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/other.key" \
  -out "$T/other-ca.pem" -days 2 -subj "/CN=some other CA" 2>/dev/null

# --- failure cases ------------------------------------------------------------------------
for verb in push pull; do
  if [[ $verb == push ]]; then
    assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/a:1"
    error_line "pushing to docker://$REG/tls/a:1: TLS connection to $REG failed" "$verb without the CA"
  else
    assert_exit 1 "$RT_BIN" copy "docker://$REG/tls/a:1" "oci:$T/pulled"
    error_line "reading docker://$REG/tls/a:1: TLS connection to $REG failed" "$verb without the CA"
  fi
  assert_contains "$ERR" "certificate" "$verb: the reason"
  assert_contains "$ERR" "--ca-cert" "$verb: the advice"
  assert_contains "$ERR" "--insecure-registry $REG" "$verb: the advice"
  assert_not_contains "$ERR" "http://" "$verb: no fall back to plain HTTP"
done
assert_exit 1 "$RT_BIN" assemble --output "docker://localhost:$PORT/tls/a:1" "$T/ctx"
assert_contains "$ERR" "TLS connection to localhost:$PORT failed" "localhost is verified too"
printf 'FROM %s/tls/a:1\n' "$REG" >"$T/from.Dockerfile"
assert_exit 1 "$RT_BIN" assemble -f "$T/from.Dockerfile" --output "oci:$T/from" "$T/ctx"
assert_contains "$ERR" "TLS connection to $REG failed" "FROM without the CA"
assert_exit 1 "$RT_BIN" copy --ca-cert "$T/other-ca.pem" "oci:$T/layout:1" "docker://$REG/tls/a:1"
assert_contains "$ERR" "TLS connection to $REG failed" "the wrong CA"
# A CA in certs.d under another port does not apply.
mkdir -p "$T/certs.d/127.0.0.1:1"
cp "$REG_CA" "$T/certs.d/127.0.0.1:1/ca.crt"
RT_DOCKER_CERTS_DIR=$T/certs.d assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/a:1"
assert_contains "$ERR" "$T/certs.d/$REG/ca.crt" "the advice names the certs.d file to create"
assert_exit 2 "$RT_BIN" copy --ca-cert "$T/no-such.pem" "oci:$T/layout:1" "docker://$REG/tls/a:1"
assert_contains "$ERR" "no-such.pem"
# Nothing was stored.
[[ ! -d $REG_DIR/docker/registry/v2/repositories ]] || fail "something was pushed"
[[ ! -e $T/pulled && ! -e $T/from ]] || fail "a failed pull left an output"
pass "failure cases"

# --- --ca-cert -------------------------------------------------------------------------------
assert_exit 0 "$RT_BIN" copy --ca-cert "$REG_CA" "oci:$T/layout:1" "docker://$REG/tls/a:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "copy --ca-cert"
verify_pushed "$REG/tls/a:1" "$DIGEST" --cert-dir "$REG_CERT_DIR"
assert_contains "$(<"$REG_LOG")" '"PUT /v2/tls/a/manifests/1 HTTP/2.0" 201' "pushed over HTTP/2"
assert_exit 0 "$RT_BIN" assemble --ca-cert "$REG_CA" --output "docker://localhost:$PORT/tls/b:1" "$T/ctx"
assert_eq "$DIGEST" "$(last_line "$OUT")" "assemble --ca-cert to localhost:$PORT"
verify_pushed "localhost:$PORT/tls/b:1" "$DIGEST" --cert-dir "$REG_CERT_DIR"
# Pull, and FROM, over TLS.
assert_exit 0 "$RT_BIN" copy --ca-cert "$REG_CA" "docker://$REG/tls/a:1" "oci:$T/pulled:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pulled digest"
oci-image-tool validate --type image --ref name=1 "$T/pulled" >/dev/null
printf 'FROM %s/tls/a:1\nCOPY a.txt /again.txt\n' "$REG" >"$T/from.Dockerfile"
assert_exit 0 "$RT_BIN" assemble --ca-cert "$REG_CA" -f "$T/from.Dockerfile" \
  --output "docker://$REG/tls/from:1" "$T/ctx"
verify_pushed "$REG/tls/from:1" "$(last_line "$OUT")" --cert-dir "$REG_CERT_DIR"
assert_eq 2 "$(jq '.Layers | length' <<<"$VERIFIED_INSPECT")" "FROM over TLS"
pass "--ca-cert"

# --- docker's certs.d -------------------------------------------------------------------------
mkdir -p "$T/certs.d/$REG"
cp "$REG_CA" "$T/certs.d/$REG/ca.crt"
RT_DOCKER_CERTS_DIR=$T/certs.d assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/certsd:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "certs.d"
verify_pushed "$REG/tls/certsd:1" "$DIGEST" --cert-dir "$REG_CERT_DIR"
pass "certs.d/$REG/ca.crt"

# --- the system's CAs: SSL_CERT_FILE, SSL_CERT_DIR ------------------------------------------------
# As OpenSSL and Go read them: the CA bundle (here the system's plus the test CA,
# so the ~140 certificates are parsed as in production) and hashed directories.
cat /etc/ssl/certs/ca-certificates.crt "$REG_CA" >"$T/bundle.pem"
SSL_CERT_FILE=$T/bundle.pem assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/sys:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "copy with the CA in SSL_CERT_FILE"
mkdir -p "$T/cadir"
cp "$REG_CA" "$T/cadir/test-ca.pem"
openssl rehash "$T/cadir" 2>/dev/null
SSL_CERT_FILE=/dev/null SSL_CERT_DIR=/nonexistent:$T/cadir \
  assert_exit 0 "$RT_BIN" copy "docker://$REG/tls/sys:1" "oci:$T/pulled-sys:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pull with the CA in a directory of SSL_CERT_DIR"
SSL_CERT_FILE=$T/other-ca.pem SSL_CERT_DIR=$T/empty assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/sys:2"
assert_contains "$ERR" "TLS connection to $REG failed" "SSL_CERT_FILE replaces the system's bundle"
pass "SSL_CERT_FILE and SSL_CERT_DIR"

# --- --insecure-registry: TLS without verification ------------------------------------------------
assert_exit 0 "$RT_BIN" copy --insecure-registry "$REG" "oci:$T/layout:1" "docker://$REG/tls/insecure:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "--insecure-registry HOST:PORT"
verify_pushed "$REG/tls/insecure:1" "$DIGEST" --cert-dir "$REG_CERT_DIR"
# A host without a port covers every port.
assert_exit 0 "$RT_BIN" copy --insecure-registry 127.0.0.1 "docker://$REG/tls/insecure:1" "oci:$T/insecure:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "--insecure-registry HOST"
# It is still TLS (HTTP/2 is only spoken over TLS here), not plain HTTP.
assert_contains "$(<"$REG_LOG")" '"PUT /v2/tls/insecure/manifests/1 HTTP/2.0" 201' "over TLS"
pass "--insecure-registry"

# --- token auth with the realm on TLS too ---------------------------------------------------------
start_registry --tls --token
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf pusher:pushpass | base64)" >"$DOCKER_CONFIG/config.json"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tls/tok:1"
assert_contains "$ERR" "TLS connection to $REG failed" "token registry without the CA"
assert_exit 0 "$RT_BIN" copy --ca-cert "$REG_CA" "oci:$T/layout:1" "docker://$REG/tls/tok:1"
verify_pushed "$REG/tls/tok:1" "$DIGEST" --cert-dir "$REG_CERT_DIR" --creds pusher:pushpass
assert_contains "$(<"$TOKEN_LOG")" '"user": "pusher"' "a token was issued over TLS"
pass "token realm over TLS"

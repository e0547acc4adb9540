#!/usr/bin/env bash
# distribution's token auth (Bearer challenge, realm/service/scope) with the test
# token server (tests/support/token_server.py), which grants the intersection of
# the scopes asked for and the user's rights. Failures first: anonymous, a wrong
# password, a pull-only user pushing (exit 1, clear message); then the pusher
# pushes, the puller pulls, an OAuth2 identitytoken (refresh token) works, and
# anonymous pull where the registry allows it. No token, password or refresh token
# appears in any output, even with -v; tokens are cached per scope.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

start_registry --token
mkdir -p "$T/ctx"
printf 'token auth\n' >"$T/ctx/a.txt"
det_bytes token 200000 >"$T/ctx/b.bin"
printf 'FROM scratch\nCOPY a.txt /\nCOPY b.bin /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")

login() { # USER PASS : config.json with that user's credentials for $REG
  printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf '%s:%s' "$1" "$2" | base64 -w0)" >"$DOCKER_CONFIG/config.json"
}
# no_secrets WHAT [EXTRA...] : no password, no JWT (header.claims) and none of
# EXTRA in the last command's stdout or stderr.
no_secrets() {
  local what=$1 s
  shift
  for s in pushpass pullpass wrongpass "$@"; do
    assert_not_contains "$OUT$ERR" "$s" "$what: a secret was printed"
  done
  if grep -Eq 'eyJ[A-Za-z0-9_-]{8,}\.eyJ' <<<"$OUT$ERR"; then fail "$what: a token was printed"; fi
}

# --- failure cases ---------------------------------------------------------------------------
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tok/a:1"
assert_contains "$ERR" "authentication required" "anonymous push"
assert_contains "$ERR" "no credentials for $REG were found" "anonymous: the hint"
login pusher wrongpass
assert_exit 1 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/tok/a:1"
assert_contains "$ERR" "release-tool: error: " "wrong password"
assert_contains "$ERR" "incorrect username or password" "the token server's reason"
no_secrets "wrong password -v"
assert_exit 1 "$RT_BIN" copy "docker://$REG/tok/a:1" "oci:$T/none"
assert_contains "$ERR" "incorrect username or password" "wrong password, pull"
# A pull-only user cannot push: its token grants pull only, and the registry says so.
login puller pullpass
assert_exit 1 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/tok/a:1"
error_line "pushing to docker://$REG/tok/a:1: authentication required" "puller pushing"
assert_contains "$ERR" "insufficient_scope: the credentials for $REG do not grant repository:tok/a:pull,push" "why"
no_secrets "puller pushing -v"
assert_eq '[["pull"]]' "$(jq -sc '[.[] | select(.user == "puller") | .granted[] | select(.name == "tok/a") | .actions] | unique' "$TOKEN_LOG")" \
  "the puller asked for push and was granted pull only"
[[ ! -d $REG_DIR/docker/registry/v2/repositories ]] || fail "something was pushed"
[[ ! -e $T/none ]] || fail "a failed pull left an output"
pass "failure cases"

# --- the pusher pushes -------------------------------------------------------------------------
login pusher pushpass
: >"$TOKEN_LOG"
# One blob at a time, so that the token cache is not raced by parallel uploads.
assert_exit 0 "$RT_BIN" -v copy --jobs 1 "oci:$T/layout:1" "docker://$REG/tok/a:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pusher pushes"
no_secrets "push -v"
assert_contains "$ERR" "(Authorization: Bearer ***)" "-v shows a Bearer token was sent, masked"
# Tokens are cached per scope: one push of 3 blobs and 2 manifests asks the token
# server once for pull (the HEADs before pushing) and once for pull,push.
assert_eq '[["repository","tok/a",["pull"]]]
[["repository","tok/a",["pull","push"]]]' "$(jq -c .requested "$TOKEN_LOG")" "one token per scope, in order"
verify_pushed "$REG/tok/a:1" "$DIGEST" --creds pusher:pushpass
pass "pusher: push"

# --- the puller pulls, and builds FROM the image -------------------------------------------------
login puller pullpass
assert_exit 0 "$RT_BIN" -v copy "docker://$REG/tok/a:1" "oci:$T/pulled:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "puller pulls"
no_secrets "pull -v"
oci-image-tool validate --type image --ref name=1 "$T/pulled" >/dev/null
printf 'FROM %s/tok/a:1\nCOPY a.txt /again.txt\n' "$REG" >"$T/from.Dockerfile"
assert_exit 0 "$RT_BIN" assemble -f "$T/from.Dockerfile" --output "oci:$T/from:1" "$T/ctx"
oci-image-tool validate --type image --ref name=1 "$T/from" >/dev/null
pass "puller: pull and FROM"

# --- an identitytoken (OAuth2 refresh token, as docker login stores for some registries) ---------------
REFRESH=$(curl -sf "$TOKEN_URL" -d grant_type=password -d username=pusher -d password=pushpass \
  -d access_type=offline -d client_id=rt-test -d "service=$TOKEN_SERVICE" | jq -r .refresh_token)
[[ -n $REFRESH && $REFRESH != null ]] || fail "no refresh token from the token server"
printf '{"auths": {"%s": {"identitytoken": "%s"}}}\n' "$REG" "$REFRESH" >"$DOCKER_CONFIG/config.json"
assert_exit 0 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/tok/identity:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "push with an identitytoken"
no_secrets "identitytoken -v" "$REFRESH"
verify_pushed "$REG/tok/identity:1" "$DIGEST" --creds pusher:pushpass
assert_contains "$(jq -r 'select(.method == "POST") | .requested | tostring' "$TOKEN_LOG")" "tok/identity" \
  "the refresh token was exchanged with POST (OAuth2)"
printf '{"auths": {"%s": {"identitytoken": "not-a-refresh-token"}}}\n' "$REG" >"$DOCKER_CONFIG/config.json"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/tok/identity:2"
assert_contains "$ERR" "invalid refresh token" "a bad identitytoken"
no_secrets "bad identitytoken" not-a-refresh-token
pass "identitytoken"

# --- a registry with anonymous pull ---------------------------------------------------------------
rm -f "$DOCKER_CONFIG/config.json"
start_registry --token --anonymous-pull
skopeo copy -q --insecure-policy --dest-tls-verify=false --dest-creds pusher:pushpass \
  "oci:$T/layout:1" "docker://$REG/public/a:1"
assert_exit 0 "$RT_BIN" copy "docker://$REG/public/a:1" "oci:$T/anon:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "anonymous pull"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/public/b:1"
assert_contains "$ERR" "authentication required" "anonymous push"
pass "anonymous pull, no anonymous push"

#!/usr/bin/env bash
# docker credential helpers: a `docker-credential-test` script on PATH, named in
# config.json's "credHelpers" (per registry) or "credsStore" (for all), run as
# `docker-credential-test get` with the server on stdin, answering JSON. Failures
# first: a helper missing from PATH, a failing helper, one answering garbage, one
# with a wrong secret (exit 1, naming the helper; the secret never printed). Then
# pushes with credHelpers and credsStore against an htpasswd registry, checked by skopeo.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

SECRET=Helper-Secret-4a7d21
start_registry --htpasswd "helperuser:$SECRET"
mkdir -p "$T/ctx" "$T/bin"
printf 'from a helper\n' >"$T/ctx/a.txt"
printf 'FROM scratch\nCOPY a.txt /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")

# The helper: its behaviour is chosen by HELPER_MODE; every call is logged.
cat >"$T/bin/docker-credential-test" <<'EOF'
#!/bin/sh
read -r server
echo "$1 $server" >>"$HELPER_LOG"
case $HELPER_MODE in
ok) printf '{"ServerURL": "%s", "Username": "helperuser", "Secret": "%s"}\n' "$server" "$HELPER_SECRET" ;;
wrong) printf '{"ServerURL": "%s", "Username": "helperuser", "Secret": "wrong-%s"}\n' "$server" "$HELPER_SECRET" ;;
fail) echo "keyring locked: cannot read credentials" && exit 3 ;;
notfound) echo "credentials not found in native keychain" && exit 1 ;;
garbage) echo "Secret=$HELPER_SECRET (this is not JSON)" ;;
esac
EOF
chmod +x "$T/bin/docker-credential-test"
export PATH=$T/bin:$PATH HELPER_LOG=$T/helper.log HELPER_SECRET=$SECRET
: >"$HELPER_LOG"
helper_config() { # KEY VALUE : config.json naming the helper
  if [[ $1 == credsStore ]]; then
    printf '{"auths": {"%s": {}}, "credsStore": "%s"}\n' "$REG" "$2" >"$DOCKER_CONFIG/config.json"
  else
    printf '{"credHelpers": {"%s": "%s"}}\n' "$REG" "$2" >"$DOCKER_CONFIG/config.json"
  fi
}
no_secret() { assert_not_contains "$OUT$ERR" "$SECRET" "$1: the secret was printed"; }

# --- failure cases ------------------------------------------------------------------------------
helper_config credHelpers missing
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
assert_contains "$ERR" "credential helper docker-credential-missing not found on PATH" "helper not on PATH"
helper_config credHelpers test
for key in credHelpers credsStore; do
  helper_config "$key" test
  HELPER_MODE=fail assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
  assert_contains "$ERR" "credential helper docker-credential-test failed for $REG (exit status 3): keyring locked" "failing helper ($key)"
  HELPER_MODE=garbage assert_exit 1 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
  assert_contains "$ERR" "credential helper docker-credential-test answered something that is not JSON" "garbage ($key)"
  no_secret "garbage ($key)"
  HELPER_MODE=wrong assert_exit 1 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
  assert_contains "$ERR" "authentication required" "wrong secret from the helper ($key)"
  no_secret "wrong secret ($key)"
  # "credentials not found" is no error: anonymous, which this registry refuses.
  HELPER_MODE=notfound assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
  assert_contains "$ERR" "no credentials for $REG were found" "helper has nothing ($key)"
done
# A helper for another registry is not run.
printf '{"credHelpers": {"gcr.io": "test"}}\n' >"$DOCKER_CONFIG/config.json"
: >"$HELPER_LOG"
HELPER_MODE=fail assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
assert_contains "$ERR" "no credentials for $REG were found"
assert_eq "" "$(<"$HELPER_LOG")" "the gcr.io helper was not run for $REG"
[[ ! -d $REG_DIR/docker/registry/v2/repositories ]] || fail "something was pushed"
pass "failure cases"

# --- credHelpers ---------------------------------------------------------------------------------
# It takes precedence over an "auths" entry for the same registry.
printf '{"auths": {"%s": {"auth": "%s"}}, "credHelpers": {"%s": "test"}}\n' \
  "$REG" "$(printf 'helperuser:stale' | base64 -w0)" "$REG" >"$DOCKER_CONFIG/config.json"
: >"$HELPER_LOG"
HELPER_MODE=ok assert_exit 0 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/helped/a:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "push with credHelpers"
no_secret "credHelpers -v"
assert_contains "$(<"$HELPER_LOG")" "get $REG" "the helper was asked with 'get' and the registry on stdin"
verify_pushed "$REG/helped/a:1" "$DIGEST" --creds "helperuser:$SECRET"
HELPER_MODE=ok assert_exit 0 "$RT_BIN" copy "docker://$REG/helped/a:1" "oci:$T/pulled:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pull with credHelpers"
pass "credHelpers"

# --- credsStore ------------------------------------------------------------------------------------
helper_config credsStore test
: >"$HELPER_LOG"
HELPER_MODE=ok assert_exit 0 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/helped/store:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "push with credsStore"
no_secret "credsStore -v"
assert_eq "get $REG" "$(sort -u "$HELPER_LOG")" "the store was asked for $REG"
verify_pushed "$REG/helped/store:1" "$DIGEST" --creds "helperuser:$SECRET"
pass "credsStore"

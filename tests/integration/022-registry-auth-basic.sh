#!/usr/bin/env bash
# Basic auth against docker-registry's htpasswd (bcrypt) with credentials from a
# test $DOCKER_CONFIG/config.json ("auths" with base64 "auth"), as `docker login`
# writes it, and from podman's $REGISTRY_AUTH_FILE. Failures first: no credentials,
# a wrong password, a broken config; each exits 1 saying "authentication required"
# (or what is wrong), and no password or Authorization value appears in any output,
# even with -v. Then push, pull and FROM with the right password, read back by skopeo.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000

GOOD=Right-Pass-7f3e91
BAD=Wrong-Pass-c0ffee
start_registry --htpasswd "alice:$GOOD"
mkdir -p "$T/ctx"
printf 'private\n' >"$T/ctx/a.txt"
printf 'FROM scratch\nCOPY a.txt /\n' >"$T/ctx/Dockerfile"
assert_exit 0 "$RT_BIN" assemble --output "oci:$T/layout:1" "$T/ctx"
DIGEST=$(last_line "$OUT")

# docker_config FILE KEY USER PASS : an "auths" entry as `docker login` writes it.
docker_config() {
  printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$2" "$(printf '%s:%s' "$3" "$4" | base64 -w0)" >"$1"
}
# no_secrets WHAT : none of the passwords, nor the base64 of user:password (the
# Authorization header's value), is in the last command's stdout or stderr.
no_secrets() {
  local s
  for s in "$GOOD" "$BAD" "$(printf 'alice:%s' "$GOOD" | base64 -w0)" "$(printf 'alice:%s' "$BAD" | base64 -w0)"; do
    assert_not_contains "$OUT$ERR" "$s" "$1: a secret was printed"
  done
}

# --- failure cases --------------------------------------------------------------------------
# No credentials at all.
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/a:1"
error_line "pushing to docker://$REG/private/a:1: authentication required: " "anonymous push"
assert_contains "$ERROR_LINE" "HTTP 401 (no credentials for $REG were found" "anonymous: the hint"
assert_exit 1 "$RT_BIN" copy "docker://$REG/private/a:1" "oci:$T/pulled"
error_line "reading docker://$REG/private/a:1: authentication required: " "anonymous pull"
assert_contains "$ERROR_LINE" "no credentials for $REG were found" "anonymous pull: the hint"
# A wrong password: the same for push and pull, with and without -v.
docker_config "$DOCKER_CONFIG/config.json" "$REG" alice "$BAD"
for verbose in "" -v; do
  assert_exit 1 "$RT_BIN" $verbose copy "oci:$T/layout:1" "docker://$REG/private/a:1"
  error_line "pushing to docker://$REG/private/a:1: authentication required" "wrong password ${verbose:-}"
  assert_not_contains "$ERR" "no credentials" "credentials were found, just wrong"
  no_secrets "wrong password, push ${verbose:-}"
  assert_exit 1 "$RT_BIN" $verbose copy "docker://$REG/private/a:1" "oci:$T/pulled"
  assert_contains "$ERR" "authentication required" "wrong password, pull ${verbose:-}"
  no_secrets "wrong password, pull ${verbose:-}"
done
assert_contains "$ERR" "credentials for $REG from $DOCKER_CONFIG/config.json" "-v says where credentials came from"
# A user the registry does not know.
docker_config "$DOCKER_CONFIG/config.json" "$REG" mallory "$GOOD"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/a:1"
assert_contains "$ERR" "authentication required" "unknown user"
no_secrets "unknown user"
# A broken config: the file is named, its secret is not.
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$GOOD" >"$DOCKER_CONFIG/config.json"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/a:1"
assert_contains "$ERR" "$DOCKER_CONFIG/config.json" "broken auth entry: the file is named"
no_secrets "broken auth entry"
printf '{"auths": ' >"$DOCKER_CONFIG/config.json"
assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/a:1"
assert_contains "$ERR" "cannot parse $DOCKER_CONFIG/config.json" "truncated config"
[[ ! -d $REG_DIR/docker/registry/v2/repositories ]] || fail "something was pushed without authentication"
[[ ! -e $T/pulled ]] || fail "a failed pull left an output"
pass "failure cases"

# --- the right password ---------------------------------------------------------------------
docker_config "$DOCKER_CONFIG/config.json" "$REG" alice "$GOOD"
assert_exit 0 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/private/a:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "push with the right password"
no_secrets "push -v"
assert_contains "$ERR" "PUT " "-v shows the HTTP exchange"
verify_pushed "$REG/private/a:1" "$DIGEST" --creds "alice:$GOOD"
assert_exit 1 skopeo inspect --tls-verify=false --creds "alice:$BAD" "docker://$REG/private/a:1" # the registry does check
assert_exit 0 "$RT_BIN" -v copy "docker://$REG/private/a:1" "oci:$T/pulled:1"
assert_eq "$DIGEST" "$(last_line "$OUT")" "pull with the right password"
no_secrets "pull -v"
oci-image-tool validate --type image --ref name=1 "$T/pulled" >/dev/null
printf 'FROM %s/private/a:1\nCOPY a.txt /b.txt\n' "$REG" >"$T/from.Dockerfile"
assert_exit 0 "$RT_BIN" -v assemble -f "$T/from.Dockerfile" --output "docker://$REG/private/b:1" "$T/ctx"
no_secrets "FROM and push -v"
verify_pushed "$REG/private/b:1" "$(last_line "$OUT")" --creds "alice:$GOOD"
assert_eq "$DIGEST" "$(skopeo inspect --tls-verify=false --creds "alice:$GOOD" --raw "docker://$REG/private/b:1" |
  jq -r '.annotations["org.opencontainers.image.base.digest"]')" "base digest annotation"
pass "push, pull and FROM with credentials from config.json"

# docker also writes keys as URLs; they name the same registry.
docker_config "$DOCKER_CONFIG/config.json" "http://$REG" alice "$GOOD"
assert_exit 0 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/url-key:1"
verify_pushed "$REG/private/url-key:1" "$DIGEST" --creds "alice:$GOOD"
pass "an auths key written as a URL"

# --- podman's $REGISTRY_AUTH_FILE comes first -----------------------------------------------------
docker_config "$DOCKER_CONFIG/config.json" "$REG" alice "$BAD"
docker_config "$T/auth.json" "$REG" alice "$GOOD"
REGISTRY_AUTH_FILE=$T/auth.json assert_exit 0 "$RT_BIN" -v copy "oci:$T/layout:1" "docker://$REG/private/podman:1"
no_secrets "REGISTRY_AUTH_FILE -v"
verify_pushed "$REG/private/podman:1" "$DIGEST" --creds "alice:$GOOD"
REGISTRY_AUTH_FILE=$T/missing.json assert_exit 1 "$RT_BIN" copy "oci:$T/layout:1" "docker://$REG/private/podman:2"
assert_contains "$ERR" "authentication required" "a missing REGISTRY_AUTH_FILE falls back to DOCKER_CONFIG"
pass "REGISTRY_AUTH_FILE"

# shellcheck shell=bash
# Helpers for integration tests. Usage, at the top of tests/integration/NNN-name.sh:
#
#   set -euo pipefail
#   source "$RT_SOURCE_DIR/tests/support/lib.sh"   # or relative to the script
#   rt_setup
#
# Servers (registry, token server, fake GitHub, fault proxy) run on 127.0.0.1 and
# are stopped, and $T removed, when the test exits (RT_KEEP_TMP=1 keeps $T).
# start_registry/start_fake_github/start_fault_proxy export variables describing
# the server started last; save them if a test needs two of a kind.

RT_SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's python: the pyenv one on PATH lacks python3-cryptography.
RT_PYTHON=/usr/bin/python3
RT_WAIT_TIMEOUT=${RT_WAIT_TIMEOUT:-10}
_RT_PIDS=()
_RT_LOGS=()
_RT_N=0
_RT_FAILED=

# --- reporting ----------------------------------------------------------------

# file:line of the first caller outside this file (the test line that failed).
_rt_where() {
  local i
  for ((i = 0; i + 1 < ${#BASH_SOURCE[@]}; i++)); do
    if [[ ${BASH_SOURCE[i + 1]} != "${BASH_SOURCE[0]}" ]]; then
      echo "${BASH_SOURCE[i + 1]}:${BASH_LINENO[i]}"
      return
    fi
  done
  echo "?"
}

# fail MSG... : print MSG with the test's file:line and exit 1.
fail() {
  _RT_FAILED="FAIL: $* (at $(_rt_where))"
  echo "$_RT_FAILED" >&2
  exit 1
}

# skip MSG : report the whole test as skipped and exit 77 (ctest's SKIP_RETURN_CODE,
# tests/CMakeLists.txt). Only for a test the user opted out of with an RT_TEST_NO_* variable.
skip() {
  echo "SKIPPED: ${0##*/}: $*"
  exit 77
}

# pass [MSG] : report a passed check; does not exit.
pass() {
  echo "ok: ${*:-${0##*/}}"
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
  [[ $1 == "$2" ]] && return 0
  fail "assert_eq ${3:-}"$'\n'"  expected: '$1'"$'\n'"  actual:   '$2'"
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
  [[ $1 != "$2" ]] && return 0
  fail "assert_ne ${3:-}: both are '$1'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]  (plain substring, not a pattern)
assert_contains() {
  [[ $1 == *"$2"* ]] && return 0
  fail "assert_contains ${3:-}: '$2' not found in:"$'\n'"$1"
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
  [[ $1 != *"$2"* ]] && return 0
  fail "assert_not_contains ${3:-}: '$2' found in:"$'\n'"$1"
}

# assert_exit CODE CMD [ARGS...] : run CMD; stdout -> $OUT, stderr -> $ERR, status -> $RC.
# Fails, showing both streams, unless the status is CODE.
assert_exit() {
  local want=$1 dir=${T:-/tmp}
  shift
  RC=0
  "$@" >"$dir/.assert.out" 2>"$dir/.assert.err" || RC=$?
  OUT=$(<"$dir/.assert.out")
  ERR=$(<"$dir/.assert.err")
  [[ $RC == "$want" ]] && return 0
  fail "assert_exit: expected exit $want, got $RC from: $*"$'\n'"--- stdout:"$'\n'"$OUT"$'\n'"--- stderr:"$'\n'"$ERR"
}

# With set -e, a failing command outside an assertion still says where.
_rt_on_err() {
  if [[ $- == *e* ]]; then
    _RT_FAILED="FAIL: command exited $1: $4 (at $3:$2)"
    echo "$_RT_FAILED" >&2
  fi
  return 0
}

# --- lifecycle ----------------------------------------------------------------

# _rt_track PID : stop PID when the test ends. Disowned so that bash neither
# prints "Killed" when a test kills it on purpose nor leaves a zombie behind
# (which kill -0 would still see as alive).
_rt_track() {
  disown "$1" 2>/dev/null || true
  _RT_PIDS+=("$1")
}

# _rt_untrack PID : forget a PID known to be dead, so that cleanup never signals
# an unrelated process that reused the number.
_rt_untrack() {
  local keep=() pid
  for pid in "${_RT_PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  _RT_PIDS=("${keep[@]}")
}

# rt_setup [--no-bin] : per-test dir $T, hermetic HOME/caches, cleanup trap.
# --no-bin: RT_BIN must be set but need not exist (tests of the test support only).
rt_setup() {
  [[ -n ${RT_BIN:-} ]] || fail "RT_BIN is not set (path to the release-tool binary)"
  [[ ${1:-} == --no-bin || -x $RT_BIN ]] || fail "RT_BIN=$RT_BIN is not executable"
  [[ -d ${RT_SOURCE_DIR:-} ]] || fail "RT_SOURCE_DIR is not set to the source tree"
  RT_BIN=$(realpath -m "$RT_BIN")
  RT_SOURCE_DIR=$(realpath "$RT_SOURCE_DIR")
  T=$(mktemp -d "${TMPDIR:-/tmp}/rt-${0##*/}.XXXXXX")
  export T RT_BIN RT_SOURCE_DIR
  export XDG_CACHE_HOME=$T/cache HOME=$T/home DOCKER_CONFIG=$T/docker
  export XDG_CONFIG_HOME=$T/config XDG_RUNTIME_DIR=$T/run
  mkdir -p "$XDG_CACHE_HOME" "$HOME" "$DOCKER_CONFIG" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
  # Nothing from the developer's or CI's environment may change a test's outcome.
  unset GH_TOKEN GITHUB_TOKEN GITHUB_API_URL SOURCE_DATE_EPOCH REGISTRY_AUTH_FILE
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
  export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
  trap _rt_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap '_rt_on_err "$?" "$LINENO" "${BASH_SOURCE[0]}" "$BASH_COMMAND"' ERR
}

_rt_cleanup() {
  local rc=$? pid log i
  for pid in "${_RT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${_RT_PIDS[@]}"; do
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if ((rc != 0 && rc != 77)); then
    # The servers' view is usually what explains a failure in CI.
    for log in "${_RT_LOGS[@]}"; do
      [[ -s $log ]] || continue
      echo "--- last lines of $log" >&2
      tail -n 8 "$log" | cut -c 1-400 >&2 || true
    done
    # Repeat the failure last, where a reader of CI output looks first.
    [[ -n ${_RT_FAILED:-} ]] && echo "$_RT_FAILED" >&2
  fi
  if [[ ${RT_KEEP_TMP:-0} == 1 ]]; then
    echo "kept $T" >&2
  elif [[ -n ${T:-} ]]; then
    rm -rf "$T"
  fi
}

# free_port : print a TCP port free on 127.0.0.1 (racy by nature; used right away).
free_port() {
  "$RT_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_http URL [CURL_ARGS...] : wait (≤ $RT_WAIT_TIMEOUT s) until URL answers any HTTP status.
wait_for_http() {
  local url=$1 code i
  shift
  for ((i = 0; i < RT_WAIT_TIMEOUT * 10; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true)
    [[ $code != 000 ]] && return 0
    sleep 0.1
  done
  fail "wait_for_http: $url did not answer within ${RT_WAIT_TIMEOUT}s"
}

# _rt_wait NAME PID LOG CMD... : wait until CMD succeeds; fail early if PID dies.
_rt_wait() {
  local name=$1 pid=$2 log=$3 i
  shift 3
  for ((i = 0; i < RT_WAIT_TIMEOUT * 10; i++)); do
    "$@" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2 || true
      fail "$name exited during startup (log: $log)"
    fi
    sleep 0.1
  done
  cat "$log" >&2 || true
  fail "$name not ready within ${RT_WAIT_TIMEOUT}s (log: $log)"
}

_rt_answers() { # URL [CURL_ARGS...]: true when the URL gives any HTTP status
  local url=$1
  shift
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" || true) != 000 ]]
}

# --- TLS ----------------------------------------------------------------------

# One CA per test; the server cert is valid for 127.0.0.1 and localhost (SAN:
# modern clients ignore the CN).
_rt_make_tls() {
  local d=$T/tls
  [[ -f $d/server.pem ]] && return 0
  mkdir -p "$d/certs.d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=rt-test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
    fail "openssl: cannot make the test CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null ||
    fail "openssl: cannot make the server key"
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$d/server.ext" \
    -out "$d/server.pem" 2>/dev/null || fail "openssl: cannot sign the server cert"
  # skopeo/containers want a directory holding ca.crt.
  cp "$d/ca.pem" "$d/certs.d/ca.crt"
}

# --- token server ---------------------------------------------------------------

# _rt_start_token_server [--tls] [--anonymous-pull] [--no-oauth] : exports TOKEN_URL, TOKEN_PID,
# TOKEN_LOG, TOKEN_USERS, TOKEN_CERTDIR, TOKEN_SERVICE, TOKEN_ISSUER.
_rt_start_token_server() {
  local args=() scheme=http portfile
  while (($#)); do
    case $1 in
    --tls)
      args+=(--tls-cert "$T/tls/server.pem" --tls-key "$T/tls/server.key")
      scheme=https
      ;;
    --anonymous-pull | --no-oauth) args+=("$1") ;;
    esac
    shift
  done
  if [[ -z ${TOKEN_USERS:-} ]]; then
    TOKEN_USERS=$T/token-users.txt
    printf '%s\n' "pusher:pushpass:pull,push" "puller:pullpass:pull" "admin:adminpass:*" >"$TOKEN_USERS"
  fi
  TOKEN_CERTDIR=$T/token-certs
  TOKEN_LOG=$T/token-server.log
  TOKEN_SERVICE=rt-test-registry
  TOKEN_ISSUER=rt-test-token-issuer
  portfile=$T/token-server.port
  rm -f "$portfile"
  "$RT_PYTHON" "$RT_SUPPORT_DIR/token_server.py" --port 0 --port-file "$portfile" \
    --certdir "$TOKEN_CERTDIR" --users "$TOKEN_USERS" --log "$TOKEN_LOG" \
    --service "$TOKEN_SERVICE" --issuer "$TOKEN_ISSUER" "${args[@]}" \
    >>"$T/token-server.out" 2>&1 &
  TOKEN_PID=$!
  _rt_track "$TOKEN_PID"
  _RT_LOGS+=("$T/token-server.out" "$TOKEN_LOG")
  _rt_wait "token server" "$TOKEN_PID" "$T/token-server.out" test -s "$portfile"
  TOKEN_URL=$scheme://127.0.0.1:$(<"$portfile")/token
  export TOKEN_URL TOKEN_PID TOKEN_LOG TOKEN_USERS TOKEN_CERTDIR TOKEN_SERVICE TOKEN_ISSUER
}

# --- registry -------------------------------------------------------------------

# start_registry [--tls] [--htpasswd USER:PASS]... [--token [--anonymous-pull] [--no-oauth]]
# Exports REG (127.0.0.1:PORT), REG_URL, REG_PID, REG_DIR (storage), REG_LOG,
# REG_CONFIG; with --tls REG_CA (CA cert) and REG_CERT_DIR (dir with ca.crt);
# with --htpasswd REG_USER/REG_PASS (the first user); with --token the TOKEN_*
# variables (default users in $TOKEN_USERS: pusher:pushpass pull,push;
# puller:pullpass pull; admin:adminpass *; set TOKEN_USERS to a file of your own first).
# --anonymous-pull: tokens without credentials grant pull. --no-oauth: POST /token
# answers 404, like registries without OAuth2, so clients must fall back to GET.
start_registry() {
  local tls=0 token=0 tok_opts=() users=() n port scheme=http u
  while (($#)); do
    case $1 in
    --tls) tls=1 ;;
    --htpasswd) users+=("$2") && shift ;;
    --token) token=1 ;;
    --anonymous-pull | --no-oauth) tok_opts+=("$1") ;;
    *) fail "start_registry: unknown option '$1'" ;;
    esac
    shift
  done
  ((${#users[@]} == 0 || token == 0)) || fail "start_registry: --htpasswd and --token exclude each other"
  _RT_N=$((_RT_N + 1))
  n=$_RT_N
  port=$(free_port)
  REG=127.0.0.1:$port
  REG_DIR=$T/registry-$n
  REG_LOG=$T/registry-$n.log
  REG_CONFIG=$T/registry-$n.yml
  mkdir -p "$REG_DIR"
  unset REG_CA REG_CERT_DIR REG_USER REG_PASS
  ((tls)) && _rt_make_tls && scheme=https
  REG_URL=$scheme://$REG
  {
    echo "version: 0.1"
    echo "log: {level: ${RT_REGISTRY_LOG_LEVEL:-info}, formatter: text}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $REG_DIR}"
    echo "  delete: {enabled: true}"
    # Purging at startup would race with kill/restart tests on old uploads.
    echo "  maintenance: {uploadpurging: {enabled: false}}"
    echo "http:"
    echo "  addr: $REG"
    # A fixed secret keeps upload URLs (their signed _state) valid across a restart.
    echo "  secret: rt-test-secret-$n"
    echo "  headers: {X-Content-Type-Options: [nosniff]}"
    if ((tls)); then
      echo "  tls: {certificate: $T/tls/server.pem, key: $T/tls/server.key}"
    fi
  } >"$REG_CONFIG"
  if ((${#users[@]})); then
    : >"$REG_DIR.htpasswd"
    for u in "${users[@]}"; do
      # The registry only accepts bcrypt entries.
      htpasswd -Bbn "${u%%:*}" "${u#*:}" | sed '/^$/d' >>"$REG_DIR.htpasswd"
    done
    REG_USER=${users[0]%%:*} REG_PASS=${users[0]#*:}
    export REG_USER REG_PASS
    printf 'auth:\n  htpasswd: {realm: rt-test-registry, path: %s}\n' "$REG_DIR.htpasswd" >>"$REG_CONFIG"
  fi
  if ((token)); then
    ((tls)) && tok_opts+=(--tls)
    _rt_start_token_server "${tok_opts[@]}"
    printf 'auth:\n  token: {realm: "%s", service: %s, issuer: %s, rootcertbundle: %s}\n' \
      "$TOKEN_URL" "$TOKEN_SERVICE" "$TOKEN_ISSUER" "$TOKEN_CERTDIR/ca.pem" >>"$REG_CONFIG"
  fi
  if ((tls)); then
    REG_CA=$T/tls/ca.pem REG_CERT_DIR=$T/tls/certs.d
    export REG_CA REG_CERT_DIR
  fi
  export REG REG_URL REG_DIR REG_LOG REG_CONFIG
  _RT_LOGS+=("$REG_LOG")
  _rt_run_registry
}

# Start docker-registry on $REG_CONFIG directly (so $! is the registry itself).
_rt_run_registry() {
  local curl_args=()
  [[ -n ${REG_CA:-} ]] && curl_args=(--cacert "$REG_CA")
  docker-registry serve "$REG_CONFIG" >>"$REG_LOG" 2>&1 &
  REG_PID=$!
  export REG_PID
  _rt_track "$REG_PID"
  _rt_wait "docker-registry" "$REG_PID" "$REG_LOG" _rt_answers "$REG_URL/v2/" "${curl_args[@]}"
}

# stop_registry [--kill] : stop the current registry (SIGTERM, or SIGKILL to
# simulate a crash), keeping its storage.
stop_registry() {
  local sig=TERM i
  [[ ${1:-} == --kill ]] && sig=KILL
  kill -s "$sig" "$REG_PID" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$REG_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$REG_PID" 2>/dev/null; then fail "stop_registry: registry $REG_PID did not stop"; fi
  _rt_untrack "$REG_PID"
}

# restart_registry [--kill] : stop, then start again on the same port, config and storage.
# shellcheck disable=SC2120 # the option is optional
restart_registry() {
  stop_registry "$@"
  _rt_run_registry
}

# --- fake GitHub ----------------------------------------------------------------

# start_fake_github CONFIG.json [fake_github.py options, e.g. --rate-limit 2]
# Exports GITHUB_API_URL, GH_STORAGE_URL, GH_API_LOG, GH_STORAGE_LOG, GH_PID.
start_fake_github() {
  local config=$1 n ports out
  shift
  [[ -f $config ]] || fail "start_fake_github: no config file '$config'"
  _RT_N=$((_RT_N + 1))
  n=$_RT_N
  ports=$T/github-$n.ports
  out=$T/github-$n.out
  GH_API_LOG=$T/github-$n-api.log
  GH_STORAGE_LOG=$T/github-$n-storage.log
  GH_UPLOADS_LOG=$T/github-$n-uploads.log
  mkdir -p "$T/github-$n-data"
  "$RT_PYTHON" "$RT_SUPPORT_DIR/fake_github.py" --config "$config" --port 0 --storage-port 0 \
    --uploads-port 0 --ports-file "$ports" --log "$GH_API_LOG" --storage-log "$GH_STORAGE_LOG" \
    --uploads-log "$GH_UPLOADS_LOG" --data-dir "$T/github-$n-data" "$@" >>"$out" 2>&1 &
  GH_PID=$!
  _rt_track "$GH_PID"
  _RT_LOGS+=("$out")
  _rt_wait "fake_github" "$GH_PID" "$out" test -s "$ports"
  GITHUB_API_URL=http://127.0.0.1:$(jq -r .api "$ports")
  GH_STORAGE_URL=http://127.0.0.1:$(jq -r .storage "$ports")
  GH_UPLOADS_URL=http://127.0.0.1:$(jq -r .uploads "$ports")
  export GITHUB_API_URL GH_STORAGE_URL GH_UPLOADS_URL GH_API_LOG GH_STORAGE_LOG GH_UPLOADS_LOG GH_PID
}

# --- fault proxy ------------------------------------------------------------------

# start_fault_proxy RULES.json [UPSTREAM] : proxy to UPSTREAM (default $REG, plain HTTP).
# Exports PROXY (127.0.0.1:PORT), PROXY_URL, PROXY_LOG, PROXY_PID.
start_fault_proxy() {
  local rules=$1 upstream=${2:-${REG:-}} n portfile out
  [[ -f $rules ]] || fail "start_fault_proxy: no rules file '$rules'"
  [[ -n $upstream ]] || fail "start_fault_proxy: no upstream (start_registry first)"
  [[ ${REG_URL:-} != https://* || -n ${2:-} ]] || fail "start_fault_proxy: upstream must be plain HTTP"
  _RT_N=$((_RT_N + 1))
  n=$_RT_N
  portfile=$T/proxy-$n.port
  out=$T/proxy-$n.out
  PROXY_LOG=$T/proxy-$n.log
  "$RT_PYTHON" "$RT_SUPPORT_DIR/fault_proxy.py" --upstream "$upstream" --port 0 \
    --port-file "$portfile" --rules "$rules" --log "$PROXY_LOG" >>"$out" 2>&1 &
  PROXY_PID=$!
  _rt_track "$PROXY_PID"
  _RT_LOGS+=("$out")
  _rt_wait "fault_proxy" "$PROXY_PID" "$out" test -s "$portfile"
  PROXY=127.0.0.1:$(<"$portfile")
  PROXY_URL=http://$PROXY
  export PROXY PROXY_URL PROXY_LOG PROXY_PID
}

# --- binaries -------------------------------------------------------------------

# make_static_binary SRC.c OUT : a static executable, runnable in an empty rootfs.
make_static_binary() {
  gcc -static -O2 -o "$2" "$1" || fail "make_static_binary: cannot compile $1"
}

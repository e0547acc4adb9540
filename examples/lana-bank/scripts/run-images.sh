#!/usr/bin/env bash
# Runs the example's four images under runc (as root, no daemon), each with the
# runtime config umoci derives from its image config (user, working directory,
# ENV, entrypoint and cmd), and checks that each does its job:
#   lana-bank                      `lana-cli --version` prints VERSION, COMMITHASH, BUILDTIME
#   lana-bank-admin-panel,         node serves server.js; GET /api/health and GET /
#   lana-bank-customer-portal      answer as the app (see below for the port)
#   dagster-code-location-lana-dw  python imports the code and prints its assets
# The runtime config is changed only where a host needs it: no terminal, and no
# network namespace (the container shares the host's loopback), so the servers
# get PORT set to a port free on the host and HOSTNAME=127.0.0.1.
# Every wait has a deadline; every container is deleted on exit.
# Usage: run-images.sh PREFIX VERSION WORKDIR
#   images are read from docker://PREFIX/NAME:VERSION (plain HTTP allowed).
set -euo pipefail
prefix=$1 version=$2 work=$3
state=$work/runc-state
mkdir -p "$work" "$state"
containers=()
cleanup() {
  local id
  for id in "${containers[@]}"; do runc --root "$state" delete -f "$id" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "run-images.sh: $*" >&2
  exit 1
}

# bundle NAME [JQ]: the image unpacked by umoci into WORKDIR/NAME, its runtime
# config edited: no terminal, the host's network namespace, then JQ.
bundle() {
  local name=$1 edit=${2:-.}
  rm -rf "${work:?}/$name" "$work/layout"
  timeout 120 skopeo copy -q --src-tls-verify=false "docker://$prefix/$name:$version" "oci:$work/layout:$name" ||
    die "cannot copy docker://$prefix/$name:$version"
  timeout 120 umoci unpack --image "$work/layout:$name" "$work/$name" >/dev/null ||
    die "umoci cannot unpack $name"
  jq '.process.terminal = false | .linux.namespaces |= map(select(.type != "network"))' \
    "$work/$name/config.json" | jq "$edit" >"$work/$name/config.json.new"
  mv "$work/$name/config.json.new" "$work/$name/config.json"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_to_end NAME: runs the bundle in the foreground (at most 60 s); prints its output.
run_to_end() {
  local id=rt-$1-$$
  containers+=("$id")
  (cd "$work/$1" && timeout 60 runc --root "$state" run "$id" </dev/null 2>&1) ||
    die "$1 exited $? under runc"
}

status_of() { runc --root "$state" state "$1" 2>/dev/null | jq -r .status || echo gone; }

bundle lana-bank '.process.args += ["--version"]'
echo "-- lana-bank: $(jq -c .process.args "$work/lana-bank/config.json") as uid $(jq .process.user.uid "$work/lana-bank/config.json")"
out=$(run_to_end lana-bank)
echo "$out"
if ! { grep -qx "lana-cli $version" <<<"$out" && grep -qx 'COMMITHASH=[0-9a-f]\{40\}' <<<"$out" &&
  grep -qx 'BUILDTIME=[0-9]\{4\}-[0-9][0-9]-[0-9][0-9][-T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\?' <<<"$out"; }; then
  die "lana-bank did not print VERSION=$version, COMMITHASH, BUILDTIME"
fi

for app in admin-panel customer-portal; do
  name=lana-bank-$app
  port=$(free_port)
  bundle "$name" ".process.env |= map(if startswith(\"PORT=\") then \"PORT=$port\"
    elif startswith(\"HOSTNAME=\") then \"HOSTNAME=127.0.0.1\" else . end)"
  echo "-- $name: $(jq -c .process.args "$work/$name/config.json") as uid $(jq .process.user.uid "$work/$name/config.json"), PORT=$port"
  id=rt-$name-$$
  containers+=("$id")
  (cd "$work/$name" && runc --root "$state" run -d "$id" >"$work/$name.log" 2>&1 </dev/null) ||
    { cat "$work/$name.log" >&2; die "runc could not start $name"; }
  answer='' deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    answer=$(curl -s --max-time 2 "http://127.0.0.1:$port/api/health" || true)
    [[ -n $answer ]] && break
    [[ $(status_of "$id") == running ]] || { cat "$work/$name.log" >&2; die "$name stopped before answering"; }
    sleep 0.1
  done
  [[ -n $answer ]] || { cat "$work/$name.log" >&2; die "$name did not answer on port $port within 30 s"; }
  page=$(curl -s --max-time 5 "http://127.0.0.1:$port/")
  chunk=$(curl -s --max-time 5 "http://127.0.0.1:$port/_next/static/chunks/main.js")
  cat "$work/$name.log"
  echo "GET /api/health -> $answer"
  echo "GET / -> $page"
  echo "GET /_next/static/chunks/main.js -> $chunk"
  runc --root "$state" kill "$id" TERM
  if ! { grep -q "\"app\":\"$app\",\"status\":\"ok\",\"node\":\"v[0-9]" <<<"$answer" &&
    grep -q "<h1>lana-bank $app</h1>" <<<"$page" && grep -q "__chunk_$app" <<<"$chunk"; }; then
    die "$name did not answer as $app on port $port"
  fi
  deadline=$((SECONDS + 10))
  while [[ $(status_of "$id") == running ]] && ((SECONDS < deadline)); do sleep 0.1; done
  [[ $(status_of "$id") != running ]] || die "$name did not stop on SIGTERM within 10 s"
done

bundle dagster-code-location-lana-dw
echo "-- dagster-code-location-lana-dw: $(jq -c .process.args "$work/dagster-code-location-lana-dw/config.json")"
out=$(run_to_end dagster-code-location-lana-dw)
echo "$out"
if ! { grep -q "loaded /lana-dw/src/definitions.py" <<<"$out" &&
  grep -qx "  asset raw_transactions" <<<"$out" &&
  grep -qx "  asset daily_balances (deps: raw_transactions)" <<<"$out"; }; then
  die "the Dagster image did not load its definitions"
fi
echo "-- the four images ran under runc"

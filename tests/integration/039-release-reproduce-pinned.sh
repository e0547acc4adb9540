#!/usr/bin/env bash
# `reproduce` rebuilds on the bases the release used: after `final`, the base
# tag every lana-bank build names (…/distroless/static-debian12:nonroot) moves
# to another image, as distroless tags do. `reproduce` resolves each base to the
# base.digest the released image records, keeps the recorded base.name, says
# that the tag has moved (now …, the release used …), and says MATCH for all
# four, exit 0. `final` itself (a new build) takes the moved tag.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/release_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/release_env.sh"
rt_setup

V=0.42.0
release_checkout
release_bases
release_github "$V"
release_registry
release_flags "$SRC" "$REG"
export XDG_CACHE_HOME=$T/cache
assert_exit 0 "$RT_BIN" final "${RFLAGS[@]}" --version "$V" --digests-file "$T/final.json"
USED=$(digest_of "$BASE_STATIC")

# The tag moves: another image under the same name.
skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$BASE_PYTHON" "docker://$BASE_STATIC"
NOW=$(digest_of "$BASE_STATIC")
assert_ne "$USED" "$NOW" "the base tag moved"

assert_exit 0 "$RT_BIN" reproduce "${RFLAGS[@]}" --version "$V"
for name in "${RELEASE_IMAGES[@]}"; do
  [[ $OUT =~ (^|$'\n')$name\ +MATCH\  ]] || fail "reproduce: no MATCH row for $name in:"$'\n'"$OUT"
done
assert_contains "$OUT" "lana-bank: base $BASE_STATIC now $NOW, the release used $USED" "the moved tag reported"
assert_not_contains "$OUT" "admin-panel: base" "unmoved bases are not reported"
pass "reproduce after the base tag moved: MATCH, the move reported"

pass "039-release-reproduce-pinned"

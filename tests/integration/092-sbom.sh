#!/usr/bin/env bash
# `release-tool sbom IMAGE`: an SPDX 2.3 JSON document for any image (oci:,
# docker://), checked by tests/support/spdx_check.py (the SPDX 2.3 schema's
# required fields and patterns, restated by hand: no copy of the schema is
# reachable here). On an image planted with package inventories it lists:
#   - every regular file (path, SHA-256 = sha256sum of the file, size), and none else;
#   - the Debian packages of var/lib/dpkg/status — exactly the ones `dpkg-query`
#     lists as installed on this machine (the image carries this machine's status
#     file) — plus distroless-style var/lib/dpkg/status.d/ stanzas;
#   - npm packages from node_modules/**/package.json (scoped, nested; not a
#     package.json that is no package root), with their declared licenses;
#   - Python distributions from *.dist-info/METADATA.
# Deterministic: the same image gives the same bytes wherever it is read from;
# SOURCE_DATE_EPOCH sets `created`.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # rt_setup and start_registry take no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
# shellcheck source=../support/registry_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/registry_checks.sh"
rt_setup
export SOURCE_DATE_EPOCH=1700000000
SPDX=("$RT_PYTHON" "$RT_SOURCE_DIR/tests/support/spdx_check.py")

C=$T/ctx
mkdir -p "$C/var/lib/dpkg/status.d" "$C/app/node_modules/left-pad/lib" "$C/app/node_modules/@acme/util" \
  "$C/app/node_modules/left-pad/node_modules/nested" "$C/usr/lib/python3/dist-packages/requests-2.28.1.dist-info"
cp /var/lib/dpkg/status "$C/var/lib/dpkg/status"
printf 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n' \
  >"$C/var/lib/dpkg/status.d/tzdata"
printf 'deadbeef  usr/share/zoneinfo/UTC\n' >"$C/var/lib/dpkg/status.d/tzdata.md5sums"
echo '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}' >"$C/app/node_modules/left-pad/package.json"
echo '{"name":"not-a-package","version":"9.9.9"}' >"$C/app/node_modules/left-pad/lib/package.json"
echo '{"name":"@acme/util","version":"2.0.0","license":{"type":"MIT"}}' >"$C/app/node_modules/@acme/util/package.json"
echo '{"name":"nested","version":"0.1.0","license":"see LICENSE file"}' >"$C/app/node_modules/left-pad/node_modules/nested/package.json"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nLicense: Apache-2.0\n\nLong: description: here\n' \
  >"$C/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA"
printf 'index\n' >"$C/app/index.js"
ln -s index.js "$C/app/link.js"
printf 'FROM scratch\nCOPY . /\n' >"$T/Dockerfile"
assert_exit 0 "$RT_BIN" assemble -f "$T/Dockerfile" --output "oci:$T/img:1" "$C"
D=$(last_line "$OUT")

# --- bad input --------------------------------------------------------------------------------------
assert_exit 2 "$RT_BIN" sbom "ftp:$T/img"
assert_contains "$ERR" "invalid image reference 'ftp:$T/img'"
assert_exit 1 "$RT_BIN" sbom "oci:$T/img:nope"
assert_contains "$ERR" "no image tagged 'nope'"
pass "bad input"

# --- the document -----------------------------------------------------------------------------------
assert_exit 0 "$RT_BIN" sbom "oci:$T/img:1"
printf '%s\n' "$OUT" >"$T/a.json"
"${SPDX[@]}" "$T/a.json" >/dev/null || fail "not a valid SPDX 2.3 document"
assert_eq "https://spdx.org/spdxdocs/release-tool/sha256-${D#sha256:}" "$(jq -r .documentNamespace "$T/a.json")" "namespace from the digest"
assert_eq 2023-11-14T22:13:20Z "$(jq -r .creationInfo.created "$T/a.json")" "created from SOURCE_DATE_EPOCH"

# Files: exactly the context's regular files, with their sha256 and size.
(cd "$C" && find . -type f -printf '/%P\n' | sort | while read -r f; do
  echo "$f $(sha256sum <".$f" | cut -c1-64) size $(stat -c %s ".$f") bytes"
done) >"$T/want-files"
jq -r '.files[] | "\(.fileName) \(.checksums[] | select(.algorithm == "SHA256") | .checksumValue) \(.comment)"' "$T/a.json" | sort >"$T/got-files"
diff "$T/want-files" "$T/got-files" >&2 || fail "the SBOM's files differ from the image's"

# Debian packages: the same as dpkg-query's installed ones, plus status.d's tzdata.
{
  dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Version}|${Architecture}\n' | awk -F'|' '$1 ~ /^ii/ {print $2" "$3" "$4}'
  echo "tzdata 2024a-0+deb12u1 all"
} | sort -u >"$T/want-debs"
jq -r '.packages[] | select((.externalRefs[0].referenceLocator // "") | startswith("pkg:deb/")) | "\(.name) \(.versionInfo) \(.externalRefs[0].referenceLocator | capture("arch=(?<a>.*)").a)"' "$T/a.json" | sort >"$T/got-debs"
diff "$T/want-debs" "$T/got-debs" >&2 || fail "the SBOM's Debian packages differ from dpkg-query's"
assert_ne 0 "$(wc -l <"$T/got-debs")" "Debian packages found"

assert_eq "@acme/util 2.0.0 MIT pkg:npm/%40acme/util@2.0.0
left-pad 1.3.0 WTFPL pkg:npm/left-pad@1.3.0
nested 0.1.0 NOASSERTION pkg:npm/nested@0.1.0
requests 2.28.1 Apache-2.0 pkg:pypi/requests@2.28.1" \
  "$(jq -r '.packages[] | .externalRefs[0].referenceLocator as $p | select($p != null and ($p | startswith("pkg:npm/") or startswith("pkg:pypi/"))) | "\(.name) \(.versionInfo) \(.licenseDeclared) \($p)"' "$T/a.json" | sort)" \
  "npm and Python packages with declared licenses"
assert_eq "app/node_modules/left-pad/package.json" \
  "$(jq -r '.packages[] | select(.name == "left-pad") | .comment | sub("^found in /"; "")' "$T/a.json")" "where left-pad was found"
pass "SPDX 2.3: files with SHA-256 and size, dpkg (= dpkg-query), status.d, npm, Python, licenses"

# --- deterministic wherever it is read from ---------------------------------------------------------
assert_exit 0 "$RT_BIN" sbom "oci:$T/img:1"
assert_eq "$(<"$T/a.json")" "$OUT" "the same bytes twice"
start_registry
assert_exit 0 "$RT_BIN" copy "oci:$T/img:1" "docker://$REG/sbom:1"
assert_exit 0 "$RT_BIN" sbom "$REG/sbom:1"
assert_eq "$(jq -c 'del(.name, .packages[0].name)' "$T/a.json")" "$(jq -c 'del(.name, .packages[0].name)' <<<"$OUT")" "the same document from the registry"
assert_exit 0 env SOURCE_DATE_EPOCH=0 "$RT_BIN" sbom "oci:$T/img:1"
assert_eq 1970-01-01T00:00:00Z "$(jq -r .creationInfo.created <<<"$OUT")" "created follows SOURCE_DATE_EPOCH"
pass "deterministic: same bytes; same document from the registry"

# shellcheck shell=bash
# A small Debian archive made by the tests themselves (dpkg-deb, apt-ftparchive,
# a test OpenPGP key for InRelease), served on 127.0.0.1 by deb_server.py: the
# base resolver and builder are tested against it, never against a mirror.
# Needs lib.sh sourced and rt_setup run first.
#
#   make_test_archive       builds $ARCHIVE (suites stable, stable-security, evil)
#                           and $KEYRING (the public key that signs them)
#   start_deb_server        serves $ARCHIVE; sets ARCHIVE_URL, DEB_LOG
#   sign_suite SUITE        regenerates Packages/Release/InRelease of SUITE
#
# Packages (stable unless said):
#   base-files 1.0        files, a symlink etc/os-release -> ../usr/lib/os-release
#   libhello 1.0          a library, a hard link to it, a symlink; Provides hello-abi (= 1)
#   libhello 1.2          the same in stable-security (the newer one wins)
#   hello 1.0 amd64/arm64 Pre-Depends base-files; Depends libhello (>= 1.1) | libhello-compat,
#                         debconf (>= 0.5) | debconf-2.0, mailer (virtual)
#   tinymail 1.0          Provides mailer
#   debconf, perl         present in the archive, skipped / excluded by recipes
#   needs-perl            Depends perl
#   wants-new             Depends libhello (>= 3.0): nothing satisfies it
#   conflicter            Conflicts tinymail
#   evil-dotdot, evil-abs, evil-dev (suite evil): data.tar with ../, an absolute
#                         path, a character device

ARCHIVE_SUITES=(stable stable-security evil)

# _deb POOL NAME VERSION ARCH EXTRA_CONTROL BUILD_FUNCTION: one package by dpkg-deb.
_deb() {
  local pool=$1 name=$2 version=$3 arch=$4 extra=$5 fill=$6 root
  root=$T/debroot/$name-$version-$arch
  mkdir -p "$root/DEBIAN" "$ARCHIVE/pool/$pool"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$name" "$version" "$arch"
    printf 'Maintainer: Test <test@example.org>\n'
    [[ -n $extra ]] && printf '%s\n' "$extra"
    printf 'Description: test package %s\n a package the tests built\n' "$name"
  } >"$root/DEBIAN/control"
  "$fill" "$root"
  dpkg-deb --root-owner-group -Zxz --build "$root" \
    "$ARCHIVE/pool/$pool/${name}_${version}_${arch}.deb" >/dev/null
}

_fill_base_files() {
  mkdir -p "$1/etc" "$1/usr/lib" "$1/usr/bin" "$1/var/lib"
  echo 12.0 >"$1/etc/debian_version"
  printf 'ID=test\nNAME="Test"\n' >"$1/usr/lib/os-release"
  ln -s ../usr/lib/os-release "$1/etc/os-release"
}
_fill_libhello_1_0() { _fill_libhello "$1" 1.0; }
_fill_libhello_1_2() { _fill_libhello "$1" 1.2; }
_fill_libhello() {
  mkdir -p "$1/usr/lib"
  echo "libhello $2" >"$1/usr/lib/libhello.so.1"
  ln "$1/usr/lib/libhello.so.1" "$1/usr/lib/libhello-hard.so.1"
  ln -s libhello.so.1 "$1/usr/lib/libhello.so"
}
_fill_hello() {
  mkdir -p "$1/usr/bin"
  printf 'hello binary\n' >"$1/usr/bin/hello"
  chmod 0755 "$1/usr/bin/hello"
}
_fill_doc() {
  mkdir -p "$1/usr/share/doc/$(basename "$1" | cut -d- -f1)"
  echo doc >"$1/usr/share/doc/$(basename "$1" | cut -d- -f1)/README"
}

# An ar archive by hand: dpkg-deb will not put such entries in a .deb.
_evil_deb() { # NAME KIND(dotdot|abs|dev)
  "$RT_PYTHON" - "$ARCHIVE/pool/evil/$1_1.0_all.deb" "$1" "$2" <<'PY'
import io, sys, tarfile
out, name, kind = sys.argv[1:]
def tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()
def entry(path, data=b"x\n", kind=tarfile.REGTYPE):
    i = tarfile.TarInfo(path); i.type = kind; i.mode = 0o644
    if kind == tarfile.REGTYPE: i.size = len(data)
    else: data = None
    if kind == tarfile.CHRTYPE: i.devmajor, i.devminor = 1, 3
    return i, data
control = (f"Package: {name}\nVersion: 1.0\nArchitecture: all\n"
           f"Maintainer: Test <test@example.org>\nDescription: evil\n evil\n").encode()
bad = {"dotdot": entry("./usr/../../escaped"), "abs": entry("/etc/escaped"),
       "dev": entry("./dev/null", kind=tarfile.CHRTYPE)}[kind]
members = [(b"debian-binary", b"2.0\n"),
           (b"control.tar.gz", tar([entry("./control", control)])),
           (b"data.tar.gz", tar([entry("./usr/", kind=tarfile.DIRTYPE), bad]))]
with open(out, "wb") as f:
    f.write(b"!<arch>\n")
    for n, data in members:
        f.write(b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (n, 0, 0, 0, b"100644", len(data)))
        f.write(data + (b"\n" if len(data) % 2 else b""))
PY
}

make_test_archive() {
  ARCHIVE=$T/archive
  export GNUPGHOME=$T/gnupg
  mkdir -p "$ARCHIVE" "$GNUPGHOME"
  chmod 700 "$GNUPGHOME"
  _deb stable base-files 1.0 all "" _fill_base_files
  _deb stable libhello 1.0 all "Provides: hello-abi (= 1)" _fill_libhello_1_0
  _deb security libhello 1.2 all "Provides: hello-abi (= 1)" _fill_libhello_1_2
  local arch
  for arch in amd64 arm64; do
    _deb stable hello 1.0 "$arch" "Pre-Depends: base-files
Depends: libhello (>= 1.1) | libhello-compat, debconf (>= 0.5) | debconf-2.0, mailer" _fill_hello
  done
  _deb stable tinymail 1.0 all "Provides: mailer" _fill_doc
  _deb stable debconf 1.0 all "Depends: perl" _fill_doc
  _deb stable perl 5.36 all "" _fill_doc
  _deb stable needs-perl 1.0 all "Depends: perl" _fill_doc
  _deb stable wants-new 1.0 all "Depends: libhello (>= 3.0)" _fill_doc
  _deb stable conflicter 1.0 all "Conflicts: tinymail" _fill_doc
  mkdir -p "$ARCHIVE/pool/evil"
  _evil_deb evil-dotdot dotdot
  _evil_deb evil-abs abs
  _evil_deb evil-dev dev
  gpg --batch --quiet --passphrase '' --quick-gen-key 'release-tool test archive <archive@example.org>' \
    ed25519 sign never 2>"$T/gpg-keygen.log" ||
    fail "gpg could not make the test archive's key (gpg-agent installed? scripts/install-deps.sh): $(tail -n 3 "$T/gpg-keygen.log")"
  KEYRING=$T/archive-keyring.gpg
  gpg --batch --export >"$KEYRING"
  local suite
  for suite in "${ARCHIVE_SUITES[@]}"; do sign_suite "$suite"; done
  # The agent gpg started for this key: nothing of a test outlives it.
  gpgconf --kill gpg-agent
  export ARCHIVE KEYRING
}

# sign_suite SUITE: Packages (plain and xz) for amd64 and arm64, Release, InRelease.
sign_suite() {
  local suite=$1 pool arch dir
  case $suite in stable) pool=stable ;; stable-security) pool=security ;; *) pool=$suite ;; esac
  for arch in amd64 arm64; do
    dir=$ARCHIVE/dists/$suite/main/binary-$arch
    mkdir -p "$dir"
    (cd "$ARCHIVE" && apt-ftparchive --arch "$arch" packages "pool/$pool") >"$dir/Packages" 2>/dev/null
    xz -9 -k -f "$dir/Packages"
  done
  (cd "$ARCHIVE/dists/$suite" &&
    apt-ftparchive -o APT::FTPArchive::Release::Suite="$suite" \
      -o APT::FTPArchive::Release::Codename="$suite" \
      -o APT::FTPArchive::Release::Architectures="amd64 arm64" \
      -o APT::FTPArchive::Release::Components=main \
      -o APT::FTPArchive::Release::Date="Sat, 01 Jan 2000 00:00:00 UTC" release . >Release.new &&
    mv Release.new Release &&
    gpg --batch --yes --quiet --digest-algo SHA256 --clearsign -o InRelease Release)
}

start_deb_server() {
  local portfile=$T/deb-server.port out=$T/deb-server.out
  DEB_LOG=$T/deb-server.log
  "$RT_PYTHON" "$RT_SUPPORT_DIR/deb_server.py" --root "$ARCHIVE" --port-file "$portfile" \
    --log "$DEB_LOG" >>"$out" 2>&1 &
  DEB_SERVER_PID=$!
  _rt_track "$DEB_SERVER_PID"
  _RT_LOGS+=("$out")
  _rt_wait "deb_server" "$DEB_SERVER_PID" "$out" test -s "$portfile"
  ARCHIVE_URL=http://127.0.0.1:$(<"$portfile")
  export ARCHIVE_URL DEB_LOG
}

# write_recipe FILE SUITES_JSON PACKAGES_JSON [EXTRA_JSON_MEMBERS]: a recipe for the test archive.
write_recipe() {
  cat >"$1" <<JSON
{
  "name": "test",
  "sources": $2,
  "architectures": ["amd64", "arm64"],
  "packages": $3,
  "exclude": ["perl", "dpkg"],
  "skip_dependencies": {"debconf": "maintainer scripts only"}${4:+,
  $4}
}
JSON
}

#!/usr/bin/env bash
# assemble, Dockerfile semantics as Docker (BuildKit) has them: COPY/ADD
# destination rules, globs, directory contents, .dockerignore, archives,
# WORKDIR, variables, ARG scoping, multi-stage builds, named contexts, and the
# config instructions. Each image is unpacked by umoci and inspected by skopeo;
# where buildah (a second, independent Dockerfile implementation) is installed,
# the same Dockerfile built by buildah must give the same files and config,
# except where buildah 1.28 departs from BuildKit (said where it happens).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016,SC2119 # '$X' in single quotes is Dockerfile text; rt_setup takes no script args
set -euo pipefail
# shellcheck source=../support/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/lib.sh"
rt_setup

# build CONTEXT TAG [ASSEMBLE_ARGS...] : assemble into the layout $T/oci-TAG
# (one per image: oci-image-tool 1.0.0-rc1 wrongly finds a ref "not unique" in
# an index of three entries or more), validate it, unpack it into
# $T/unpacked/TAG. $CONFIG is the image config.
build() {
  local ctx=$1 tag=$2
  shift 2
  assert_exit 0 "$RT_BIN" assemble "$@" --output "oci:$T/oci-$tag:$tag" "$ctx"
  CONFIG=$(skopeo inspect --config --raw "oci:$T/oci-$tag:$tag")
  # Its image-spec 1.0 schema wants at least one layer (1.1 allows none, as
  # BuildKit writes for a scratch image with config instructions only).
  if [[ $(cfg '.rootfs.diff_ids | length') != 0 ]]; then
    oci-image-tool validate --type image --ref "name=$tag" "$T/oci-$tag" >/dev/null
  fi
  rm -rf "$T/unpacked/$tag"
  umoci unpack --image "$T/oci-$tag:$tag" "$T/unpacked/$tag" >/dev/null
}
# listing DIR : type+mode, owner, path and link target of everything below DIR.
listing() {
  (cd "$1" && find . -mindepth 1 -printf '%M %U:%G %p %l\n' | LC_ALL=C sort -k3)
}
cfg() { jq -c "$1" <<<"$CONFIG"; }

HAVE_BUILDAH=0
if command -v buildah >/dev/null; then HAVE_BUILDAH=1; else echo "note: buildah not installed, no cross-check"; fi
# buildah_build CONTEXT TAG [BUD_ARGS...] : the same build with buildah, into
# $T/buildah-oci:TAG and $T/buildah-unpacked/TAG; $BCONFIG is its config.
buildah_build() {
  # DOCKER_CONFIG (set by rt_setup) makes buildah insist on a config.json there.
  local ctx=$1 tag=$2 b=(env -u DOCKER_CONFIG buildah --root "$T/buildah/root" --runroot "$T/buildah/run" --storage-driver vfs)
  shift 2
  "${b[@]}" bud --isolation chroot --timestamp 0 --quiet "$@" -t "rt-test-$tag" "$ctx" \
    >"$T/buildah-$tag.log" 2>&1 || { cat "$T/buildah-$tag.log" >&2; fail "buildah bud $tag"; }
  "${b[@]}" push --quiet "rt-test-$tag" "oci:$T/buildah-oci:$tag"
  umoci unpack --image "$T/buildah-oci:$tag" "$T/buildah-unpacked/$tag" >/dev/null
  BCONFIG=$(skopeo inspect --config --raw "oci:$T/buildah-oci:$tag")
}

# === COPY and ADD: destinations, globs, directories, .dockerignore, archives ===========
C1=$T/ctx-files
mkdir -p "$C1"/{dir/sub,dir/skip,logs,deep/a/b,tsrc/t}
cd "$C1"
echo a >a.txt
echo b >b.txt
printf '#!/bin/sh\necho run\n' >run.sh
chmod 755 run.sh
echo one >dir/one.txt
echo two >dir/sub/two.txt
echo s >dir/skip/s.txt
echo k >dir/skip/keep.txt
ln -s one.txt dir/rel-link
echo x >logs/x.log
echo c >deep/a/b/c.log
echo top >top.log
echo inner >tsrc/t/inner.txt
printf '#!/bin/sh\n' >tsrc/t/exec.sh
chmod 755 tsrc/t/exec.sh
ln -s inner.txt tsrc/t/link
tar --owner=1234 --group=5678 --mtime=@0 -czf arch.tar.gz -C tsrc t
rm -rf tsrc
echo "not a tar" | gzip -n >plain.gz
ln -s a.txt link-to-a
# Modes as a normal checkout has them, so that buildah (which keeps context
# modes, where release-tool normalises them) must agree.
chmod 644 a.txt b.txt top.log dir/one.txt dir/sub/two.txt logs/x.log
cd - >/dev/null
cat >"$C1/.dockerignore" <<'EOF'
# comments and blank lines are ignored

dir/skip
!dir/skip/keep.txt
**/*.log
!top.log
EOF
cat >"$C1/Dockerfile" <<'EOF'
FROM scratch
# COPY file /x is the file x; COPY file /x/ is /x/file.
COPY a.txt /file-as-name
COPY a.txt /into-dir/
# Several sources, and globs, into a directory.
COPY a.txt b.txt run.sh /several/
COPY *.txt /glob/
# A directory's contents, not the directory (with or without the slash).
COPY ["dir", "/contents/"]
COPY dir/ /contents-slash
# Directories stay, even when .dockerignore empties them.
COPY deep /deep/
COPY top.log logs /logs/
# ADD extracts a local tar archive (keeping its owners), copies anything else.
ADD arch.tar.gz /extracted/
ADD plain.gz /added/
ADD a.txt /added/
# A symlink named as a source is followed.
COPY link-to-a /followed
# An existing directory is a directory, slash or not.
COPY a.txt /existing/
COPY b.txt /existing
# Relative destinations are under WORKDIR.
WORKDIR /work
COPY a.txt relative.txt
COPY a.txt sub/
EOF
build "$C1" files
FILES_EXPECTED="drwxr-xr-x 0:0 ./added 
-rw-r--r-- 0:0 ./added/a.txt 
-rw-r--r-- 0:0 ./added/plain.gz 
drwxr-xr-x 0:0 ./contents 
drwxr-xr-x 0:0 ./contents-slash 
-rw-r--r-- 0:0 ./contents-slash/one.txt 
lrwxrwxrwx 0:0 ./contents-slash/rel-link one.txt
drwxr-xr-x 0:0 ./contents-slash/skip 
-rw-r--r-- 0:0 ./contents-slash/skip/keep.txt 
drwxr-xr-x 0:0 ./contents-slash/sub 
-rw-r--r-- 0:0 ./contents-slash/sub/two.txt 
-rw-r--r-- 0:0 ./contents/one.txt 
lrwxrwxrwx 0:0 ./contents/rel-link one.txt
drwxr-xr-x 0:0 ./contents/skip 
-rw-r--r-- 0:0 ./contents/skip/keep.txt 
drwxr-xr-x 0:0 ./contents/sub 
-rw-r--r-- 0:0 ./contents/sub/two.txt 
drwxr-xr-x 0:0 ./deep 
drwxr-xr-x 0:0 ./deep/a 
drwxr-xr-x 0:0 ./deep/a/b 
drwxr-xr-x 0:0 ./existing 
-rw-r--r-- 0:0 ./existing/a.txt 
-rw-r--r-- 0:0 ./existing/b.txt 
drwxr-xr-x 0:0 ./extracted 
drwxr-xr-x 1234:5678 ./extracted/t 
-rwxr-xr-x 1234:5678 ./extracted/t/exec.sh 
-rw-r--r-- 1234:5678 ./extracted/t/inner.txt 
lrwxrwxrwx 1234:5678 ./extracted/t/link inner.txt
-rw-r--r-- 0:0 ./file-as-name 
-rw-r--r-- 0:0 ./followed 
drwxr-xr-x 0:0 ./glob 
-rw-r--r-- 0:0 ./glob/a.txt 
-rw-r--r-- 0:0 ./glob/b.txt 
drwxr-xr-x 0:0 ./into-dir 
-rw-r--r-- 0:0 ./into-dir/a.txt 
drwxr-xr-x 0:0 ./logs 
-rw-r--r-- 0:0 ./logs/top.log 
drwxr-xr-x 0:0 ./several 
-rw-r--r-- 0:0 ./several/a.txt 
-rw-r--r-- 0:0 ./several/b.txt 
-rwxr-xr-x 0:0 ./several/run.sh 
drwxr-xr-x 0:0 ./work 
-rw-r--r-- 0:0 ./work/relative.txt 
drwxr-xr-x 0:0 ./work/sub 
-rw-r--r-- 0:0 ./work/sub/a.txt "
R=$T/unpacked/files/rootfs
assert_eq "$FILES_EXPECTED" "$(listing "$R")" "COPY/ADD file tree"
assert_eq "a" "$(<"$R/followed")" "symlinked source copied as its target's content"
cmp "$C1/plain.gz" "$R/added/plain.gz" || fail "a gzip file that is not a tar archive must be copied as is"
assert_eq "inner" "$(<"$R/extracted/t/inner.txt")"
assert_eq '"/work"' "$(cfg .config.WorkingDir)"
assert_eq 17 "$(cfg '.rootfs.diff_ids | length')" "one layer per COPY/ADD (16), one for WORKDIR"
if ((HAVE_BUILDAH)); then
  buildah_build "$C1" files
  assert_eq "$FILES_EXPECTED" "$(listing "$T/buildah-unpacked/files/rootfs")" "buildah's file tree"
fi
pass "COPY/ADD: destinations, globs, directory contents, .dockerignore, ADD of archives"

# Modes do not depend on the checkout: 0755 if any execute bit, else 0644.
mkdir -p "$T/ctx-modes"
(cd "$T/ctx-modes" && touch u700 u600 g070 o001 && chmod 700 u700 && chmod 600 u600 &&
  chmod 070 g070 && chmod 001 o001)
printf 'FROM scratch\nCOPY . /m/\nCOPY --chmod=0640 u700 /chmod/u700\nCOPY --chown=10:20 --chmod=755 u600 /chown/\n' >"$T/ctx-modes/Dockerfile"
build "$T/ctx-modes" modes
assert_eq "drwxr-xr-x 0:0 ./chmod 
-rw-r----- 0:0 ./chmod/u700 
drwxr-xr-x 10:20 ./chown 
-rwxr-xr-x 10:20 ./chown/u600 
drwxr-xr-x 0:0 ./m 
-rw-r--r-- 0:0 ./m/Dockerfile 
-rwxr-xr-x 0:0 ./m/g070 
-rwxr-xr-x 0:0 ./m/o001 
-rw-r--r-- 0:0 ./m/u600 
-rwxr-xr-x 0:0 ./m/u700 " "$(listing "$T/unpacked/modes/rootfs")" "normalised modes, --chmod, --chown"
pass "modes normalised; --chmod and --chown (on the files and the directories COPY creates)"

# === Heredocs (Dockerfile 1.4): COPY/ADD <<WORD write the body as the file WORD ==========
# buildah 1.28 has no heredocs (1.33 added them), so the unpacked files are checked as
# BuildKit writes them: $VAR expanded with the stage's ARG/ENV unless WORD is quoted, quotes
# kept, 0644 unless --chmod, 0:0 unless --chown, mixed with context files.
C5=$T/ctx-heredoc
mkdir -p "$C5"
echo ctx >"$C5/ctx.txt"
printf 'FROM scratch\nARG WHO=world\nENV GREETING=hello\nCOPY <<EOF /etc/motd\n$GREETING "${WHO}" don'\''t\nEOF\nCOPY --chown=7:8 <<one <<"two" ctx.txt /multi/\n1 $WHO\none\n2 $WHO\ntwo\nADD --chmod=0755 <<-EOT /bin/tool\n\t#!/bin/sh\n\techo $WHO\n\tEOT\n' >"$C5/Dockerfile"
build "$C5" heredoc --build-arg WHO=you
R=$T/unpacked/heredoc/rootfs
assert_eq "drwxr-xr-x 0:0 ./bin 
-rwxr-xr-x 0:0 ./bin/tool 
drwxr-xr-x 0:0 ./etc 
-rw-r--r-- 0:0 ./etc/motd 
drwxr-xr-x 7:8 ./multi 
-rw-r--r-- 7:8 ./multi/ctx.txt 
-rw-r--r-- 7:8 ./multi/one 
-rw-r--r-- 7:8 ./multi/two " "$(listing "$R")" "heredoc files"
assert_eq "hello \"you\" don't" "$(<"$R/etc/motd")" "an unquoted heredoc expands ARG and ENV; quotes are plain text"
assert_eq '1 you' "$(<"$R/multi/one")"
assert_eq '2 $WHO' "$(<"$R/multi/two")" "a quoted heredoc word: no expansion"
assert_eq $'#!/bin/sh\necho you' "$(<"$R/bin/tool")" "<<- strips leading tabs"
assert_eq "ctx" "$(<"$R/multi/ctx.txt")"
FIRST=$(skopeo inspect --raw "oci:$T/oci-heredoc:heredoc" | jq -c .layers)
build "$C5" heredoc --build-arg WHO=you
assert_eq "$FIRST" "$(skopeo inspect --raw "oci:$T/oci-heredoc:heredoc" | jq -c .layers)" "same layers on a rebuild"
printf 'FROM scratch\nCOPY <<EOF /x\nno end\n' >"$C5/Dockerfile"
assert_exit 2 "$RT_BIN" assemble --output "oci:$T/oci-hd-bad:t" "$C5"
assert_contains "$ERR" "Dockerfile:2: unterminated heredoc <<EOF"
printf 'FROM scratch\nRUN <<EOF\nmake\nEOF\nCOPY ctx.txt /\n' >"$C5/Dockerfile"
assert_exit 2 "$RT_BIN" assemble --output "oci:$T/oci-hd-run:t" "$C5"
assert_contains "$ERR" "Dockerfile:2: RUN is not supported"
pass "heredocs: COPY/ADD <<WORD files, expansion unless quoted, <<-, --chown/--chmod, errors"

# === Parser directives, continuations, variables, config instructions ===============
C2=$T/ctx-config
mkdir -p "$C2"
echo f >"$C2/f"
cat >"$C2/Dockerfile" <<'EOF'
# escape=`
ARG BASE=scratch
ARG GLOBAL=global-default
FROM ${BASE}
ARG GLOBAL
ARG UNSET
ARG DEF=default
ARG OVERRIDDEN=from-dockerfile
ENV A=${UNSET:-fallback} `
# a comment inside a continuation
    B=${DEF:+set} `
    C=${UNSET:+never}x `
    D=$GLOBAL E="with space" F='single $DEF' G=${OVERRIDDEN}
ENV OLD style value
ENV WIN C:\path
LABEL "quoted key"="v" plain=1 `
      multi="a `
b"
EXPOSE 80 443/tcp 53/udp 8000-8002
VOLUME /data ["/logs"]
VOLUME ["/a", "/b"]
STOPSIGNAL SIGINT
USER 1000:1000
CMD echo "hi $A"
ENTRYPOINT ["/app"]
EOF
build "$C2" config --build-arg OVERRIDDEN=from-flag
CONFIG_EXPECTED='{"Cmd":["/bin/sh","-c","echo \"hi $A\""],"Entrypoint":["/app"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=fallback","B=set","C=x","D=global-default","E=with space","F=single $DEF","G=from-flag","OLD=style value","WIN=C:\\path"],"ExposedPorts":{"443/tcp":{},"53/udp":{},"80/tcp":{},"8000/tcp":{},"8001/tcp":{},"8002/tcp":{}},"Labels":{"multi":"a b","plain":"1","quoted key":"v"},"StopSignal":"SIGINT","User":"1000:1000","Volumes":{"/a":{},"/b":{},"/data":{},"[/logs]":{}}}'
assert_eq "$CONFIG_EXPECTED" "$(jq -cS .config <<<"$CONFIG")" "config"
assert_eq 0 "$(cfg '.rootfs.diff_ids | length')" "no layer: only config instructions"
if ((HAVE_BUILDAH)); then
  buildah_build "$C2" config --build-arg OVERRIDDEN=from-flag
  # buildah 1.28 departs from BuildKit twice here: it keeps "8000-8002/tcp" as
  # one key (BuildKit, via nat.ParsePortSpecs, lists each port), and it treats
  # '\' as an escape under "# escape=`" ("C:path"). Those two fields are set
  # to BuildKit's values before comparing.
  assert_eq "$CONFIG_EXPECTED" "$(jq -cS '.config | del(.Labels["io.buildah.version"])
    | .ExposedPorts |= (del(.["8000-8002/tcp"]) + {"8000/tcp":{},"8001/tcp":{},"8002/tcp":{}})
    | .Env |= map(if . == "WIN=C:path" then "WIN=C:\\path" else . end)' <<<"$BCONFIG")" "buildah's config"
fi
pass "escape directive, continuations with comments, \${VAR:-x} \${VAR:+x}, ARG/ENV/LABEL/EXPOSE/VOLUME/STOPSIGNAL/USER"

# A directive only counts before any comment; '# syntax' may come first.
printf '# syntax=docker/dockerfile:1\n#escape = `\nFROM scratch\nENV A=one `\n    B=two C=\\x\n' >"$C2/Dockerfile"
build "$C2" directive
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=one","B=two","C=\\x"]' "$(cfg .config.Env)"
printf '# a comment first\n# escape=`\nFROM scratch\nENV A=one\\\nB=two C=`x\n' >"$C2/Dockerfile"
build "$C2" not-directive
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=oneB=two","C=`x"]' "$(cfg .config.Env)"
pass "parser directives: '# syntax' first, '# escape' after a comment is only a comment"

# === SHELL, CMD/ENTRYPOINT forms, HEALTHCHECK (buildah ignores SHELL and HEALTHCHECK in OCI images) ===
cat >"$C2/Dockerfile" <<'EOF'
FROM scratch AS base
CMD ["base-cmd"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --retries=3 CMD curl -f http://localhost/ || exit 1

FROM base AS shell
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
CMD run this
ENTRYPOINT exec app

FROM base AS reset
ENTRYPOINT ["/app"]

FROM base AS keep
ENTRYPOINT ["/app"]
CMD ["arg"]

FROM base AS json-mistake
CMD ["a", ]
HEALTHCHECK NONE

FROM base AS hc-exec
HEALTHCHECK --interval=1m CMD ["/bin/check", "--fast"]
EOF
build "$C2" shell --target shell
assert_eq '["/bin/bash","-o","pipefail","-c"]' "$(cfg .config.Shell)"
assert_eq '["/bin/bash","-o","pipefail","-c","run this"]' "$(cfg .config.Cmd)" "CMD shell form through SHELL"
assert_eq '["/bin/bash","-o","pipefail","-c","exec app"]' "$(cfg .config.Entrypoint)" "ENTRYPOINT keeps this stage's CMD"
assert_eq '{"Interval":30000000000,"Retries":3,"StartPeriod":90000000000,"Test":["CMD-SHELL","curl -f http://localhost/ || exit 1"],"Timeout":5000000000}' \
  "$(jq -cS .config.Healthcheck <<<"$CONFIG")" "HEALTHCHECK inherited from the base stage"
build "$C2" reset --target reset
assert_eq 'null ["/app"]' "$(cfg .config.Cmd) $(cfg .config.Entrypoint)" "ENTRYPOINT resets an inherited CMD"
build "$C2" keep --target keep
assert_eq '["arg"] ["/app"]' "$(cfg .config.Cmd) $(cfg .config.Entrypoint)"
build "$C2" json-mistake --target json-mistake
assert_eq '["/bin/sh","-c","[\"a\", ]"]' "$(cfg .config.Cmd)" "invalid JSON is the shell form, as in Docker"
assert_eq '{"Test":["NONE"]}' "$(cfg .config.Healthcheck)"
build "$C2" hc-exec --target hc-exec
assert_eq '{"Interval":60000000000,"Test":["CMD","/bin/check","--fast"]}' "$(jq -cS .config.Healthcheck <<<"$CONFIG")"
pass "SHELL, CMD/ENTRYPOINT shell and exec forms, ENTRYPOINT resetting CMD, HEALTHCHECK"

# === WORKDIR: relative chaining, variables, created directories owned by USER ===========
cat >"$C2/Dockerfile" <<'EOF'
FROM scratch
ENV SUB=leaf
WORKDIR /w
WORKDIR a
WORKDIR ../b
WORKDIR ./c/$SUB
USER 1000:1000
WORKDIR /home/user/app
WORKDIR /w
EOF
build "$C2" workdir
assert_eq '"/w"' "$(cfg .config.WorkingDir)"
assert_eq "drwxr-xr-x 1000:1000 ./home 
drwxr-xr-x 1000:1000 ./home/user 
drwxr-xr-x 1000:1000 ./home/user/app 
drwxr-xr-x 0:0 ./w 
drwxr-xr-x 0:0 ./w/a 
drwxr-xr-x 0:0 ./w/b 
drwxr-xr-x 0:0 ./w/b/c 
drwxr-xr-x 0:0 ./w/b/c/leaf " "$(listing "$T/unpacked/workdir/rootfs")" "WORKDIR directories"
# The last WORKDIR /w exists: no layer, an empty_layer history entry.
assert_eq '[["WORKDIR /w",false],["WORKDIR a",false],["WORKDIR ../b",false],["WORKDIR ./c/$SUB",false],["WORKDIR /home/user/app",false],["WORKDIR /w",true]]' \
  "$(cfg '[.history[] | select(.created_by | startswith("WORKDIR")) | [.created_by, (.empty_layer // false)]]')"
pass "WORKDIR: relative chaining, variables, creation owned by USER"

# === ARG scoping, --build-arg(-file), multi-stage, --target, COPY --from ====================
C3=$T/ctx-stages
mkdir -p "$C3"
echo a >"$C3/a.txt"
echo b >"$C3/b.txt"
cat >"$C3/Dockerfile" <<'EOF'
ARG VERSION=1.0
ARG STAGE_BASE=scratch
FROM ${STAGE_BASE} AS build
ARG VERSION
ARG FROM_FILE
ARG QUOTED
ARG NOT_GIVEN
COPY --chown=10:20 a.txt /build/a-${VERSION}.txt
ENV BUILD_VERSION=${VERSION} FROM_FILE=${FROM_FILE} QUOTED=${QUOTED} NOT_GIVEN=${NOT_GIVEN:-empty}
CMD ["build"]

FROM build AS child
# ARGs end with their stage; ENV is inherited through FROM build.
ENV CHILD_SEES=${VERSION:-no-arg}
COPY b.txt /child/

FROM scratch AS final
COPY --from=build /build/ /from-build/
COPY --from=0 /build/a-2.0.txt /from-index.txt
COPY --from=child /child/b.txt /b.txt
ENTRYPOINT ["/app"]
EOF
cat >"$T/args.env" <<'EOF'
# comment

FROM_FILE=from-file
QUOTED="a value # with a hash"
VERSION=overridden-by-the-flag
EOF
build "$C3" final --build-arg-file "$T/args.env" --build-arg VERSION=2.0
assert_eq "-rw-r--r-- 0:0 ./b.txt 
drwxr-xr-x 0:0 ./from-build 
-rw-r--r-- 10:20 ./from-build/a-2.0.txt 
-rw-r--r-- 10:20 ./from-index.txt " "$(listing "$T/unpacked/final/rootfs")" \
  "final stage (COPY --from keeps owners)"
assert_eq "b" "$(<"$T/unpacked/final/rootfs/b.txt")"
assert_eq '{"Entrypoint":["/app"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}' "$(jq -cS .config <<<"$CONFIG")"
assert_eq 3 "$(cfg '.rootfs.diff_ids | length')" "only the final stage's layers"
build "$C3" build --target build --build-arg-file "$T/args.env" --build-arg VERSION=2.0
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","BUILD_VERSION=2.0","FROM_FILE=from-file","QUOTED=a value # with a hash","NOT_GIVEN=empty"]' "$(cfg .config.Env)"
build "$C3" child --target child
assert_eq '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","BUILD_VERSION=1.0","FROM_FILE=","QUOTED=","NOT_GIVEN=empty","CHILD_SEES=no-arg"]' "$(cfg .config.Env)" "defaults, and ARGs not inherited"
assert_eq '["build"]' "$(cfg .config.Cmd)" "FROM a stage inherits its config"
assert_eq "drwxr-xr-x 10:20 ./build 
-rw-r--r-- 10:20 ./build/a-1.0.txt 
drwxr-xr-x 0:0 ./child 
-rw-r--r-- 0:0 ./child/b.txt " "$(listing "$T/unpacked/child/rootfs")" "FROM a stage inherits its files"
pass "global ARG in FROM, ARG re-declared, --build-arg over --build-arg-file over defaults, stages"

# === A base image from an OCI layout (--build-context NAME=oci-layout://DIR:TAG) ===========
# Made by umoci: a first layer with users and files, a second deleting one (a whiteout).
umoci init --layout "$T/base"
umoci new --image "$T/base:v1"
umoci unpack --image "$T/base:v1" "$T/base-b1" >/dev/null
mkdir -p "$T/base-b1/rootfs/etc" "$T/base-b1/rootfs/opt/app"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/opt/app:/bin/sh\n' >"$T/base-b1/rootfs/etc/passwd"
printf 'root:x:0:\napp:x:1002:\nstaff:x:50:app\n' >"$T/base-b1/rootfs/etc/group"
echo keep >"$T/base-b1/rootfs/opt/app/keep.txt"
echo gone >"$T/base-b1/rootfs/opt/app/gone.txt"
umoci repack --image "$T/base:v1" "$T/base-b1"
umoci unpack --image "$T/base:v1" "$T/base-b2" >/dev/null
rm "$T/base-b2/rootfs/opt/app/gone.txt"
umoci repack --image "$T/base:v2" "$T/base-b2"
umoci config --image "$T/base:v2" --config.cmd base-cmd --config.env BASE=1 \
  --config.workingdir /opt/app --config.user app
BASE_DIGEST=$(skopeo inspect "oci:$T/base:v2" | jq -r .Digest)
BASE_DIFF_IDS=$(skopeo inspect --config --raw "oci:$T/base:v2" | jq -c .rootfs.diff_ids)

C4=$T/ctx-base
mkdir -p "$C4"
echo a >"$C4/a.txt"
cat >"$C4/Dockerfile" <<'EOF'
FROM base AS app
COPY --chown=app:staff a.txt /opt/app/owned.txt
COPY --chown=app a.txt /opt/app/owned-primary.txt
WORKDIR /srv/data
ENTRYPOINT ["/entry"]

FROM scratch AS pick
COPY --from=base /opt/app/ /picked/
COPY --from=base /etc/passwd /etc/group /picked-etc/

FROM scratch AS deleted
COPY --from=base /opt/app/gone.txt /
EOF
ctx_flag=(--build-context "base=oci-layout://$T/base:v2")
assert_exit 2 "$RT_BIN" assemble "${ctx_flag[@]}" --target deleted --output "oci:$T/oci-deleted:t" "$C4"
assert_contains "$ERR" "$C4/Dockerfile:12: /opt/app/gone.txt: no such file"
build "$C4" app --target app "${ctx_flag[@]}"
assert_eq "drwxr-xr-x 0:0 ./etc 
-rw-r--r-- 0:0 ./etc/group 
-rw-r--r-- 0:0 ./etc/passwd 
drwxr-xr-x 0:0 ./opt 
drwxr-xr-x 0:0 ./opt/app 
-rw-r--r-- 0:0 ./opt/app/keep.txt 
-rw-r--r-- 1001:1002 ./opt/app/owned-primary.txt 
-rw-r--r-- 1001:50 ./opt/app/owned.txt 
drwxr-xr-x 1001:1002 ./srv 
drwxr-xr-x 1001:1002 ./srv/data " "$(listing "$T/unpacked/app/rootfs")" \
  "base files (whiteout applied), --chown by name, WORKDIR owned by USER app"
assert_eq '{"Entrypoint":["/entry"],"Env":["BASE=1","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"User":"app","WorkingDir":"/srv/data"}' \
  "$(jq -cS .config <<<"$CONFIG")" "base config kept, PATH added, inherited CMD reset by ENTRYPOINT"
assert_eq "$BASE_DIFF_IDS" "$(cfg '.rootfs.diff_ids[:2]')" "the base's layers come first"
assert_eq 5 "$(cfg '.rootfs.diff_ids | length')"
assert_eq "[\"umoci repack\",\"umoci repack\",\"umoci config\"]" "$(cfg '[.history[:3][].created_by]')" "base history kept"
manifest=$T/oci-app/blobs/sha256/$(skopeo inspect "oci:$T/oci-app:app" | jq -r '.Digest | ltrimstr("sha256:")')
assert_eq "{\"org.opencontainers.image.base.digest\":\"$BASE_DIGEST\",\"org.opencontainers.image.base.name\":\"base\"}" \
  "$(jq -cS .annotations "$manifest")" "base annotations"
build "$C4" pick --target pick "${ctx_flag[@]}"
assert_eq "drwxr-xr-x 0:0 ./picked 
drwxr-xr-x 0:0 ./picked-etc 
-rw-r--r-- 0:0 ./picked-etc/group 
-rw-r--r-- 0:0 ./picked-etc/passwd 
-rw-r--r-- 0:0 ./picked/keep.txt " "$(listing "$T/unpacked/pick/rootfs")" "COPY --from=a named context"
pass "--build-context oci-layout:// as FROM and COPY --from: whiteouts, users, config, history"

# === Files taken from two stages' bases, the first stage read again =========================
# Every stage (and every COPY --from an image) extracts base files into the one build
# workspace; they once named them by a per-stage count, so stage b's first file replaced
# stage a's, and the second COPY --from=a got b's bytes.
umoci init --layout "$T/other"
umoci new --image "$T/other:v1"
umoci unpack --image "$T/other:v1" "$T/other-b1" >/dev/null
echo plop >"$T/other-b1/rootfs/other.txt" # as long as keep.txt: no size check can notice
umoci repack --image "$T/other:v1" "$T/other-b1"
C6=$T/ctx-two-bases
mkdir -p "$C6"
cat >"$C6/Dockerfile" <<'EOF2'
FROM base AS a
FROM other AS b
FROM scratch
COPY --from=a /opt/app/keep.txt /x1
COPY --from=b /other.txt /y1
COPY --from=a /opt/app/keep.txt /x2
COPY --from=other /other.txt /y2
COPY --from=base /opt/app/keep.txt /x3
EOF2
build "$C6" two --build-context "base=oci-layout://$T/base:v2" --build-context "other=oci-layout://$T/other:v1"
R=$T/unpacked/two/rootfs
assert_eq "keep plop keep plop keep" "$(cat "$R/x1" "$R/y1" "$R/x2" "$R/y2" "$R/x3" | tr '\n' ' ' | sed 's/ $//')" \
  "each file from its own stage or image"
pass "COPY --from two stages' bases, the first again: each file's own bytes"

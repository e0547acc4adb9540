{
  description = "release-tool: reproducible release images (OCI) built and pushed without a container daemon";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      # Linux only: the tool and its tests use Linux file ownership, chroot and runc.
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # The libraries of the build, as Debian 12 provides them (see scripts/install-deps.sh):
      # fmt 9 and Catch2 v2 are the majors the code is written and tested against.
      libraries = pkgs: with pkgs; [ curl openssl libarchive nlohmann_json cli11 fmt_9 libdeflate zlib ];

      mkReleaseTool = pkgs: pkgs.stdenv.mkDerivation (finalAttrs: {
        pname = "release-tool";
        version = "0.1.0"; # project(release-tool VERSION …) in CMakeLists.txt
        # Only what the build and the unit tests read: a change to docs/ or the
        # integration tests does not rebuild the package.
        src = lib.fileset.toSource {
          root = ./.;
          fileset = lib.fileset.unions [ ./CMakeLists.txt ./src ./tests/CMakeLists.txt ./tests/unit ];
        };
        nativeBuildInputs = with pkgs; [ cmake ninja pkg-config ];
        buildInputs = libraries pkgs;
        checkInputs = [ pkgs.catch2 ];
        cmakeFlags = [ (lib.cmakeBool "BUILD_TESTING" finalAttrs.doCheck) ];
        doCheck = true;
        # The unit tests, without the two groups that start Debian's docker-registry
        # and /usr/bin/python3 servers (the integration tests, apps.tests, need the
        # same tools and root; they are not run in the sandbox).
        checkPhase = ''
          runHook preCheck
          ./tests/unit-tests '~[registry-live]' '~[github-live]'
          runHook postCheck
        '';
        meta = {
          description = "Builds reproducible OCI release images from Dockerfiles without a daemon, and pushes them";
          mainProgram = "release-tool";
          platforms = lib.platforms.linux;
        };
      });

      # What the integration tests and demo run besides release-tool (the Debian
      # packages of scripts/install-deps.sh, under their nixpkgs names).
      testTools = pkgs: with pkgs; [
        bash coreutils findutils gnugrep gnused gawk gnutar gzip diffutils which procps
        git gnumake gcc glibc.static # the example's stand-in binaries are static
        curl jq openssl
        (python3.withPackages (ps: [ ps.cryptography ])) # token server, fake GitHub, fault proxy
        apacheHttpd # htpasswd -B
        # The tests start Debian's `docker-registry serve CONFIG`; nixpkgs calls it `registry`.
        (writeShellScriptBin "docker-registry" ''exec ${docker-distribution}/bin/registry "$@"'')
        skopeo umoci runc
        libfaketime # faketime: 032 builds a checkout under another clock
        strace shellcheck
      ];
    in
    {
      packages = forAllSystems (pkgs: rec {
        release-tool = mkReleaseTool pkgs;
        default = release-tool;
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.release-tool ];
          packages = [ pkgs.catch2 pkgs.clang-tools pkgs.gdb ] ++ testTools pkgs;
          shellHook = ''
            echo "release-tool dev shell: cmake -S . -B build -G Ninja && ninja -C build && (cd build && ctest)"
          '';
        };
      });

      apps = forAllSystems (pkgs:
        let
          pkg = self.packages.${pkgs.stdenv.hostPlatform.system}.release-tool;
          tests = pkgs.writeShellApplication {
            name = "release-tool-tests";
            runtimeInputs = testTools pkgs;
            text = ''
              # The integration tests (tests/integration/NNN-*.sh) against the
              # packaged binary; the unit tests ran when the package was built.
              # As on CI, they need root (chroot, runc, file owners in images).
              export RT_BIN=${lib.getExe pkg} RT_SOURCE_DIR=${self}
              # Exit 77 is a skip (083 with RT_TEST_NO_DEBIAN_ARCHIVE=1).
              passed=0 failed=0 skipped=0
              for t in "$RT_SOURCE_DIR"/tests/integration/[0-9]*.sh; do
                echo "== ''${t##*/}"
                rc=0
                bash "$t" || rc=$?
                if [ "$rc" -eq 0 ]; then passed=$((passed + 1))
                elif [ "$rc" -eq 77 ]; then skipped=$((skipped + 1))
                else failed=$((failed + 1)); echo "FAILED: ''${t##*/}"; fi
              done
              echo "$passed passed, $failed failed, $skipped skipped"
              [ "$failed" -eq 0 ]
            '';
          };
        in
        {
          default = { type = "app"; program = lib.getExe pkg; };
          tests = { type = "app"; program = lib.getExe tests; };
        });

      checks = forAllSystems (pkgs: {
        release-tool = self.packages.${pkgs.stdenv.hostPlatform.system}.release-tool; # builds and runs the unit tests
      });

      formatter = forAllSystems (pkgs: pkgs.nixpkgs-fmt);
    };
}

#!/usr/bin/env bash
# Builds the Linux packages (.deb and .rpm) with the Tauri bundler; both carry the desktop app
# (/usr/bin/countersign-app), the command line (/usr/bin/countersign) and the launcher that runs
# them as the hall's account for the clerks (/usr/bin/countersign-launch, made setuid by the
# postinst).
#   scripts/package.sh            release packages, for distribution (target/release/bundle/)
#   scripts/package.sh --debug    from the debug build the tests already made (what CI installs):
#                                 the same cargo command as test.sh's build (a no-op after it),
#                                 then `tauri bundle` over those binaries. Building them again
#                                 with `-p` or `tauri build` resolves features without the
#                                 dev-dependencies and recompiles ~300 crates (10 min in CI).
#                                 The app so built embeds ui/dist all the same (no devUrl).
# AppImage is not built: its bundler downloads AppRun from the internet at build time.
# Windows installers are built on Windows: see installers/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${1:-}" = "--debug" ] && profile=debug
scripts/ui.sh --build
if [ "$profile" = debug ]; then
    cargo build --workspace --all-targets --locked
else
    cargo build -p countersign-cli -p countersign-launch --locked --release
fi
mkdir -p target/package
cp "target/$profile/countersign" target/package/countersign
cp "target/$profile/countersign-launch" target/package/countersign-launch
# The Tauri CLI from ui/'s lockfile; from the repository root it finds src-tauri/.
if [ "$profile" = debug ]; then
    ui/node_modules/.bin/tauri bundle --debug --bundles deb,rpm --ci
else
    ui/node_modules/.bin/tauri build --bundles deb,rpm --ci -- --locked
fi
ls -l "target/$profile/bundle/deb/"*.deb "target/$profile/bundle/rpm/"*.rpm

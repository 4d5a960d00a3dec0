#!/usr/bin/env bash
# Builds the Linux packages (.deb and .rpm) with the Tauri bundler; both carry the desktop app
# (/usr/bin/countersign-app) and the command line (/usr/bin/countersign).
#   scripts/package.sh            release packages, for distribution (target/release/bundle/)
#   scripts/package.sh --debug    from the debug build the tests already made (what CI installs)
# AppImage is not built: its bundler downloads AppRun from the internet at build time.
# Windows installers are built on Windows: see installers/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
tauri_flag=()
cargo_flag=(--release)
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    tauri_flag=(--debug)
    cargo_flag=()
fi
scripts/ui.sh --build
cargo build -p countersign-cli --locked "${cargo_flag[@]}"
mkdir -p target/package
cp "target/$profile/countersign" target/package/countersign
# The Tauri CLI from ui/'s lockfile; from the repository root it finds src-tauri/.
ui/node_modules/.bin/tauri build "${tauri_flag[@]}" --bundles deb,rpm --ci -- --locked
ls -l "target/$profile/bundle/deb/"*.deb "target/$profile/bundle/rpm/"*.rpm

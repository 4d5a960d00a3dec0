#!/usr/bin/env bash
# Installs tauri-driver (the WebDriver bridge the app's end-to-end tests use) when missing.
# Idempotent; about 45 s the first time.
set -euo pipefail
version=2.1.0
bin=${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver
if [ -x "$bin" ] && "$bin" --help >/dev/null 2>&1; then
    exit 0
fi
cargo install tauri-driver --locked --version "$version" --quiet

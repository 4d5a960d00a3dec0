#!/usr/bin/env bash
# Interop with an independent eddsa-jcs-2022 implementation (Digital Bazaar's, behind the W3C
# test suite), both ways: tests/interop/interop.mjs. Installs the pinned packages from
# tests/interop/package-lock.json with `npm ci` (from the npm cache when offline, after the
# first run); does nothing to install when the installed tree matches the lockfile.
#
# COUNTERSIGN_CLI names the countersign binary (default: target/debug/countersign, built here
# with `cargo build -p countersign-cli` when missing). Exit 1 when the two disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/tests/interop"
command -v npm >/dev/null || { echo "missing npm: install Node.js 20 or newer"; exit 1; }
stamp=node_modules/.countersign-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
fi
export COUNTERSIGN_CLI="${COUNTERSIGN_CLI:-$root/target/debug/countersign}"
if [ ! -x "$COUNTERSIGN_CLI" ]; then
    (cd "$root" && cargo build --locked -p countersign-cli)
fi
node interop.mjs

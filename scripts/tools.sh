#!/usr/bin/env bash
# Installs the pinned npm tools (tools/package.json: solc, Foundry's anvil) into tools/node_modules.
# Idempotent: does nothing when the installed tree matches the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/../tools"
stamp=node_modules/.countersign-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && [ -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "missing npm: install Node.js 20 or newer"; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "tools: $(node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil --version | head -1), solc $(node -e 'console.log(require("solc").version())')"

#!/usr/bin/env bash
# Builds the clerk's screen (ui/): installs its npm packages from the lockfile when they changed,
# runs its unit tests (Vitest) and builds it into ui/dist, which the desktop app serves.
#   scripts/ui.sh            install, test, build
#   scripts/ui.sh --build    install and build only
set -euo pipefail
cd "$(dirname "$0")/../ui"
stamp=node_modules/.lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$hash" >"$stamp"
fi
if [ "${1:-}" != "--build" ]; then
    npx vitest run --reporter=dot
fi
npx tsc --noEmit
npx vite build --logLevel warn

#!/usr/bin/env bash
# Runs every test Countersign has, on a fresh machine of this kind, from a fresh clone.
# Installs what it needs (idempotently), prints each phase's time, fails on the first failure.
#
#   scripts/test.sh                   everything (what CI runs)
#   FUZZ_SECONDS=0 scripts/test.sh    skip the fuzzing phase
# It installs the .deb on this machine (and removes it): run it on a CI or test machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# A run from a fresh clone never reuses incremental state; without it the target directory is
# about 10 GB smaller (a full machine failed CI once).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

started=$(date +%s)
phase_started=$started
phase() {
    local now
    now=$(date +%s)
    if [ -n "${current:-}" ]; then
        printf '== %-28s %4ds\n' "$current" $((now - phase_started))
    fi
    current="$1"
    phase_started=$now
    [ -n "$1" ] && echo "== $1 ..."
    return 0
}

phase "toolchain"
for tool in cargo rustfmt; do
    command -v "$tool" >/dev/null || { echo "missing $tool: install the Rust toolchain (rustup)"; exit 1; }
done
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo --version

phase "tools (npm: solc, anvil, ui; apt: sqlite3, webkit, xvfb, openssl; tauri-driver)"
scripts/tools.sh
scripts/system-packages.sh
scripts/app-tools.sh

phase "ui (vitest, type check, build)"
scripts/ui.sh

phase "contract build matches source"
node contracts/compile.mjs --check

phase "format"
cargo fmt --all --check

phase "public type names unique across crates"
scripts/unique-type-names.sh

phase "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# One build of every target with the features the tests unify (dev-dependencies included):
# the tests, the app's end-to-end tests (which start target/debug/countersign-app) and the demo
# reuse it instead of rebuilding with another feature set.
phase "build (debug: every target, CLI, desktop app)"
cargo build --workspace --all-targets --locked

phase "tests (debug; the app's end to end under Xvfb)"
cargo test --workspace --all-targets --locked

# The national profile (国密) against an independent implementation: OpenSSL 3 signs with SM2
# and we verify, we sign and it verifies, SM3 and PBKDF2-HMAC-SM3 values agree. Those tests ran
# in the tests phase above (crates/crypto/tests/openssl.rs and the guomi tests of each crate);
# this names the OpenSSL they ran against, without building or running them twice.
phase "国密 cross-checks (OpenSSL 3: SM2, SM3): ran with the tests, against"
openssl version

phase "doc tests"
cargo test --workspace --doc --locked

phase "demo on a real anvil chain"
COUNTERSIGN_CLI=$PWD/target/debug/countersign scripts/demo.sh >/dev/null

# The same demo under the national profile: SM2 issuers and credentials in SM3 batches, an SM2
# hall key signing receipts, checkpoints and the day, an SM3 log; only guomi accepted.
phase "demo under the national profile (国密)"
COUNTERSIGN_CLI=$PWD/target/debug/countersign scripts/demo.sh --guomi >/dev/null

# Our credentials in an independent eddsa-jcs-2022 verifier and its credentials in ours
# (tests/interop, pinned by its package-lock.json).
phase "interop (independent eddsa-jcs-2022 verifier)"
COUNTERSIGN_CLI=$PWD/target/debug/countersign scripts/interop.sh

# The Linux packages from the debug build the tests used, then the .deb installed on this
# machine as IT would: provisioned with a signed bundle, checked with the installed doctor,
# every refusal, removal keeping the hall's data (docs/INSTALL.md, "What CI proves").
phase "package (.deb, .rpm from the debug build)"
scripts/package.sh --debug >/dev/null

phase "install the .deb, provision, doctor, remove"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo scripts/install-check.sh

if [ "${FUZZ_SECONDS:-30}" != "0" ]; then
    phase "fuzz (payload, credential JSON)"
    FUZZ_SECONDS="${FUZZ_SECONDS:-30}" scripts/fuzz.sh
fi

phase ""
echo "== all phases passed in $(( $(date +%s) - started ))s"

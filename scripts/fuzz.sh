#!/usr/bin/env bash
# Fuzzes the payload decoder and the credential readers with libFuzzer via cargo-fuzz.
#
# Usage: scripts/fuzz.sh            (60 s a target)
#        scripts/fuzz.sh payload_decode
#        FUZZ_SECONDS=600 scripts/fuzz.sh
#        FUZZ_SANITIZER=none scripts/fuzz.sh   (if AddressSanitizer is unavailable)
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept
# them, so no nightly install is needed. New corpus entries go to fuzz/corpus (gitignored);
# the committed seeds in fuzz/seeds are only read. Crashes land in fuzz/artifacts.
set -euo pipefail

cd "$(dirname "$0")/.."

targets=("${@:-payload_decode}")
[ $# -eq 0 ] && targets=(payload_decode credential_json)
seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

for target in "${targets[@]}"; do
    # libFuzzer writes new inputs into the first corpus directory, so give it a scratch copy.
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    cp -n "fuzz/seeds/$target"/* "$corpus"/
    echo "fuzzing $target for ${seconds}s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer "$sanitizer" "$target" "$corpus" -- \
        -max_total_time="$seconds"
done

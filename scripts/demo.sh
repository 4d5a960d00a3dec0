#!/usr/bin/env bash
# The demo: builds the countersign CLI and verifies every demo credential (QR picture, CS1
# text and JSON) against the demo registry snapshot, as a hall clerk's counter would.
#   scripts/demo.sh                        the table of verdicts, then one full report
#   scripts/demo.sh path/to/picture.png    verify your own picture or payload file
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "missing cargo: install the Rust toolchain (rustup)"; exit 1; }
cargo build --quiet --locked -p countersign-cli
cs=target/debug/countersign
snapshot=assets/demo/registry-snapshot.json

if [ $# -gt 0 ]; then
    exec "$cs" verify "$1" --snapshot "$snapshot"
fi

printf '%-32s %-8s %s\n' "sample (QR picture)" "exit" "verdict"
for png in assets/demo/samples/*.png; do
    code=0
    report=$("$cs" verify "$png" --snapshot "$snapshot") || code=$?
    verdict=${report%%$'\n'*}
    printf '%-32s %-8s %s\n' "$(basename "$png" .png)" "$code" "$verdict"
done
echo
echo "--- full report of assets/demo/samples/revoked-diploma.png ---"
"$cs" verify assets/demo/samples/revoked-diploma.png --snapshot "$snapshot" || true
echo
echo "Try: $cs verify <picture|payload|json> --snapshot $snapshot [--json] [--reveal]"
echo "     $cs keygen --out my.key.json --name 测试机关 && $cs issue --help"

#!/usr/bin/env bash
# The demo on a real local chain: installs the pinned tools, builds the countersign CLI, starts
# anvil on 127.0.0.1 (a free port), deploys the registry, registers the demo issuers, anchors
# the demo batches, revokes the revoked sample, then verifies every demo credential online,
# syncs the hall's mirror, stops the node and verifies again from the mirror, as a hall's
# counter would, recording every verification in the hall's log; then reports on the day and
# checks the log. Exits non-zero if any sample's verdict is not the documented one, or if a
# verification was not logged.
#
#   scripts/demo.sh                        the whole demo
#   scripts/demo.sh --app                  the desktop app on the demo chain: sign in as clerk
#                                          demo-clerk, PIN 246810 (supervisor demo-sup, 135792),
#                                          scan the QR pictures in assets/demo/samples/ (drop one
#                                          on the window, or open it with O); stop the node to
#                                          see the hall's mirror answer
#   scripts/demo.sh --guomi                the whole demo under the national profile (国密): the
#                                          demo issuers, credentials and batches generated again
#                                          with SM2 and SM3, the hall's key SM2, every
#                                          verification accepting only the national profile
#   scripts/demo.sh --snapshot             no chain: verify against assets/demo/registry-snapshot.json
#   scripts/demo.sh path/to/picture.png    verify your own picture or payload on a fresh demo chain
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "missing cargo: install the Rust toolchain (rustup)"; exit 1; }
scripts/tools.sh
# COUNTERSIGN_CLI: a countersign binary already built (scripts/test.sh passes its own).
if [ -n "${COUNTERSIGN_CLI:-}" ]; then
    cs=$COUNTERSIGN_CLI
else
    cargo build --quiet --locked -p countersign-cli
    cs=$PWD/target/debug/countersign
fi
demo=assets/demo

# sample -> expected exit code (0 VALID, 1 INVALID)
declare -A expected=(
    [valid-business-licence]=0 [valid-residence-permit]=0 [valid-diploma]=0
    [revoked-diploma]=1 [expired-residence-permit]=1 [unregistered-issuer-diploma]=1
    [tampered-business-licence]=1
)

table() { # $1 = label, rest = verify arguments
    local label=$1 failed=0; shift
    printf '\n%-32s %-5s %s   [%s]\n' "sample (QR picture)" "exit" "verdict" "$label"
    for png in "$demo"/samples/*.png; do
        local name code=0 report
        name=$(basename "$png" .png)
        report=$("$cs" verify "$png" "$@" 2>/dev/null) || code=$?
        printf '%-32s %-5s %s\n' "$name" "$code" "${report%%$'\n'*}"
        if [ "$code" != "${expected[$name]:-x}" ]; then
            echo "   expected exit ${expected[$name]:-?}"; failed=1
        fi
    done
    return $failed
}

profile=standard
if [ "${1:-}" = "--guomi" ]; then
    profile=guomi; shift
fi

app=
if [ "${1:-}" = "--app" ]; then
    app=1; shift
    scripts/system-packages.sh
    scripts/ui.sh --build
    cargo build --quiet --locked -p countersign-app
fi

if [ "${1:-}" = "--snapshot" ]; then
    table "registry snapshot" --snapshot "$demo/registry-snapshot.json"
    exit
fi

work=$(mktemp -d)
anvil_pid=
cleanup() {
    [ -n "$anvil_pid" ] && kill "$anvil_pid" 2>/dev/null && wait "$anvil_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$profile" = guomi ]; then
    # The same demo issued again under the national profile: SM2 did:keys, sm2-jcs-2026
    # signatures, SM3 batches (deterministic, like assets/demo). Every verification, receipt
    # check and log check from here accepts the national profile alone.
    demo=$work/demo-guomi
    "$cs" demo --profile guomi --out "$demo" >/dev/null
    export COUNTERSIGN_ACCEPT=guomi
    echo "national profile (国密): SM2 signatures, SM3 hashes; issuers $(sed -n 's/.*"did": "\(did:key:z.\{12\}\).*/\1…/p' "$demo/issuers/chaoyang-amr.key.json")"
fi

# anvil on a free port, the registry deployed, the demo issuers registered, their batches
# anchored and the revoked sample revoked (sets anvil_pid, COUNTERSIGN_RPC, COUNTERSIGN_REGISTRY).
. scripts/demo-chain.sh
start_demo_chain "$work" "$cs" "$demo"

if [ -n "$app" ]; then
    mkdir -p "$work/app"
    staff=$work/app/staff.sqlite
    COUNTERSIGN_PIN=246810 "$cs" staff add --db "$staff" --id demo-clerk --name 演示办事员 --role clerk >/dev/null
    COUNTERSIGN_PIN=135792 "$cs" staff add --db "$staff" --id demo-sup --name 演示主管 --role supervisor >/dev/null
    echo
    echo "The app is starting on the demo chain (anvil pid $anvil_pid; kill it to go offline)."
    echo "Sign in: clerk demo-clerk, PIN 246810 (supervisor demo-sup, PIN 135792)."
    echo "Scan or drop the QR pictures in $demo/samples/. Close the window to end the demo."
    COUNTERSIGN_DATA_DIR=$work/app COUNTERSIGN_STAFF_DB=$staff COUNTERSIGN_HALL=BJ-CY-01 \
        COUNTERSIGN_COUNTER=1 target/debug/countersign-app
    exit
fi

if [ $# -gt 0 ]; then
    "$cs" verify "$1"
    exit
fi

# Every verification from here on is recorded in the hall's log, as at a counter.
export COUNTERSIGN_LOG=$work/hall-log.sqlite COUNTERSIGN_HALL=BJ-CY-01 COUNTERSIGN_COUNTER=1 \
    COUNTERSIGN_CLERK=demo-clerk
failed=0
table "online, $COUNTERSIGN_RPC" || failed=1
"$cs" chain sync --mirror "$work/hall-mirror.sqlite"
kill "$anvil_pid"; wait "$anvil_pid" 2>/dev/null || true; anvil_pid=
echo "anvil stopped: the hall is offline"
table "offline, hall mirror" --mirror "$work/hall-mirror.sqlite" --timeout-secs 1 || failed=1
echo
echo "--- full report of revoked-diploma.png from the mirror ---"
"$cs" verify "$demo/samples/revoked-diploma.png" --mirror "$work/hall-mirror.sqlite" --timeout-secs 1 || true

today=$(TZ=Asia/Shanghai date +%F)
echo
echo "--- the hall's log: today's report ($today, hall time) ---"
"$cs" log report --date "$today"
report=$("$cs" log report --date "$today" --json) || failed=1
if ! grep -q '"total": 15,' <<<"$report"; then
    echo "expected 15 logged verifications (7 online, 7 offline, 1 full report)"; failed=1
fi
# A receipt for a logged verification, signed with the hall's key (SM2 under the national
# profile), and checked against the log as a citizen's receipt would be at the counter.
echo
echo "--- a receipt, signed with the hall key ($profile) ---"
"$cs" log keygen --hall BJ-CY-01 --out "$work/hall.key.json" --profile "$profile" >/dev/null 2>&1
receipt=$("$cs" receipt show --seq 1 --hall-key "$work/hall.key.json") || failed=1
echo "$receipt"
"$cs" receipt verify "$receipt" --trust "$work/hall.key.json" --log "$COUNTERSIGN_LOG" || failed=1

# The day is closed when it is over: the hall clock moved past midnight, as a hall's clock is
# at the first start of the next day (COUNTERSIGN_CLOCK, as in training rooms). Its digest and a
# checkpoint are signed with the hall's key.
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
echo
echo "--- closing $today (hall time) with the hall key ($profile) ---"
COUNTERSIGN_CLOCK="${tomorrow}T00:05:00+08:00" "$cs" log close-day --date "$today" \
    --hall-key "$work/hall.key.json" || failed=1

# The node is stopped: the log's own checks (its hash chains, tree, checkpoints and the signed
# day). With a node configured and unreachable, `log verify` says so and exits 2.
COUNTERSIGN_CLOCK="${tomorrow}T00:06:00+08:00" env -u COUNTERSIGN_RPC "$cs" log verify \
    --trust "$work/hall.key.json" || failed=1
exit $failed

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

tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil --host 127.0.0.1 --port 0 \
    >"$work/anvil.log" 2>&1 &
anvil_pid=$!
for _ in $(seq 200); do
    port=$(sed -n 's/^Listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/anvil.log")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "${port:-}" ] || { cat "$work/anvil.log"; echo "anvil did not start"; exit 1; }
export COUNTERSIGN_RPC=http://127.0.0.1:$port
echo "anvil (pid $anvil_pid) on $COUNTERSIGN_RPC"

# anvil's public development accounts: 0 governs, 1-3 anchor for the demo issuers. DEMO ONLY.
account() { # index address key
    printf '{"type":"countersign-account-key","address":"%s","privateKey":"%s"}\n' "$2" "$3" >"$work/account$1.json"
}
account 0 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
account 1 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
account 2 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
account 3 0x90F79bf6EB2c4f870365E785982E1f101E93b906 0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6

COUNTERSIGN_REGISTRY=$("$cs" chain deploy --account-key "$work/account0.json")
export COUNTERSIGN_REGISTRY
echo "registry $COUNTERSIGN_REGISTRY (the demo credentials name this one)"
register() { # key-file account types
    "$cs" chain register-issuer --account-key "$work/account0.json" \
        --issuer-key "$demo/issuers/$1.key.json" --account "$2" --types "$3" >/dev/null
}
register chaoyang-amr 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 BusinessLicenceCredential
register jinghua-university 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC DiplomaCredential
register pudong-psb 0x90F79bf6EB2c4f870365E785982E1f101E93b906 ResidencePermitCredential
"$cs" anchor --account-key "$work/account1.json" "$demo/batches/business-licences/batch.json" >/dev/null
"$cs" anchor --account-key "$work/account2.json" "$demo/batches/diplomas/batch.json" >/dev/null
"$cs" anchor --account-key "$work/account3.json" \
    "$demo/batches/residence-permits/batch.json" "$demo/batches/expired-permit/batch.json" >/dev/null
"$cs" revoke --account-key "$work/account2.json" --credential "$demo/samples/revoked-diploma.json" \
    --reason withdrawn >/dev/null

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
if ! "$cs" log report --date "$today" --json | grep -q '"total": 15,'; then
    echo "expected 15 logged verifications (7 online, 7 offline, 1 full report)"; failed=1
fi
"$cs" log verify || failed=1
exit $failed

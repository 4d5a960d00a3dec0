# Sourced by scripts/demo.sh and scripts/install-check.sh: the demo chain on a real anvil.
#   start_demo_chain WORK_DIR CLI DEMO_DIR
# starts the pinned anvil on 127.0.0.1 (a free port), deploys the registry (it lands at the
# address the demo credentials name), registers the three demo issuers, anchors the demo
# batches and revokes the revoked sample. Sets anvil_pid, COUNTERSIGN_RPC and
# COUNTERSIGN_REGISTRY; WORK_DIR/account0.json is the governance account. The caller stops
# anvil (kill "$anvil_pid") in its own exit trap.
start_demo_chain() {
    local work=$1 cs=$2 demo=$3
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
}

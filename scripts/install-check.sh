#!/usr/bin/env bash
# Installs the .deb on this machine as IT would on a counter PC, and checks it (what CI runs):
#   1. the provincial IT authority's side, with the repository's CLI: a demo chain on a real
#      anvil, the hall's registry mirror synced, an authority key, a hall bundle signed with
#      the mirror snapshot beside it;
#   2. the PC's side: the bundle and authority.pub placed in /etc/countersign, the .deb installed
#      with apt (its postinst applies the bundle), the installed `countersign doctor` run;
#   3. offline from the first minute: the node stopped, a demo credential verified VALID from the
#      snapshot the bundle shipped; doctor now fails on the chain and says what to do;
#   4. every refusal, by the installed CLI: unsigned, another authority, tampered, another hall,
#      not newer; an update from the same authority accepted;
#   5. who can touch what: a clerk's OS account (created here, in group `countersign`) starts
#      the app through countersign-launch, which runs it as the hall's account; the clerk's
#      own programs cannot write the log, mirror or staff files or read the hall key; staff
#      changes need a supervisor's PIN; an account outside the group cannot launch; an upgrade
#      over an old group-writable installation closes it (key 0600, folder 0700);
#   6. uninstalled (remove, then purge): the programs are gone, the hall's data is not.
# Needs root (dpkg). Refuses to run over a real installation. Leaves nothing behind.
#   scripts/install-check.sh [path/to/countersign.deb]   (default: the debug package)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "install-check needs root (it installs a .deb)"; exit 1; }
deb=${1:-$(ls target/debug/bundle/deb/*.deb 2>/dev/null | head -n1)}
[ -f "$deb" ] || { echo "no .deb: run scripts/package.sh --debug first"; exit 1; }
marker=/etc/countersign/.install-check
if [ -e /etc/countersign/applied-bundle.json ] && [ ! -e "$marker" ]; then
    echo "/etc/countersign holds a real installation: install-check will not touch it"; exit 1
fi
dpkg-query -W -f='${Status}' countersign 2>/dev/null | grep -q "install ok installed" \
    && [ ! -e "$marker" ] && { echo "countersign is installed here: install-check will not touch it"; exit 1; }

cs=$PWD/target/debug/countersign
demo=assets/demo
work=$(mktemp -d)
anvil_pid=
xvfb_pid=
app_pid=
cleanup() {
    [ -n "$anvil_pid" ] && kill "$anvil_pid" 2>/dev/null && wait "$anvil_pid" 2>/dev/null
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
    pkill -u countersign-hall 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
    apt-get purge -y -qq countersign >/dev/null 2>&1 || true
    for u in cs-clerk cs-visitor countersign-hall; do userdel -r "$u" >/dev/null 2>&1 || true; done
    getent group countersign-hall >/dev/null 2>&1 && groupdel countersign-hall || true
    getent group countersign >/dev/null 2>&1 && groupdel countersign || true
    rm -rf "$work" /etc/countersign /var/lib/countersign /run/countersign-hall
}
trap cleanup EXIT
fail() { echo "install-check FAILED: $*"; exit 1; }
expect_exit() { # code description command...
    local want=$1 what=$2 code=0 out; shift 2
    out=$("$@" 2>&1) || code=$?
    [ "$code" = "$want" ] || { echo "$out"; fail "$what: exit $code, expected $want"; }
    printf '  %-58s exit %s\n' "$what" "$code"
    [ "$want" = 0 ] || printf '      %s\n' "$(echo "$out" | head -n1 | cut -c1-150)"
    last_output=$out
}

echo "== 1. the authority's side"
. scripts/demo-chain.sh
start_demo_chain "$work" "$cs" "$demo"
"$cs" chain sync --mirror "$work/registry-mirror.sqlite" >/dev/null
authority=$("$cs" provision keygen --out "$work/authority.key.json" 2>/dev/null | tail -n1)
"$cs" provision keygen --out "$work/other.key.json" >/dev/null 2>&1
create() { # version out [--set …]
    local version=$1 out=$2; shift 2
    "$cs" provision create --hall BJ-CY-01 --name 北京市朝阳区政务服务中心 --version "$version" \
        --out "$out" --set "chain.endpoints=$COUNTERSIGN_RPC" --set chain.chainId=31337 \
        --set "chain.registry=$COUNTERSIGN_REGISTRY" --set 'counters=[{"id": "1"}]' "$@" >/dev/null 2>&1
}
create 1 "$work/draft.json"
mkdir -p "$work/out"
"$cs" provision sign --key "$work/authority.key.json" "$work/draft.json" \
    --out "$work/out/hall.bundle" --mirror "$work/registry-mirror.sqlite" >/dev/null 2>&1
echo "  signed: $(ls "$work/out" | tr '\n' ' ')"

echo "== 2. the PC: bundle placed, package installed"
mkdir -p /etc/countersign
touch "$marker"
cp "$work/out/"* /etc/countersign/
echo "$authority" >/etc/countersign/authority.pub
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >"$work/apt.log" 2>&1 \
    || { cat "$work/apt.log"; fail "apt-get install"; }
grep -q "countersign: applied /etc/countersign/hall.bundle" "$work/apt.log" \
    || { cat "$work/apt.log"; fail "the postinst did not apply the bundle"; }
[ -x /usr/bin/countersign ] && [ -x /usr/bin/countersign-app ] || fail "programs not installed"
[ -f /etc/countersign/applied-bundle.json ] || fail "no applied bundle"
[ -f /var/lib/countersign/registry-mirror.sqlite ] || fail "the mirror snapshot was not installed"
dpkg-query -W -f='  installed ${Package} ${Version}, depends: ${Depends}\n' countersign
code=0
/usr/bin/countersign doctor >"$work/doctor.txt" 2>&1 || code=$?
cat "$work/doctor.txt" | sed 's/^/  /'
[ "$code" = 0 ] || [ "$code" = 1 ] || fail "doctor: exit $code on a healthy install"
/usr/bin/countersign doctor --json >"$work/doctor.json" || true
python3 - "$work/doctor.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
checks = {c["id"]: c["status"] for c in report["checks"]}
for want in ("bundle", "disk", "chain.endpoint.1", "sqlite.mirror", "mirror.age"):
    assert checks.get(want) == "ok", (want, checks)
print("  doctor --json:", report["status"], "-", ", ".join(f"{k}={v}" for k, v in sorted(checks.items())))
PY

echo "== 3. offline from the first minute"
kill "$anvil_pid"; wait "$anvil_pid" 2>/dev/null || true; anvil_pid=
expect_exit 0 "VALID from the shipped mirror, node stopped" /usr/bin/countersign verify \
    "$demo/samples/valid-diploma.png" --rpc "$COUNTERSIGN_RPC" --registry "$COUNTERSIGN_REGISTRY" \
    --mirror /var/lib/countersign/registry-mirror.sqlite --timeout-secs 1
expect_exit 1 "INVALID (revoked) from the shipped mirror" /usr/bin/countersign verify \
    "$demo/samples/revoked-diploma.png" --rpc "$COUNTERSIGN_RPC" --registry "$COUNTERSIGN_REGISTRY" \
    --mirror /var/lib/countersign/registry-mirror.sqlite --timeout-secs 1
expect_exit 2 "doctor fails with the node stopped" /usr/bin/countersign doctor --timeout-secs 2
echo "$last_output" | grep -E '^\s*(FAIL|fail).*chain' | head -n2 | sed 's/^/    /'

echo "== 4. refusals by the installed CLI"
apply() { /usr/bin/countersign provision apply "$@" --config-dir /etc/countersign; }
expect_exit 1 "unsigned" apply "$work/draft.json"
"$cs" provision sign --key "$work/other.key.json" "$work/draft.json" --out "$work/foreign.bundle" >/dev/null 2>&1
expect_exit 1 "signed by another authority" apply "$work/foreign.bundle"
sed 's/朝阳区/海淀区/' /etc/countersign/hall.bundle >"$work/tampered.bundle"
expect_exit 1 "tampered" apply "$work/tampered.bundle"
"$cs" provision create --hall SH-PD-02 --name 上海市浦东新区市民中心 --version 5 --out "$work/other-hall.json" \
    --set "chain.endpoints=$COUNTERSIGN_RPC" --set chain.chainId=31337 \
    --set "chain.registry=$COUNTERSIGN_REGISTRY" >/dev/null 2>&1
"$cs" provision sign --key "$work/authority.key.json" "$work/other-hall.json" --out "$work/other-hall.bundle" >/dev/null 2>&1
expect_exit 1 "for another hall" apply "$work/other-hall.bundle"
create 1 "$work/same-version.json" --set policies.failClosed=true
"$cs" provision sign --key "$work/authority.key.json" "$work/same-version.json" --out "$work/same-version.bundle" >/dev/null 2>&1
expect_exit 1 "not newer (same version, other content)" apply "$work/same-version.bundle"
create 2 "$work/v2.json" --set policies.failClosed=true
"$cs" provision sign --key "$work/authority.key.json" "$work/v2.json" --out "$work/v2.bundle" >/dev/null 2>&1
expect_exit 0 "an update from the same authority (version 2)" apply "$work/v2.bundle"

echo "== 5. who can touch what"
useradd --create-home --groups countersign cs-clerk
useradd --create-home cs-visitor
as() { local user=$1; shift; runuser -u "$user" -- "$@"; }
mode() { stat -c '%a %U:%G' "$1"; }
[ "$(mode /var/lib/countersign)" = "700 countersign-hall:countersign-hall" ] \
    || fail "data folder is $(mode /var/lib/countersign)"
[ "$(mode /usr/bin/countersign-launch)" = "4750 root:countersign" ] \
    || fail "launcher is $(mode /usr/bin/countersign-launch)"
printf '  %-58s %s\n' "/var/lib/countersign" "$(mode /var/lib/countersign)"
printf '  %-58s %s\n' "/usr/bin/countersign-launch" "$(mode /usr/bin/countersign-launch)"
# The clerk starts the app from the desktop entry; it runs as the hall account, and creates
# the log, staff file and hall key as that account.
grep -q '^Exec=countersign-launch$' /usr/share/applications/*.desktop || fail "the desktop entry does not use the launcher"
display=:97
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
DISPLAY=$display runuser -u cs-clerk -- /usr/bin/countersign-launch >"$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 60); do
    [ -f /var/lib/countersign/hall.key.json ] && [ -f /var/lib/countersign/verification-log.sqlite ] && break
    sleep 1
done
[ -f /var/lib/countersign/hall.key.json ] || { cat "$work/app.log"; fail "the launched app made no hall key"; }
owner=$(ps -C countersign-app -o user= | head -n1 | tr -d ' ')
[ "$owner" = countersign-hall ] || { cat "$work/app.log"; fail "the app runs as '$owner', not countersign-hall"; }
printf '  %-58s %s\n' "app launched by cs-clerk runs as" "$owner"
kill "$app_pid" 2>/dev/null; pkill -u countersign-hall countersign-app 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true; app_pid=
sleep 1
for f in hall.key.json verification-log.sqlite staff.sqlite registry-mirror.sqlite; do
    [ -e "/var/lib/countersign/$f" ] || continue
    [ "$(mode "/var/lib/countersign/$f")" = "600 countersign-hall:countersign-hall" ] \
        || fail "$f is $(mode "/var/lib/countersign/$f")"
done
expect_exit 1 "clerk reads the hall key: refused" as cs-clerk cat /var/lib/countersign/hall.key.json
expect_exit 1 "clerk edits the mirror with sqlite3: refused" as cs-clerk \
    sqlite3 /var/lib/countersign/registry-mirror.sqlite "DELETE FROM revocations;"
expect_exit 1 "clerk edits the log with sqlite3: refused" as cs-clerk \
    sqlite3 /var/lib/countersign/verification-log.sqlite "DELETE FROM entries;"
expect_exit 1 "clerk replaces the staff file: refused" as cs-clerk \
    cp /dev/null /var/lib/countersign/staff.sqlite
expect_exit 3 "clerk's own CLI adds a supervisor: refused" as cs-clerk env COUNTERSIGN_PIN=482913 \
    /usr/bin/countersign staff add --db /var/lib/countersign/staff.sqlite --id evil --name 某人 --role supervisor
expect_exit 2 "clerk launches \`cli log purge\`: refused" as cs-clerk /usr/bin/countersign-launch cli log purge
expect_exit 2 "clerk launches staff with --db of their own: refused" as cs-clerk \
    /usr/bin/countersign-launch cli staff list --db /tmp/mine.sqlite
expect_exit 1 "an account outside the group launches: refused" as cs-visitor /usr/bin/countersign-launch
echo "$last_output" | grep -q "Permission denied" || fail "the outsider was refused for another reason: $last_output"
# IT adds the hall's first supervisor through the launcher as root; a clerk then adds a clerk
# with that supervisor's PIN, and not without it.
expect_exit 0 "IT (root) adds the first supervisor" env COUNTERSIGN_PIN=482913 \
    /usr/bin/countersign-launch cli staff add --id sup-01 --name 李主管 --role supervisor
expect_exit 3 "clerk adds a clerk without a supervisor: refused" as cs-clerk env COUNTERSIGN_PIN=560318 \
    /usr/bin/countersign-launch cli staff add --id clerk-2 --name 王芳 --role clerk
expect_exit 3 "clerk adds a clerk with a wrong supervisor PIN: refused" as cs-clerk \
    env COUNTERSIGN_SUPERVISOR_PIN=000000 COUNTERSIGN_PIN=560318 \
    /usr/bin/countersign-launch cli staff add --supervisor sup-01 --id clerk-2 --name 王芳 --role clerk
expect_exit 0 "clerk adds a clerk with the supervisor's PIN" as cs-clerk \
    env COUNTERSIGN_SUPERVISOR_PIN=482913 COUNTERSIGN_PIN=560318 \
    /usr/bin/countersign-launch cli staff add --supervisor sup-01 --id clerk-2 --name 王芳 --role clerk
sqlite3 /var/lib/countersign/staff.sqlite "SELECT actor, os_user, action, target FROM admin ORDER BY seq" \
    >"$work/admin.txt"
grep -q '^root|root|staff.add|sup-01 (supervisor)$' "$work/admin.txt" \
    && grep -q '^sup-01|cs-clerk|staff.add|clerk-2 (clerk)$' "$work/admin.txt" \
    || { cat "$work/admin.txt"; fail "the staff changes are not recorded as made"; }
sed 's/^/      recorded: /' "$work/admin.txt"
# An installation from before the hall account: group-writable folder, a 0660 key. The upgrade
# (the same package installed again, as an update runs its postinst) closes it.
chgrp -R countersign /var/lib/countersign
chmod 2770 /var/lib/countersign
chmod 0660 /var/lib/countersign/hall.key.json
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "./$deb" >"$work/apt2.log" 2>&1 \
    || { cat "$work/apt2.log"; fail "apt-get install --reinstall"; }
[ "$(mode /var/lib/countersign/hall.key.json)" = "600 countersign-hall:countersign-hall" ] \
    || fail "after the upgrade the key is $(mode /var/lib/countersign/hall.key.json)"
[ "$(mode /var/lib/countersign)" = "700 countersign-hall:countersign-hall" ] \
    || fail "after the upgrade the folder is $(mode /var/lib/countersign)"
expect_exit 1 "after the upgrade, clerk reads the hall key: refused" as cs-clerk cat /var/lib/countersign/hall.key.json
printf '  %-58s %s\n' "after the upgrade: key" "$(mode /var/lib/countersign/hall.key.json)"

echo "== 6. uninstalled"
apt-get remove -y -qq countersign >/dev/null 2>&1 || fail "apt-get remove"
[ ! -e /usr/bin/countersign ] && [ ! -e /usr/bin/countersign-app ] || fail "programs left behind"
[ -f /etc/countersign/applied-bundle.json ] && [ -f /var/lib/countersign/registry-mirror.sqlite ] \
    || fail "remove deleted the hall's data"
apt-get purge -y -qq countersign >/dev/null 2>&1 || fail "apt-get purge"
[ -f /var/lib/countersign/registry-mirror.sqlite ] || fail "purge deleted the hall's data"
echo "  programs removed; /etc/countersign and /var/lib/countersign kept"
echo "install-check passed"

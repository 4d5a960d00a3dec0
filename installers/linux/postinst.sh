#!/bin/sh
# Countersign, after installing or upgrading (deb: "configure"; rpm: 1 or 2).
#
# The hall's data lives machine-wide in /var/lib/countersign (verification log, registry
# mirror, staff accounts, print queue, hall key), owned by the hall's system account
# `countersign-hall` and closed to every other account (folders 0700, files 0600). The clerks'
# OS accounts are members of the group `countersign` (usermod -aG countersign NAME): the group
# may run /usr/bin/countersign-launch (setuid root, 4750), which starts the app, or the
# `doctor` and `staff` commands, as `countersign-hall`. So a clerk verifies, prints and signs in
# through the app, but cannot edit the log, mirror or staff files or read the hall key, and
# changes staff accounts only with a supervisor's PIN (docs/INSTALL.md, "Who can touch what").
# Every run of this script (each upgrade) sets those modes again and never loosens them: an
# installation from before the hall account (a group-writable folder, a 0660 key) is closed.
#
# Applies the hall bundle IT placed at /etc/countersign/hall.bundle (with authority.pub, and
# the registry mirror snapshot the bundle names, beside it), so a counter PC is configured by
# the package alone and verifies offline from its first minute. A bundle that is refused never
# fails the installation: the app then shows its setup screen, and `countersign doctor` says why.
set -e
getent group countersign >/dev/null 2>&1 || groupadd --system countersign
getent passwd countersign-hall >/dev/null 2>&1 || useradd --system --user-group \
    --home-dir /var/lib/countersign --no-create-home --shell /usr/sbin/nologin \
    --comment "Countersign hall account" countersign-hall
# The devices the app opens: cameras, serial scanners, USB receipt printers.
for device_group in video dialout lp plugdev; do
    if getent group "$device_group" >/dev/null 2>&1; then
        usermod -aG "$device_group" countersign-hall
    fi
done
mkdir -p /etc/countersign /var/lib/countersign
chmod 0755 /etc/countersign
if [ -f /etc/countersign/hall.bundle ]; then
    if COUNTERSIGN_DATA_DIR=/var/lib/countersign /usr/bin/countersign provision apply \
        /etc/countersign/hall.bundle --config-dir /etc/countersign; then
        echo "countersign: applied /etc/countersign/hall.bundle"
    else
        echo "countersign: /etc/countersign/hall.bundle was NOT applied (see above); run 'countersign doctor'" >&2
    fi
fi
# Whatever root wrote there (a mirror snapshot) belongs to the hall account, and to no one else.
chown -R -P countersign-hall:countersign-hall /var/lib/countersign
# Symbolic, with ug-s: a numeric mode leaves a folder's set-group-ID bit (an old installation's
# 2770) in place.
chmod u=rwx,go=,ug-s /var/lib/countersign
find /var/lib/countersign -mindepth 1 -type d -exec chmod u=rwx,go=,ug-s {} +
find /var/lib/countersign -mindepth 1 -type f -exec chmod 0600 {} +
if [ -f /usr/bin/countersign-launch ]; then
    chown root:countersign /usr/bin/countersign-launch
    chmod 4750 /usr/bin/countersign-launch
fi
exit 0

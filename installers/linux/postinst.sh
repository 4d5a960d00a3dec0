#!/bin/sh
# Countersign, after installing or upgrading (deb: "configure"; rpm: 1 or 2).
#
# The hall's data lives machine-wide in /var/lib/countersign (verification log, registry
# mirror, staff accounts, print queue, hall key), shared by the clerks' accounts through the
# group `countersign`: add each clerk's OS account to it (usermod -aG countersign NAME).
# Applies the hall bundle IT placed at /etc/countersign/hall.bundle (with authority.pub, and
# the registry mirror snapshot the bundle names, beside it), so a counter PC is configured by
# the package alone and verifies offline from its first minute. A bundle that is refused never
# fails the installation: the app then shows its setup screen, and `countersign doctor` says why.
set -e
getent group countersign >/dev/null 2>&1 || groupadd --system countersign
mkdir -p /etc/countersign /var/lib/countersign
chmod 0755 /etc/countersign
chgrp countersign /var/lib/countersign
chmod 2770 /var/lib/countersign
if [ -f /etc/countersign/hall.bundle ]; then
    if COUNTERSIGN_DATA_DIR=/var/lib/countersign /usr/bin/countersign provision apply \
        /etc/countersign/hall.bundle --config-dir /etc/countersign; then
        echo "countersign: applied /etc/countersign/hall.bundle"
    else
        echo "countersign: /etc/countersign/hall.bundle was NOT applied (see above); run 'countersign doctor'" >&2
    fi
fi
# Whatever root wrote there (a mirror snapshot) must stay usable by the clerks' accounts.
chgrp -R countersign /var/lib/countersign
chmod -R g+rwX /var/lib/countersign
exit 0

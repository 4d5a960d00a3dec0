#!/bin/sh
# Countersign, after removal (deb: "remove" or "purge"; rpm: 0). The hall's data stays: the
# verification log, registry mirror, staff accounts, print queue and hall key in
# /var/lib/countersign (or a clerk's ~/.local/share/cn.countersign.counter), and the
# provisioning in /etc/countersign. A verification log is a record the hall answers for;
# deleting it is a decision for IT, not for a package.
case "$1" in
    purge|0)
        echo "countersign: the hall's data was kept (/var/lib/countersign, /etc/countersign); delete it by hand when the PC leaves service" >&2
        ;;
esac
exit 0

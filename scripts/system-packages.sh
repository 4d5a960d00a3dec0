#!/usr/bin/env bash
# Installs the Debian packages the tests use, only those missing (idempotent):
#   sqlite3   the shell the log's tamper tests edit the database with
set -euo pipefail
missing=()
command -v sqlite3 >/dev/null || missing+=(sqlite3)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

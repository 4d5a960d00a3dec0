#!/usr/bin/env bash
# Installs the Debian packages the build and the tests use, only those missing (idempotent):
#   sqlite3                 the shell the log's tamper tests edit the database with
#   libwebkit2gtk-4.1-dev   the desktop app's webview (Tauri 2 on Linux), pkg-config to find it
#   xvfb, webkit2gtk-driver the app's end-to-end tests: a virtual display and WebKitWebDriver
#   fonts-noto-cjk          Chinese text on screen (and, later, in receipts)
#   socat                   a pseudo-terminal pair standing in for a serial-mode scanner in tests
#   poppler-utils           pdftotext/pdffonts/pdftoppm: receipts' PDFs read back and rendered in tests
#   cups, cups-client, printer-driver-cups-pdf
#                           the print tests' own cupsd on loopback with a cups-pdf virtual queue
#   openssl                 the independent SM2/SM3 implementation the national profile's tests
#                           check ours against (OpenSSL 3 has both)
set -euo pipefail
wanted=(sqlite3 pkg-config libwebkit2gtk-4.1-dev xvfb webkit2gtk-driver fonts-noto-cjk socat poppler-utils cups cups-client printer-driver-cups-pdf openssl)
missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

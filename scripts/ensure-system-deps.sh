#!/usr/bin/env bash
# System packages the tests use beyond Node.js: poppler-utils (pdftoppm, to rasterize label PDFs),
# Chromium (page tests through playwright-core), docker-compose (to validate docker-compose.yml) and
# printer-driver-ptouch (rastertoptch, the reference Brother QL encoder the brother-ql driver is
# checked against) and cups-ipp-utils with avahi-daemon and dbus (ippeveprinter, a real IPP printer
# for the ipp driver's tests, needs DNS-SD to start; test/helpers/ipp-printer.ts starts the
# daemons). Installed with apt-get when missing and
# possible (root or sudo); otherwise the missing ones are named and the script fails.
set -uo pipefail
need=()
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
# Validates docker-compose.yml without a Docker engine (the Compose plugin is used instead when present).
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ -x /usr/lib/cups/filter/rastertoptch ] || need+=(printer-driver-ptouch)
command -v ippeveprinter >/dev/null 2>&1 || [ -x /usr/sbin/ippeveprinter ] || need+=(cups-ipp-utils)
command -v avahi-daemon >/dev/null 2>&1 || [ -x /usr/sbin/avahi-daemon ] || need+=(avahi-daemon)
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else
  echo "missing system packages: ${need[*]} (install them with apt-get, or run as root)" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y --no-install-recommends "${need[@]}" >/tmp/buildtrace-apt.log 2>&1 ||
  { "${apt[@]}" update >>/tmp/buildtrace-apt.log 2>&1 && "${apt[@]}" install -y --no-install-recommends "${need[@]}" >>/tmp/buildtrace-apt.log 2>&1; } ||
  { echo "apt-get could not install ${need[*]}; see /tmp/buildtrace-apt.log" >&2; exit 1; }

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the browser suite needs (as root on Debian 12): cockpit-ws and cockpit-bridge to serve the page,
# Chromium to drive it, node and npm, and puppeteer-core from the npm registry (no browser download).
set -eu
cd "$(dirname "$0")"
pkgs="cockpit-ws cockpit-bridge chromium"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || { echo "tests/cockpit/setup.sh: missing packages:$missing; run it as root" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
if [ ! -d node_modules/puppeteer-core ]; then
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

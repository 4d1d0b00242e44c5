#!/bin/bash
# tests/e2e/setup.sh - prepare a Debian 12 host for the real-kernel e2e tests.
#
# 1. apt-get installs the host tools (as root; skipped when all are present).
# 2. Fetches Debian's kernel package WITHOUT installing it (apt-get download +
#    dpkg-deb -x + depmod -b) into $E2E_CACHE/kroot, reusing it when present.
#
# Prints "KVER=<version>" and "KROOT=<dir>" as its last lines.
# Env: E2E_CACHE (default /var/cache/vfio-pilot-e2e), E2E_KPKG (kernel package
# name; default: what linux-image-amd64 depends on), E2E_NO_APT=1 (never run apt-get install).
set -euo pipefail

CACHE=${E2E_CACHE:-/var/cache/vfio-pilot-e2e}
PKGS="qemu-system-x86 busybox-static cpio kmod gcc libc6-dev debootstrap e2fsprogs zstd python3 pci.ids"

log() { echo "setup: $*" >&2; }
die() { echo "setup: FATAL: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "${E2E_NO_APT:-0}" = 1 ] && die "missing packages:$missing (E2E_NO_APT=1)"
    [ "$(id -u)" = 0 ] || die "missing packages:$missing; run as root"
    t=$(now)
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends $missing >&2 || die "apt-get install failed"
    log "packages installed in $(elapsed "$t") s"
fi

mkdir -p "$CACHE" || die "cannot create $CACHE"

KPKG=${E2E_KPKG:-}
if [ -z "$KPKG" ]; then
    KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
           awk '/Depends: linux-image-[0-9]/{print $2; exit}') || true
fi
if [ -z "$KPKG" ]; then
    # No apt metadata (e.g. offline): fall back to a cached kernel tree.
    cached=$(ls -d "$CACHE"/kroot-*/.complete 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$cached" ] || die "cannot resolve linux-image-amd64 (apt-get update?) and no cached kernel in $CACHE"
    KPKG=linux-image-$(basename "$(dirname "$cached")" | sed 's/^kroot-//')
    log "apt metadata unavailable; using cached $KPKG"
fi
KVER=${KPKG#linux-image-}
KROOT=$CACHE/kroot-$KVER

if [ -f "$KROOT/.complete" ]; then
    log "reusing $KROOT"
else
    rm -rf "$KROOT" "$CACHE/dl"
    mkdir -p "$CACHE/dl"
    t=$(now)
    # apt-get download as root warns about the _apt sandbox; that is harmless.
    (cd "$CACHE/dl" && apt-get download -q "$KPKG" >&2) || die "apt-get download $KPKG failed"
    log "downloaded $KPKG in $(elapsed "$t") s"
    t=$(now)
    dpkg-deb -x "$CACHE"/dl/"$KPKG"_*.deb "$KROOT" || die "dpkg-deb -x failed"
    log "extracted in $(elapsed "$t") s"
    t=$(now)
    # The .deb carries no modules.dep; build it (pitfall 3).
    depmod -b "$KROOT" "$KVER" || die "depmod failed"
    log "depmod in $(elapsed "$t") s"
    rm -rf "$CACHE/dl"
    [ -f "$KROOT/boot/vmlinuz-$KVER" ] || die "no vmlinuz in $KPKG"
    touch "$KROOT/.complete"
fi
[ -f "$KROOT/boot/vmlinuz-$KVER" ] || die "no $KROOT/boot/vmlinuz-$KVER"
[ -f "$KROOT/lib/modules/$KVER/modules.dep" ] || die "no modules.dep in $KROOT"
echo "KVER=$KVER"
echo "KROOT=$KROOT"

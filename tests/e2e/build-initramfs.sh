#!/bin/bash
# tests/e2e/build-initramfs.sh - build the guest initramfs for the e2e tests.
#
# Usage: build-initramfs.sh OUT.cpio.gz [TOOL_BINARY]
#   TOOL_BINARY (e.g. build/src/cli/vfio-pilot) is installed as
#   /usr/bin/vfio-pilot together with every library ldd lists. A shell script
#   is copied as it is (it runs under busybox sh).
# Env:
#   KROOT, KVER     extracted kernel package (default: from setup.sh's cache)
#   E2E_OVERLAY     space-separated directories whose contents are copied over
#                   the image root (e.g. one holding etc/modprobe.d/vfio.conf)
#   E2E_MODULES     modules to include (with their dependencies)
#
# Contents: busybox (all applets), kmod as modprobe/insmod/lsmod/rmmod/modinfo,
# the modules and their dependencies, static vfio-probe, /init, the scenario
# scripts under /e2e/scenarios, /usr/share/misc/pci.ids.
#
# To pack only an overlay as an extra archive that can be appended to a base
# image (the kernel unpacks concatenated archives in order):
#   build-initramfs.sh --overlay-only OUT.cpio.gz DIR
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "build-initramfs: FATAL: $*" >&2; exit 1; }
log() { echo "build-initramfs: $*" >&2; }

pack() { # DIR OUT
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | ${E2E_COMPRESS:-cat} > "$2.tmp"
    mv "$2.tmp" "$2"
}

if [ "${1:-}" = --overlay-only ]; then
    [ $# = 3 ] || die "usage: $0 --overlay-only OUT DIR"
    [ -d "$3" ] || die "no directory $3"
    pack "$3" "$2"
    exit 0
fi

[ $# -ge 1 ] || die "usage: $0 OUT.cpio.gz [TOOL_BINARY]"
OUT=$1
TOOL=${2:-}
if [ -z "${KROOT:-}" ] || [ -z "${KVER:-}" ]; then
    eval "$(E2E_NO_APT=${E2E_NO_APT:-1} "$HERE/setup.sh" | grep -E '^(KVER|KROOT)=')"
fi
[ -d "$KROOT/lib/modules/$KVER" ] || die "no modules in $KROOT/lib/modules/$KVER"
MODULES=${E2E_MODULES:-"vfio_pci vfio_iommu_type1 bochs snd_hda_intel snd_hda_codec_generic e1000e pci_stub"}

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/e2e-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,etc/modprobe.d,root,var/lib,var/log,e2e/scenarios,usr/share/misc}
chmod 1777 "$STAGE/tmp"

# Copy a dynamically linked executable plus what ldd lists, keeping paths.
copy_libs() { # BINARY
    local lib
    if ! ldd "$1" >/dev/null 2>&1; then
        return 0 # static binary or script
    fi
    for lib in $(ldd "$1" | grep -oE '/[^ ]+' ); do
        [ -e "$lib" ] || continue
        mkdir -p "$STAGE$(dirname "$lib")"
        [ -e "$STAGE$lib" ] || cp -L "$lib" "$STAGE$lib"
    done
}

# busybox, every applet as a symlink
BB=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
ldd "$BB" >/dev/null 2>&1 && die "$BB is not static: install busybox-static"
cp "$BB" "$STAGE/bin/busybox"
for a in $(busybox --list-full); do
    mkdir -p "$STAGE/$(dirname "$a")"
    [ -e "$STAGE/$a" ] || ln -s /bin/busybox "$STAGE/$a"
done

# kmod, because busybox modprobe ignores softdeps and vfio-pci.ids= on the
# command line. Call /sbin/modprobe by path: busybox ash prefers its applets.
KMOD=$(command -v kmod) || die "kmod not found"
cp -L "$KMOD" "$STAGE/bin/kmod"
copy_libs "$KMOD"
for a in modprobe insmod rmmod lsmod modinfo depmod; do
    rm -f "$STAGE/sbin/$a" "$STAGE/bin/$a" "$STAGE/usr/sbin/$a" "$STAGE/usr/bin/$a"
    ln -s /bin/kmod "$STAGE/sbin/$a"
done

# kernel modules and their dependencies
n=0
for m in $MODULES; do
    deps=$(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m") || die "module $m not found in $KROOT"
    for ko in $(echo "$deps" | awk '$1=="insmod"{print $2}'); do
        rel=${ko#"$KROOT"}
        if [ ! -e "$STAGE$rel" ]; then
            mkdir -p "$STAGE$(dirname "$rel")"
            cp "$ko" "$STAGE$rel"
            n=$((n + 1))
        fi
    done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
    [ -e "$KROOT/lib/modules/$KVER/$f" ] && cp "$KROOT/lib/modules/$KVER/$f" "$STAGE/lib/modules/$KVER/"
done
depmod -b "$STAGE" "$KVER" || die "depmod on the staging tree failed"
log "$n modules"

# vfio-probe, static
gcc -static -O2 -Wall -o "$STAGE/usr/bin/vfio-probe" "$HERE/vfio-probe.c" || die "cannot build vfio-probe"

# the tool under test
if [ -n "$TOOL" ]; then
    [ -x "$TOOL" ] || die "tool $TOOL is not an executable file"
    cp -L "$TOOL" "$STAGE/usr/bin/vfio-pilot"
    copy_libs "$TOOL"
    if ldd "$TOOL" 2>/dev/null | grep -q 'not found'; then
        die "ldd $TOOL: $(ldd "$TOOL" | grep 'not found' | tr '\n' ' ')"
    fi
fi
[ -f /usr/share/misc/pci.ids ] && cp /usr/share/misc/pci.ids "$STAGE/usr/share/misc/"

# guest programs
cp "$HERE/init" "$STAGE/init"
chmod 755 "$STAGE/init"
cp "$HERE/guest-lib.sh" "$STAGE/e2e/lib.sh"
cp "$HERE"/scenarios/*.sh "$STAGE/e2e/scenarios/"
echo "root:x:0:0:root:/root:/bin/sh" > "$STAGE/etc/passwd"
echo "root:x:0:" > "$STAGE/etc/group"
# the guest is a Debian 12 system for vfio-pilot's platform detection
# (snapshot/plan); the kernel is Debian's
if [ -f /usr/lib/os-release ] && grep -q '^ID=debian' /usr/lib/os-release; then
    mkdir -p "$STAGE/usr/lib"
    cp /usr/lib/os-release "$STAGE/usr/lib/os-release"
else
    mkdir -p "$STAGE/usr/lib"
    printf '%s\n' 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"' 'NAME="Debian GNU/Linux"' 'VERSION_ID="12"' \
        'VERSION_CODENAME=bookworm' 'ID=debian' > "$STAGE/usr/lib/os-release"
fi
ln -sf ../usr/lib/os-release "$STAGE/etc/os-release"
echo "$KVER" > "$STAGE/e2e/kver"

for d in ${E2E_OVERLAY:-}; do
    [ -d "$d" ] || die "overlay $d is not a directory"
    cp -a "$d"/. "$STAGE"/
done

pack "$STAGE" "$OUT"
log "wrote $OUT ($(du -h "$OUT" | cut -f1))"

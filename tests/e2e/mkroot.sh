#!/bin/bash
# tests/e2e/mkroot.sh - debootstrap a minimal bootable Debian 12 root for the
# full-system e2e tests and cache it as $E2E_CACHE/root-bookworm-<key>.tar.zst.
#
# Usage: mkroot.sh [--force]     (prints ROOT_TAR=<path> as its last line)
# Env: E2E_INITRD (the root's initramfs generator: dracut, the default, or
#      initramfs-tools, cached apart as root-bookworm-itools-<key>.tar.zst;
#      the same steps with initramfs-tools and busybox in place of dracut,
#      Debian's default /etc/initramfs-tools config, MODULES=most),
#      E2E_CACHE (default /var/cache/vfio-pilot-e2e), E2E_MIRROR
#      (default http://deb.debian.org/debian), E2E_ROOT_PKGS (extra packages;
#      default: the runtime libraries of vfio-pilot).
#
# Order matters (see /work/shared/docs/qemu-e2e.md, "A full Debian root"):
#  - minbase, --no-install-recommends (otherwise lvm2, mdadm, exim4, ...);
#  - bookworm-security in sources.list, so the kernel matches setup.sh's;
#  - dracut in a first apt call, the kernel in a second one, so the
#    initramfs is built once (zstd -3, generic/no-hostonly);
#  - /proc, /sys, /dev mounted (rslave) for dracut, unmounted before tar.
# Needs root (debootstrap, chroot, mounts).
set -euo pipefail

CACHE=${E2E_CACHE:-/var/cache/vfio-pilot-e2e}
MIRROR=${E2E_MIRROR:-http://deb.debian.org/debian}
LIBS=${E2E_ROOT_PKGS:-libpci3 libjson-c5 libkmod2 libsystemd0 libvirt0 libxml2 libarchive13 pci.ids}
GEN=${E2E_INITRD:-dracut}
case "$GEN" in
    # the dracut root's PKGS1 (and so its key) is what it was before the variant
    dracut) PKGS1="dracut systemd-sysv kmod zstd udev $LIBS" NAME=root-bookworm ;;
    initramfs-tools) PKGS1="initramfs-tools busybox systemd-sysv kmod zstd udev $LIBS" NAME=root-bookworm-itools ;;
    *) echo "mkroot: FATAL: E2E_INITRD=$GEN: use dracut or initramfs-tools" >&2; exit 2 ;;
esac
PKGS2="linux-image-amd64"
die() { echo "mkroot: FATAL: $*" >&2; exit 1; }
log() { echo "mkroot: $*" >&2; }
now() { date +%s.%N; }
lap() { local t; t=$(now); log "TIME $1: $(awk -v a="$T" -v b="$t" 'BEGIN{printf "%.1f", b-a}') s"; T=$t; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (run tests/e2e/setup.sh)"
command -v zstd >/dev/null || die "zstd missing (run tests/e2e/setup.sh)"

KEY=$(printf '%s\n' "$MIRROR" "$PKGS1" "$PKGS2" "$(sed -n '/^# KEY-BEGIN/,/^# KEY-END/p' "$0")" | sha256sum | cut -c1-12)
TAR=$CACHE/$NAME-$KEY.tar.zst
if [ -f "$TAR" ] && [ "${1:-}" != --force ]; then
    log "reusing $TAR"
    echo "ROOT_TAR=$TAR"
    exit 0
fi
mkdir -p "$CACHE"
ROOT=$(mktemp -d "$CACHE/mkroot.XXXXXX")

cleanup() {
    for m in dev sys proc; do
        mountpoint -q "$ROOT/$m" && umount -R "$ROOT/$m" 2>/dev/null
    done
    if grep -q " $ROOT/" /proc/mounts; then
        echo "mkroot: WARNING: mounts left under $ROOT, not deleting it" >&2
    else
        rm -rf "$ROOT"
    fi
}
trap cleanup EXIT

T0=$(now) T=$T0
# KEY-BEGIN (changes in this block rebuild the cached root)
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
    { tail -20 "$ROOT.debootstrap.log" >&2; die "debootstrap failed (log $ROOT.debootstrap.log)"; }
rm -f "$ROOT.debootstrap.log"
lap debootstrap

SEC=${MIRROR%/debian}/debian-security
cat > "$ROOT/etc/apt/sources.list" <<EOS
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SEC bookworm-security main
EOS
echo e2e-guest > "$ROOT/etc/hostname"                # debootstrap copied the host's
printf '127.0.0.1 localhost\n127.0.1.1 e2e-guest\n' > "$ROOT/etc/hosts"
echo 'LABEL=root / ext4 defaults 0 1' > "$ROOT/etc/fstab"
mkdir -p "$ROOT/etc/modprobe.d" "$ROOT/etc/dracut.conf.d"   # minbase has neither yet
cat > "$ROOT/etc/dracut.conf.d/10-e2e.conf" <<'EOS'
# generic image: hostonly in a chroot would describe the build host
hostonly="no"
compress="zstd -3 -T0"
EOS
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"

mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
chroot "$ROOT" apt-get -q update >/dev/null || die "apt-get update in the chroot failed"
lap "apt-get update"
chroot "$ROOT" apt-get install -y -q --no-install-recommends $PKGS1 >"$CACHE/mkroot-apt1.log" 2>&1 ||
    { tail -20 "$CACHE/mkroot-apt1.log" >&2; die "apt-get install $PKGS1 failed"; }
lap "apt-get install (dracut etc.)"
chroot "$ROOT" apt-get install -y -q --no-install-recommends $PKGS2 >"$CACHE/mkroot-apt2.log" 2>&1 ||
    { tail -20 "$CACHE/mkroot-apt2.log" >&2; die "apt-get install $PKGS2 failed"; }
lap "apt-get install linux-image-amd64 (runs dracut)"
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT/usr/sbin/policy-rc.d"
: > "$ROOT/etc/machine-id"                          # systemd makes one at first boot
# KEY-END
# the initramfs-tools root: no dracut config (the block above wrote it before
# the generator was known, so that the dracut root's key stays what it was)
[ "$GEN" = dracut ] || rm -rf "$ROOT/etc/dracut.conf.d"
umount -R "$ROOT/dev"; umount -R "$ROOT/sys"; umount "$ROOT/proc"
grep -q " $ROOT/" /proc/mounts && die "mounts left under $ROOT"

KVER=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
[ -f "$ROOT/boot/vmlinuz-$KVER" ] || die "no kernel in the root"
[ -s "$ROOT/boot/initrd.img-$KVER" ] || die "$GEN made no /boot/initrd.img-$KVER (see $CACHE/mkroot-apt2.log)"
chmod 644 "$ROOT/boot/initrd.img-$KVER"              # dracut writes it 0600 (initramfs-tools too, with UMASK)
log "kernel $KVER, initrd $(du -h "$ROOT/boot/initrd.img-$KVER" | cut -f1), root $(du -sh "$ROOT" | cut -f1)"

tar -C "$ROOT" --numeric-owner --xattrs -cf - . | zstd -q -T0 -3 > "$TAR.tmp"
mv "$TAR.tmp" "$TAR"
lap "tar+zstd ($(du -h "$TAR" | cut -f1))"
log "TIME total: $(awk -v a="$T0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s"
echo "ROOT_TAR=$TAR"

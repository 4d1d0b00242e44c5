#!/bin/bash
# tests/e2e/boot-root.sh - full-system boots of a real Debian 12 root.
#
# Usage:
#   boot-root.sh prepare DIR [TOOL]  unpack mkroot.sh's cached root into DIR
#       (which must not exist) and add the harness, as make does
#   boot-root.sh image DIR IMAGE     mkfs.ext4 -d DIR -L root IMAGE
#   boot-root.sh make IMAGE [TOOL]   unpack mkroot.sh's cached root, add the
#       harness (/e2e: lib.sh, scenarios, report + e2e-report.service, which
#       runs the scenario after multi-user.target and powers off), static
#       vfio-probe, TOOL as /usr/bin/vfio-pilot (its libraries must be in the
#       root: E2E_ROOT_PKGS in mkroot.sh), the E2E_ROOT_OVERLAY directories,
#       then mkfs.ext4 -d -L root IMAGE (no loop device, no mount).
#   boot-root.sh boot IMAGE LOG      read /boot/vmlinuz-* and initrd.img-*
#       out of IMAGE (debugfs: an initramfs rebuilt inside the guest is used)
#       and boot it with boot.sh (E2E_IOMMU, E2E_CARDS, E2E_APPEND as there;
#       e2e.scenario=NAME selects /e2e/scenarios/NAME.sh, default root).
#       IMAGE is written by the guest, so it can be booted again to check
#       what a previous boot changed.
# Env: E2E_ROOT_SIZE (default 3G, sparse), E2E_MEM (default 2048 here).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "boot-root: FATAL: $*" >&2; exit 1; }
log() { echo "boot-root: $*" >&2; }

cmd=${1:-}
case "$cmd" in
prepare)
    DIR=${2:?usage: boot-root.sh prepare DIR [TOOL]}
    TOOL=${3:-}
    [ "$(id -u)" = 0 ] || die "prepare needs root (tar --numeric-owner with device nodes)"
    eval "$("$HERE/mkroot.sh" | grep '^ROOT_TAR=')"
    [ -f "$ROOT_TAR" ] || die "mkroot.sh gave no root tarball"
    [ -e "$DIR" ] && die "$DIR exists"
    mkdir -p "$DIR"
    ROOT=$DIR
    SECONDS=0
    zstd -q -d -c "$ROOT_TAR" | tar -C "$ROOT" --numeric-owner --xattrs -xf - || die "cannot unpack $ROOT_TAR"
    mkdir -p "$ROOT/e2e/scenarios" "$ROOT/etc/systemd/system/multi-user.target.wants"
    cp "$HERE/guest-lib.sh" "$ROOT/e2e/lib.sh"
    cp "$HERE"/scenarios/*.sh "$ROOT/e2e/scenarios/"
    install -m 755 "$HERE/report" "$ROOT/e2e/report"
    cp "$HERE/e2e-report.service" "$ROOT/etc/systemd/system/"
    ln -sf /etc/systemd/system/e2e-report.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
    # the report owns ttyS0: no getty there
    ln -sf /dev/null "$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
    gcc -static -O2 -Wall -o "$ROOT/usr/local/bin/vfio-probe" "$HERE/vfio-probe.c" || die "cannot build vfio-probe"
    if [ -n "$TOOL" ]; then
        [ -x "$TOOL" ] || die "tool $TOOL is not executable"
        install -m 755 "$TOOL" "$ROOT/usr/bin/vfio-pilot"
        if chroot "$ROOT" ldd /usr/bin/vfio-pilot 2>&1 | grep -q 'not found'; then
            die "vfio-pilot needs libraries the root lacks: $(chroot "$ROOT" ldd /usr/bin/vfio-pilot | grep 'not found' | tr '\n' ' ')"
        fi
    fi
    for d in ${E2E_ROOT_OVERLAY:-}; do
        [ -d "$d" ] || die "overlay $d is not a directory"
        cp -a "$d"/. "$ROOT"/
    done
    log "TIME prepare: ${SECONDS} s ($DIR)"
    ;;
image)
    DIR=${2:?usage: boot-root.sh image DIR IMAGE}
    IMAGE=${3:?usage: boot-root.sh image DIR IMAGE}
    SECONDS=0
    grep -q " $(cd "$DIR" && pwd)/" /proc/mounts && die "mounts left under $DIR"
    rm -f "$IMAGE"
    mkfs.ext4 -q -d "$DIR" -L root "$IMAGE" "${E2E_ROOT_SIZE:-3G}" >&2 || die "mkfs.ext4 -d failed"
    log "TIME image: ${SECONDS} s ($IMAGE, $(du -h "$IMAGE" | cut -f1) allocated)"
    ;;
make)
    IMAGE=${2:?usage: boot-root.sh make IMAGE [TOOL]}
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-root.XXXXXX")
    trap 'rm -rf "$DIR"' EXIT
    rmdir "$DIR"
    "$0" prepare "$DIR" "${3:-}"
    "$0" image "$DIR" "$IMAGE"
    ;;
boot)
    IMAGE=${2:?usage: boot-root.sh boot IMAGE LOG}
    LOG=${3:?usage: boot-root.sh boot IMAGE LOG}
    [ -f "$IMAGE" ] || die "no image $IMAGE"
    KDIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-kern.XXXXXX")
    trap 'rm -rf "$KDIR"' EXIT
    kv=$(debugfs -R "ls -p /boot" "$IMAGE" 2>/dev/null | awk -F/ '$6 ~ /^vmlinuz-/{sub("vmlinuz-","",$6); print $6}' | sort -V | tail -1)
    [ -n "$kv" ] || die "no /boot/vmlinuz-* in $IMAGE"
    debugfs -R "dump /boot/vmlinuz-$kv $KDIR/vmlinuz" "$IMAGE" 2>/dev/null
    debugfs -R "dump /boot/initrd.img-$kv $KDIR/initrd" "$IMAGE" 2>/dev/null
    [ -s "$KDIR/vmlinuz" ] && [ -s "$KDIR/initrd" ] || die "cannot read kernel/initrd $kv from $IMAGE"
    # systemd under TCG: ~40 s on an idle 2-core machine, 230 s seen at load 13
    VMLINUZ=$KDIR/vmlinuz INITRD=$KDIR/initrd E2E_DISK=$IMAGE E2E_MEM=${E2E_MEM:-2048} E2E_TIMEOUT=${E2E_TIMEOUT:-600} \
    E2E_APPEND="root=LABEL=root rw rd.shell=0 rd.emergency=poweroff ${E2E_APPEND:-}" \
        "$HERE/boot.sh" "$LOG"
    ;;
*)
    die "usage: boot-root.sh prepare DIR [TOOL] | image DIR IMAGE | make IMAGE [TOOL] | boot IMAGE LOG"
    ;;
esac

#!/bin/bash
# tests/e2e/run-itools.sh TOOL WORK LOG - scenario "itools", the host half.
#
# The tutorial's cycle on a Debian 12 root whose initramfs generator is
# initramfs-tools, not dracut (E2E_INITRD=initramfs-tools mkroot.sh, cached):
#  1. one boot of the harness initramfs (scenario snap, run.sh's VMLINUZ and
#     INITRD: the same q35 machine and card, a few seconds instead of a full
#     boot); its `vfio-pilot snapshot` gives ROOT's sys/ and proc/
#  2. `vfio-pilot --root ROOT plan --json` and `apply --yes` (vfio-pilot must
#     detect initramfs-tools and run the real update-initramfs, chrooted in
#     ROOT); lsinitramfs/unmkinitramfs, chrooted, show vfio-pci.ko, the
#     modprobe.d file and the module list in the image; boot ROOT with its own
#     kernel and initramfs and the plan's kernel_args (phase apply)
#  3. `vfio-pilot --root ROOT undo` (update-initramfs again): the image no
#     longer has the modprobe.d file; boot without the arguments (phase undo)
# The boot logs are concatenated into LOG (check.py itools LOG), host commands
# go to LOG.host, boot.sh's BOOT lines to LOG.boots.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOOL=${1:?usage: VMLINUZ=... INITRD=... run-itools.sh TOOL WORK LOG}
WORK=${2:?}
LOG=${3:?}
: "${VMLINUZ:?the harness kernel (run.sh sets it)}" "${INITRD:?the harness initramfs (run.sh sets it)}"
ROOT=$WORK/iroot
IMG=$WORK/iroot.img
SNAPDIR=$WORK/iroot-snap
: > "$LOG"; : > "$LOG.host"; : > "$LOG.boots"
lap() { echo "TIME itools $1: $((SECONDS - T)) s"; T=$SECONDS; }
T=$SECONDS
export E2E_INITRD=initramfs-tools   # boot-root.sh prepare -> mkroot.sh: the initramfs-tools root

. "$HERE/host-lib.sh"
hrun() { hrun_to "$LOG" "$@"; } # TAG CMD...: recorded in $LOG.host
boot() { # PHASE [KERNEL ARGS]
    "$HERE/boot-root.sh" image "$ROOT" "$IMG" || return 1
    lap "image for $1"
    local b
    b=$(E2E_IOMMU=intel E2E_APPEND="e2e.scenario=itools e2e.phase=$1 ${2:-} ${E2E_APPEND:-}" \
        "$HERE/boot-root.sh" boot "$IMG" "$WORK/itools-$1.log" 2>&1 | tail -1)
    echo "$b" | tee -a "$LOG.boots"
    cat "$WORK/itools-$1.log" >> "$LOG"
    lap "boot $1"
    case "$b" in *" rc=0 "*) return 0 ;; esac
    return 1
}
snap_in() { for d in sys proc; do rmdir "$ROOT/$d" && mv "$SNAPDIR/$d" "$ROOT/$d"; done; }
snap_out() { for d in sys proc; do mv "$ROOT/$d" "$SNAPDIR/$d" && mkdir -m 555 "$ROOT/$d"; done; }
in_root() { # CMD ARGS... chrooted in ROOT (proc mounted in a private mount namespace, gone with it)
    unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" "$@"
}
# image_file PATH: the file PATH of ROOT's initramfs, as the kernel will see it
# (unmkinitramfs, chrooted; the main archive follows any early microcode one)
image_file() {
    rm -rf "$ROOT/tmp/unmk"
    in_root unmkinitramfs "$INITRD_IMG" /tmp/unmk || return 1
    local d=$ROOT/tmp/unmk
    [ -d "$d/main" ] && d=$d/main
    [ -f "$d/$1" ] || { echo "no $1 in $INITRD_IMG" >&2; rm -rf "$ROOT/tmp/unmk"; return 1; }
    cat "$d/$1"; rm -rf "$ROOT/tmp/unmk"
}

rm -rf "$ROOT" "$SNAPDIR" "$IMG"
"$HERE/boot-root.sh" prepare "$ROOT" "$TOOL" || exit 1
KVER=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
INITRD_IMG=/boot/initrd.img-$KVER
lap prepare

# 1. the machine's facts, from one boot of the harness initramfs
b=$(VMLINUZ=$VMLINUZ INITRD=$INITRD E2E_IOMMU=intel E2E_APPEND="e2e.scenario=snap ${E2E_APPEND:-}" \
    "$HERE/boot.sh" "$WORK/itools-snap.log" 2>&1 | tail -1)
echo "$b" | tee -a "$LOG.boots"
lap "boot snap"
mkdir -p "$SNAPDIR/x"
python3 "$HERE/check.py" --extract "$WORK/itools-snap.log" snapshot "$WORK/iroot-snap.tar.gz" || exit 1
tar -C "$SNAPDIR/x" -xzf "$WORK/iroot-snap.tar.gz" || exit 1
mv "$SNAPDIR/x/sys" "$SNAPDIR/x/proc" "$SNAPDIR/"
snap_in

# 2. apply: the real update-initramfs in ROOT
hrun plan "$TOOL" --root "$ROOT" --json plan --bootloader none 0000:01:00.0
kargs=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("kernel_args") or []))' "$WORK/last.out") || kargs=
echo "== itools: plan kernel_args: $kargs"
hrun apply "$TOOL" --root "$ROOT" --json apply --yes --bootloader none 0000:01:00.0
lap "apply (update-initramfs in the chroot)"
hrun history "$TOOL" --root "$ROOT" --json history
hrun conf cat "$ROOT/etc/modprobe.d/vfio-pilot.conf"
hrun itmodules cat "$ROOT/etc/initramfs-tools/modules"
hrun img_conf image_file etc/modprobe.d/vfio-pilot.conf
hrun img_modules image_file conf/modules
hrun img_kos sh -c "$(declare -f in_root); ROOT='$ROOT'; in_root lsinitramfs '$INITRD_IMG' | grep -oE '[a-z0-9_]*vfio[a-z0-9_-]*\.ko[.a-z]*' | sort -u"
lap lsinitramfs
snap_out
boot apply "$kargs"

# 3. undo: update-initramfs again, boot without the arguments
snap_in
hrun undo "$TOOL" --root "$ROOT" --json undo
lap "undo (update-initramfs in the chroot)"
hrun conf_after sh -c "ls $ROOT/etc/modprobe.d/; cat $ROOT/etc/initramfs-tools/modules"
hrun img_list_after sh -c "$(declare -f in_root); ROOT='$ROOT'; in_root lsinitramfs '$INITRD_IMG' | grep -E 'modprobe.d|vfio'"
hrun img_modules_after image_file conf/modules
snap_out
boot undo
rm -f "$IMG"
[ "${E2E_KEEP_ROOT:-0}" = 1 ] || rm -rf "$ROOT" "$SNAPDIR"
exit 0

#!/bin/bash
# tests/e2e/run-tutorial.sh TOOL WORK LOG - scenario "tutorial", the host half.
#
# The tutorial's whole cycle with the real tools on a debootstrapped Debian 12
# root (mkroot.sh, cached) that boots with its own dracut initramfs:
#  1. prepare ROOT, boot it (phase before): stock drivers, `vfio-pilot snapshot`
#     of the running guest comes back; its sys/ and proc/ go into ROOT so that
#     `vfio-pilot --root ROOT` sees the guest's PCI devices and command line
#  2. `vfio-pilot --root ROOT plan --json` and `apply --yes` (vfio-pilot runs
#     dracut chrooted in ROOT); `lsinitrd` shows the modprobe.d file and
#     force_drivers in the image; boot with the plan's kernel_args (phase apply)
#  3. `vfio-pilot --root ROOT undo` (dracut again), boot (phase undo)
# The three boot logs are concatenated into LOG (check.py tutorial LOG), host
# commands go to LOG.host, boot.sh's BOOT lines to LOG.boots.
# There is no boot loader in ROOT (QEMU boots ROOT's /boot/vmlinuz and initrd
# directly), so plan/apply run with --bootloader none and the plan's
# kernel_args are passed on QEMU's -append, the way a boot entry would.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOOL=${1:?usage: run-tutorial.sh TOOL WORK LOG}
WORK=${2:?}
LOG=${3:?}
ROOT=$WORK/troot
IMG=$WORK/troot.img
SNAPDIR=$WORK/troot-snap
: > "$LOG"; : > "$LOG.host"; : > "$LOG.boots"
lap() { echo "TIME tutorial $1: $((SECONDS - T)) s"; T=$SECONDS; }
T=$SECONDS

. "$HERE/host-lib.sh"
hrun() { hrun_to "$LOG" "$@"; } # TAG CMD...: recorded in $LOG.host
boot() { # PHASE [KERNEL ARGS]; env CMDLINE: the whole command line, same image
    if [ -z "${CMDLINE:-}" ]; then
        "$HERE/boot-root.sh" image "$ROOT" "$IMG" || return 1
        lap "image for $1"
    fi
    local b
    b=$(E2E_IOMMU=intel E2E_APPEND="e2e.scenario=tutorial e2e.phase=$1 ${2:-} ${E2E_APPEND:-}" E2E_CMDLINE=${CMDLINE:-} \
        "$HERE/boot-root.sh" boot "$IMG" "$WORK/tutorial-$1.log" 2>&1 | tail -1)
    echo "$b" | tee -a "$LOG.boots"
    cat "$WORK/tutorial-$1.log" >> "$LOG"
    lap "boot $1"
    case "$b" in *" rc=0 "*) return 0 ;; esac
    return 1
}
# the snapshot's sys/ and proc/ in ROOT while vfio-pilot works on it, and
# out of it for mkfs (the guest mounts its own over them anyway)
snap_in() { for d in sys proc; do rmdir "$ROOT/$d" && mv "$SNAPDIR/$d" "$ROOT/$d"; done; }
snap_out() { for d in sys proc; do mv "$ROOT/$d" "$SNAPDIR/$d" && mkdir -m 555 "$ROOT/$d"; done; }
lsinitrd_in() { # lsinitrd ARGS... chrooted in ROOT (proc mounted in a private namespace)
    unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" lsinitrd "$@"' "$ROOT" "$@"
}

rm -rf "$ROOT" "$SNAPDIR" "$IMG"
"$HERE/boot-root.sh" prepare "$ROOT" "$TOOL" || exit 1
KVER=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
INITRD=/boot/initrd.img-$KVER
lap prepare

boot before || exit 1
mkdir -p "$SNAPDIR/x"
python3 "$HERE/check.py" --extract "$WORK/tutorial-before.log" snapshot "$WORK/troot-snap.tar.gz" || exit 1
tar -C "$SNAPDIR/x" -xzf "$WORK/troot-snap.tar.gz" || exit 1
mv "$SNAPDIR/x/sys" "$SNAPDIR/x/proc" "$SNAPDIR/"
snap_in

hrun plan "$TOOL" --root "$ROOT" --json plan --bootloader none 0000:01:00.0
kargs=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("kernel_args") or []))' "$WORK/last.out") || kargs=
echo "== tutorial: plan kernel_args: $kargs"
hrun apply "$TOOL" --root "$ROOT" --json apply --yes --bootloader none 0000:01:00.0
lap "apply (dracut in the chroot)"
hrun conf cat "$ROOT/etc/modprobe.d/vfio-pilot.conf"
hrun dracutconf cat "$ROOT/etc/dracut.conf.d/10-vfio-pilot.conf"
hrun lsinitrd_conf lsinitrd_in -f etc/modprobe.d/vfio-pilot.conf "$INITRD"
hrun lsinitrd_force lsinitrd_in -f etc/cmdline.d/20-force_drivers.conf "$INITRD"
hrun lsinitrd_mods bash -c "$(declare -f lsinitrd_in); ROOT='$ROOT'; lsinitrd_in '$INITRD' | grep -oE '[a-z_]*vfio[a-z_-]*\.ko[.a-z]*' | sort -u"
lap lsinitrd
snap_out
boot apply "$kargs"

# recover (when this vfio-pilot has it): the fallback command line that
# `recover --json` printed in the apply boot, booted as it is (phase word
# swapped), on the same image
if "$TOOL" recover --help >/dev/null 2>&1; then
    snap_in
    hrun recover_host "$TOOL" --root "$ROOT" --json recover
    snap_out
    python3 - "$WORK/tutorial-apply.log" > "$WORK/recover.cmdline" <<'PY' || true
import json, sys
out = [l.split("\t", 1)[1][len("E2E OUT apply.recover "):] for l in open(sys.argv[1], errors="replace")
       if "\tE2E OUT apply.recover " in l]
args = json.loads("\n".join(out))["recovery"]["fallback"]["kernel_args"]
print(" ".join("e2e.phase=recover" if a.startswith("e2e.phase=") else a for a in args))
PY
    echo "== tutorial: fallback command line: $(cat "$WORK/recover.cmdline")"
    if [ -s "$WORK/recover.cmdline" ]; then
        CMDLINE=$(cat "$WORK/recover.cmdline") boot recover
    fi
fi

snap_in
hrun undo "$TOOL" --root "$ROOT" --json undo
lap "undo (dracut in the chroot)"
hrun conf_after sh -c "ls $ROOT/etc/modprobe.d/ $ROOT/etc/dracut.conf.d/"
hrun lsinitrd_after lsinitrd_in -f etc/modprobe.d/vfio-pilot.conf "$INITRD"
snap_out
boot undo
rm -f "$IMG"
[ "${E2E_KEEP_ROOT:-0}" = 1 ] || rm -rf "$ROOT" "$SNAPDIR"
exit 0

#!/bin/bash
# tests/e2e/boot.sh - one QEMU boot of the e2e guest; the console goes to LOG.
#
# Usage: boot.sh LOG
# Env:
#   VMLINUZ           kernel image (required)
#   INITRD            initramfs; several files separated by spaces are
#                     concatenated (the kernel unpacks them in order)
#   E2E_IOMMU         intel (default) | amd | none
#   E2E_CARDS         1 (default) | 2: number of identical "cards", each a
#                     multifunction slot behind its own pcie-root-port
#   E2E_CARD          same (default): fn0 -device VGA (1234:1111, bochs-drm),
#                     fn1 -device edu (1234:11e8, no Linux driver) - one vendor,
#                     like a real GPU; two-vendor: fn1 ich9-intel-hda (8086:293e)
#   E2E_HOST_VGA      1 (default): qxl-vga (1b36:0100) at 00:02.0 is the host's
#                     boot display, so the card is a secondary GPU; 0: none
#   E2E_APPEND        extra kernel command line words (e.g. e2e.scenario=intel)
#   E2E_CMDLINE       the whole kernel command line instead (e.g. a fallback
#                     entry's line from `vfio-pilot recover --json`)
#   E2E_TIMEOUT       seconds before the guest is killed (default 300)
#   E2E_MEM, E2E_SMP  guest memory in MiB (1024) and CPUs (2)
#   E2E_ACCEL         QEMU accelerator (default tcg, as on CI)
#   E2E_CPU           -cpu model; default matches the IOMMU's vendor (TCG's
#                     default qemu64 says AuthenticAMD even next to VT-d):
#                     intel/none: qemu64,vendor=GenuineIntel,-svm; amd: qemu64 (svm)
#   E2E_DISK          raw disk image attached as virtio-blk at 00:03.0
#                     (root=LABEL=root for boot-root.sh)
#
# PCI layout (same for every IOMMU): host display qxl-vga = 0000:00:02.0,
# card 1 = 0000:01:00.0/.1 (root port 00:04.0), e1000e = 0000:02:00.0 (root port 00:05.0), card 2 =
# 0000:03:00.0/.1 (root port 00:06.0). With amd-iommu the IOMMU itself is 00:01.0.
#
# Each LOG line is "<host seconds since QEMU start><TAB><console line>".
# The last line printed on stdout is "BOOT log=LOG rc=N wall=S".
# QEMU exits 0 even when the guest fails: judge by the log (check.py).
set -uo pipefail

LOG=${1:?usage: boot.sh LOG}
: "${VMLINUZ:?VMLINUZ not set}" "${INITRD:?INITRD not set}"
IOMMU=${E2E_IOMMU:-intel}
CARDS=${E2E_CARDS:-1}
CARD=${E2E_CARD:-same}
TIMEOUT=${E2E_TIMEOUT:-300}
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || { echo "boot: FATAL: $QEMU not found (run tests/e2e/setup.sh)" >&2; exit 2; }
[ -r "$VMLINUZ" ] || { echo "boot: FATAL: cannot read $VMLINUZ" >&2; exit 2; }

initrd=$INITRD
if [ "$(echo "$INITRD" | wc -w)" -gt 1 ]; then
    initrd=$LOG.initrd
    cat $INITRD > "$initrd" || exit 2
fi

args=(-machine q35 -accel "${E2E_ACCEL:-tcg}" -m "${E2E_MEM:-1024}" -smp "${E2E_SMP:-2}"
      -nodefaults -display none -serial stdio -no-reboot)
# no_timer_check: under TCG on a busy host the kernel's check that the timer
# interrupt arrives through the interrupt-remapped IO-APIC can time out, and
# the boot ends in "Kernel panic - not syncing: timer doesn't work through
# Interrupt-remapped IO-APIC" (seen at load 7 on 2 cores)
append="console=ttyS0 panic=-1 no_timer_check"
cpu=qemu64
case "$IOMMU" in
    intel) cpu=qemu64,vendor=GenuineIntel,-svm
           args+=(-device intel-iommu,intremap=on,caching-mode=on)
           append="$append intel_iommu=on iommu=pt" ;;
    amd)   cpu=qemu64
           args+=(-device amd-iommu,intremap=on)
           append="$append iommu=pt" ;;   # amd_iommu=on is not a valid value
    none)  cpu=qemu64,vendor=GenuineIntel,-svm
           append="$append intel_iommu=on iommu=pt" ;; # as a user would have it
    *) echo "boot: FATAL: E2E_IOMMU=$IOMMU" >&2; exit 2 ;;
esac
card() { # N ROOTPORT_ADDR CHASSIS
    args+=(-device pcie-root-port,id=rp$1,bus=pcie.0,chassis=$3,slot=$3,addr=$2
           -device VGA,id=gpu$1,bus=rp$1,addr=0x0.0,multifunction=on)
    case "$CARD" in
        same) args+=(-device edu,id=fn$1,bus=rp$1,addr=0x0.1) ;;
        two-vendor) args+=(-device ich9-intel-hda,id=hda$1,bus=rp$1,addr=0x0.1
                           -device hda-output,bus=hda$1.0,audiodev=noaudio) ;;
        *) echo "boot: FATAL: E2E_CARD=$CARD" >&2; exit 2 ;;
    esac
}
args+=(-cpu "${E2E_CPU:-$cpu}" -audiodev none,id=noaudio)
# the host's own display on the root bus (like an iGPU), so that the card is
# a secondary GPU: boot_vga=0, as for a real passthrough card
[ "${E2E_HOST_VGA:-1}" = 1 ] && args+=(-device qxl-vga,id=hostvga,bus=pcie.0,addr=0x2)
card 1 0x4 1
args+=(-device pcie-root-port,id=rpn,bus=pcie.0,chassis=2,slot=2,addr=0x5
       -device e1000e,bus=rpn,netdev=n0,romfile= -netdev hubport,id=n0,hubid=0)
[ "$CARDS" -ge 2 ] && card 2 0x6 3
if [ -n "${E2E_DISK:-}" ]; then
    args+=(-drive "file=$E2E_DISK,format=raw,if=none,id=d0"
           -device virtio-blk-pci,drive=d0,bus=pcie.0,addr=0x3)
fi
cmdline="$append ${E2E_APPEND:-}"
[ -n "${E2E_CMDLINE:-}" ] && cmdline=$E2E_CMDLINE
args+=(-kernel "$VMLINUZ" -initrd "$initrd" -append "$cmdline")

echo "# $QEMU ${args[*]}" > "$LOG"
start=$EPOCHREALTIME
us0=${start/./}
timeout -k 10 "$TIMEOUT" "$QEMU" "${args[@]}" </dev/null 2>&1 |
while IFS= read -r line || [ -n "$line" ]; do
    ms=$(( (${EPOCHREALTIME/./} - us0) / 1000 ))
    printf '%d.%03d\t%s\n' $((ms / 1000)) $((ms % 1000)) "${line%$'\r'}"
done >> "$LOG"
rc=${PIPESTATUS[0]}
wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
[ "$initrd" != "$INITRD" ] && rm -f "$initrd"
[ "$rc" = 124 ] && echo "boot: TIMEOUT after ${TIMEOUT}s" >> "$LOG"
echo "BOOT log=$LOG rc=$rc wall=$wall"
exit 0

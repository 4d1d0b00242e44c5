#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds $ROOT/var/log/journal/test.journal with two boots (systemd-journal-remote reading the journal export
# format) and $ROOT/var/log/libvirt/qemu/win10.log. Used by the diagnose golden cases' setup.sh.
set -eu
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { echo "make-journal: $JR missing (package systemd-journal-remote)" >&2; exit 1; }
mkdir -p "$ROOT/var/log/journal" "$ROOT/var/log/libvirt/qemu"
seq=0
entry() { # realtime boot transport unit ident message
	seq=$((seq + 1))
	printf '__CURSOR=s=0;i=%x\n__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n' "$seq" "$1" "$seq" "$2"
	printf '_MACHINE_ID=5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f\n_HOSTNAME=fedora\n_TRANSPORT=%s\nPRIORITY=3\n' "$3"
	[ -n "$4" ] && printf '_SYSTEMD_UNIT=%s\n' "$4"
	printf 'SYSLOG_IDENTIFIER=%s\nMESSAGE=%s\n\n' "$5" "$6"
}
B1=11111111111111111111111111111111
B2=22222222222222222222222222222222
{
	# boot 1: the IOMMU works, QEMU refuses the group (the HDMI audio function is still on snd_hda_intel)
	entry 1700000000000000 $B1 kernel "" kernel "DMAR: IOMMU enabled"
	entry 1700000000100000 $B1 kernel "" kernel "pci 0000:01:00.0: Adding to iommu group 1"
	entry 1700000000200000 $B1 kernel "" kernel "DMAR: Intel(R) Virtualization Technology for Directed I/O"
	entry 1700000000300000 $B1 kernel "" kernel "snd_hda_intel 0000:01:00.1: enabling device (0000 -> 0002)"
	entry 1700000001000000 $B1 journal libvirtd.service libvirtd "internal error: qemu unexpectedly closed the monitor: 2023-11-14T22:13:21.000000Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pci.5,addr=0x0.0x1: vfio 0000:01:00.1: group 1 is not viable"
	entry 1700000002000000 $B1 syslog sshd.service sshd "Accepted publickey for alice: vfio-pci 0000:09:00.0: BAR 0: can't reserve (not a kernel line; not read)"
	# boot 2: the boot framebuffer holds the GPU's BAR and vfio-pci loses the race
	entry 1700100000000000 $B2 kernel "" kernel "simple-framebuffer simple-framebuffer.0: [drm] fb0: simpledrmdrmfb frame buffer device"
	entry 1700100000100000 $B2 kernel "" kernel "pci 0000:01:00.0: Adding to iommu group 1"
	entry 1700100000200000 $B2 kernel "" kernel "DMAR: Intel(R) Virtualization Technology for Directed I/O"
	entry 1700100000300000 $B2 kernel "" kernel "vfio-pci 0000:01:00.0: BAR 1 [mem 0x6000000000-0x600fffffff 64bit pref]: can't reserve"
	entry 1700100000400000 $B2 kernel "" kernel "pci 0000:01:00.0: probe with driver vfio-pci failed with error -16"
	entry 1700100001000000 $B2 journal virtqemud.service virtqemud "internal error: Unknown PCI header type '127' for device '0000:01:00.0'"
} | "$JR" -o "$ROOT/var/log/journal/test.journal" - 2>/dev/null
cat > "$ROOT/var/log/libvirt/qemu/win10.log" <<'LOG'
2023-11-14 22:13:20.000+0000: starting up libvirt version: 9.0.0, qemu version: 7.2.0
LC_ALL=C PATH=/usr/bin HOME=/var/lib/libvirt/qemu/domain-1-win10 /usr/bin/qemu-system-x86_64 -name guest=win10
2023-11-14T22:13:21.000000Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pci.5,addr=0x0.0x1: vfio 0000:01:00.1: group 1 is not viable
Please ensure all devices within the iommu_group are bound to their vfio bus driver.
2023-11-14 22:13:21.500+0000: shutting down, reason=failed
LOG

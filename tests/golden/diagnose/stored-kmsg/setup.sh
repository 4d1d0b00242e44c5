#!/bin/bash
# A snapshot's kernel log (/dev/kmsg records, as vfio-pilot snapshot stores them) and no journal.
set -eu
mkdir -p "$ROOT/var/log"
cat > "$ROOT/var/log/vfio-pilot-kmsg.txt" <<'LOG'
6,512,210000,-;DMAR: IOMMU enabled
6,513,212000,-;DMAR-IR: Enabled IRQ remapping in x2apic mode
3,900,9100000,-;vfio-pci 0000:01:00.0: BAR 3: can't reserve [mem 0xa0000000-0xa1ffffff 64bit pref]
4,901,9200000,-;vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform
LOG

# noiommu: no IOMMU device in the machine (intel_iommu=on still on the
# command line): `check` exits 1 with iommu.enabled failed, `list` exits 0
# and explains, `diagnose` finds iommu.disabled in the real kernel log, given on stdin
# or read by itself.
snapshot before
run check vfio-pilot check --json
run check_text vfio-pilot check
run list_text vfio-pilot list
run list vfio-pilot list --json
run_sh diagnose 'dmesg | vfio-pilot diagnose --file - --json'
run_sh diagnose_text 'dmesg | vfio-pilot diagnose --file -'
# No --file: the journal, or /dev/kmsg when the journal has none of this boot (no journald here).
run diagnose_live vfio-pilot diagnose --json

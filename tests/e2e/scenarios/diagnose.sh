# diagnose: after a bind, the real kernel log fed to `diagnose --file -`
# yields iommu.active and vfio.claimed and no error-severity finding.
snapshot before
run bind vfio-pilot bind 0000:01:00.0
snapshot bound
run_sh diagnose 'dmesg | vfio-pilot diagnose --file - --json'
run_sh diagnose_text 'dmesg | vfio-pilot diagnose --file -'

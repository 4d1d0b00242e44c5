# intel / amd: with an emulated IOMMU, `check` passes iommu.enabled and
# `list --json` shows the card (01:00.0 VGA + 01:00.1 HDA) as one isolated
# group on bochs-drm and snd_hda_intel. Checked on the host by check.py.
snapshot before
run check vfio-pilot check --json
run check_text vfio-pilot check
run list vfio-pilot list --json
run list_text vfio-pilot list

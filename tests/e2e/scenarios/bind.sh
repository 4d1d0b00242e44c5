# bind: `vfio-pilot bind 0000:01:00.0` moves both functions of the card (VGA
# and edu, one vendor) to vfio-pci, /dev/vfio/N appears, `list` says viable,
# vfio-probe walks the uAPI on both functions; `unbind` gives 01:00.0 back to
# bochs-drm and leaves 01:00.1 without a driver, as it was.
snapshot before
run bind vfio-pilot bind 0000:01:00.0 --json
snapshot bound
run list vfio-pilot list --json
for b in $CARD_FUNCS; do probe "$b"; done
run unbind vfio-pilot unbind 0000:01:00.0 --json
settle 5
snapshot after

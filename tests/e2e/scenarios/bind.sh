# bind: `vfio-pilot bind 0000:01:00.0` moves both functions of the card to
# vfio-pci, /dev/vfio/N appears, `list` says viable, vfio-probe walks the
# uAPI on both functions; `unbind` gives them back to the host drivers.
snapshot before
run bind vfio-pilot bind 0000:01:00.0 --json
snapshot bound
run list vfio-pilot list --json
for b in $CARD_FUNCS; do probe "$b"; done
run unbind vfio-pilot unbind 0000:01:00.0
settle 5
snapshot after

# two-vendor: fn0 VGA (1234) + fn1 ich9-intel-hda (8086) in one slot. The
# card rule (functions sharing fn0's vendor) leaves the HDA outside the card,
# so `list` shows the group as not isolated; `bind --whole-group` still moves
# both to vfio-pci (snd_hda_intel released) and `unbind --whole-group`
# returns bochs-drm and snd_hda_intel.
snapshot before
run list vfio-pilot list --json
run list_text vfio-pilot list
run bind vfio-pilot bind 0000:01:00.0 --whole-group --json
snapshot bound
for b in $CARD_FUNCS; do probe "$b"; done
run unbind vfio-pilot unbind 0000:01:00.0 --whole-group --json
settle 5
snapshot after

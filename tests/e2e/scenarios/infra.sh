# infra: the harness itself, without vfio-pilot. Groups exist, the card's
# two functions share one group, a sysfs rebind to vfio-pci works, and
# vfio-probe walks the whole VFIO uAPI on both functions.
snapshot before
/sbin/modprobe vfio-pci
for b in $CARD_FUNCS; do sysfs_bind "$b" vfio-pci; done
snapshot bound
for b in $CARD_FUNCS; do probe "$b"; done
for b in $CARD_FUNCS; do
    echo > "/sys/bus/pci/devices/$b/driver_override"
    echo "$b" > "/sys/bus/pci/devices/$b/driver/unbind"
    echo "$b" > /sys/bus/pci/drivers_probe
done
settle 5
snapshot after

rm "$ROOT/sys/bus/pci/drivers_probe"

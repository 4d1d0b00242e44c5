p="$ROOT/sys/bus/pci/devices/0000:01:00.0/driver_override"; rm "$p"; mkdir "$p"

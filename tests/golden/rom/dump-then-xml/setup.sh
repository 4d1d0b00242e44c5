mkdir -p "$ROOT/var/lib/libvirt/vgabios"

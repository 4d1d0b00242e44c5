set -eu
# The user once wrote their own modprobe.d file for another card (ids of a GTX 970): both files
# would set vfio-pci ids=, and the kernel keeps one value. Refused with the reason.
printf "options vfio-pci ids=10de:13c2,10de:0fbb\nsoftdep nouveau pre: vfio-pci\n" > "$ROOT/etc/modprobe.d/vfio.conf"

set -eu
sed -i 's/^GRUB_CMDLINE_LINUX=""/GRUB_CMDLINE_LINUX="vfio-pci.ids=1234:5678"/' "$ROOT/etc/default/grub"

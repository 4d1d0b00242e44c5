set -eu
mv "$ROOT/etc/default/grub" "$ROOT/etc/default/grub.real"
ln -s grub.real "$ROOT/etc/default/grub"

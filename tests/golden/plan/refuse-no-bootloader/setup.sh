set -eu
rm "$ROOT/etc/default/grub"

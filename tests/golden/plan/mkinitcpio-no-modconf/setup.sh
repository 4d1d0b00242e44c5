set -eu
# HOOKS without modconf (a hand-trimmed mkinitcpio.conf): reported.
sed -i "s/^HOOKS=.*/HOOKS=(base udev autodetect microcode kms keyboard keymap consolefont block filesystems fsck)/" "$ROOT/etc/mkinitcpio.conf"

set -eu
# GRUB_CMDLINE_LINUX_DEFAULT computed by a command: vfio-pilot cannot know or edit its value.
sed -i 's|^GRUB_CMDLINE_LINUX_DEFAULT=.*|GRUB_CMDLINE_LINUX_DEFAULT="quiet $(cat /etc/default/cmdline.local 2>/dev/null)"|' "$ROOT/etc/default/grub"

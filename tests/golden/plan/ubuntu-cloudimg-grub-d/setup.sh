set -eu
. "$(dirname "$0")/../lib/standins.sh"
# Ubuntu cloud images ship /etc/default/grub.d/50-cloudimg-settings.cfg (livecd-rootfs), which sets
# GRUB_CMDLINE_LINUX_DEFAULT after /etc/default/grub; grub2-common ships init-select.cfg.
mkdir -p "$ROOT/etc/default/grub.d"
cat > "$ROOT/etc/default/grub.d/50-cloudimg-settings.cfg" <<'G'
# Cloud Image specific Grub settings for Generic Cloud Images
# CLOUD_IMG: This file was created/modified by the Cloud Image build process

# Set the recordfail timeout
GRUB_RECORDFAIL_TIMEOUT=0

# Do not wait on grub prompt
GRUB_TIMEOUT=0

# Set the default commandline
GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"

# Set the grub console type
GRUB_TERMINAL=console
G
cat > "$ROOT/etc/default/grub.d/init-select.cfg" <<'G'
# Added by the init-select package
if [ "$GRUB_DISABLE_INIT_SELECT" != "true" ]; then
  GRUB_CMDLINE_LINUX_EXTRA=""
fi
G

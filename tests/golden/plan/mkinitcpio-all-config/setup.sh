set -eu
# An Arch install from before mkinitcpio v36: linux.preset still has ALL_config= active (as the
# preset the linux package shipped then), so `mkinitcpio -P` passes -c /etc/mkinitcpio.conf and skips
# /etc/mkinitcpio.conf.d. The user loads the NVIDIA modules early (MODULES in mkinitcpio.conf).
mkdir -p "$ROOT/etc/mkinitcpio.d"
cat > "$ROOT/etc/mkinitcpio.d/linux.preset" <<"EOF"
# mkinitcpio preset file for the 'linux' package

ALL_config="/etc/mkinitcpio.conf"
ALL_kver="/boot/vmlinuz-linux"

PRESETS=('default' 'fallback')

#default_config="/etc/mkinitcpio.conf"
default_image="/boot/initramfs-linux.img"
#default_options=""

#fallback_config="/etc/mkinitcpio.conf"
fallback_image="/boot/initramfs-linux-fallback.img"
fallback_options="-S autodetect"
EOF
sed -i "s/^MODULES=()/MODULES=(nvidia nvidia_modeset nvidia_uvm nvidia_drm)/" "$ROOT/etc/mkinitcpio.conf"

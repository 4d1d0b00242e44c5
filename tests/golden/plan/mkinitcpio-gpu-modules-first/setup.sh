set -eu
# The current preset format (ALL_config= commented out, drop-ins read) and NVIDIA modules in
# mkinitcpio.conf MODULES: the drop-in puts the vfio modules before them.
mkdir -p "$ROOT/etc/mkinitcpio.d"
cat > "$ROOT/etc/mkinitcpio.d/linux.preset" <<"EOF"
# mkinitcpio preset file for the 'linux' package

#ALL_config="/etc/mkinitcpio.conf"
ALL_kver="/boot/vmlinuz-linux"

PRESETS=('default')

#default_config="/etc/mkinitcpio.conf"
default_image="/boot/initramfs-linux.img"
#default_uki="/efi/EFI/Linux/arch-linux.efi"
#default_options="--splash /usr/share/systemd/bootctl/splash-arch.bmp"
EOF
sed -i "s/^MODULES=()/MODULES=(nvidia nvidia_modeset nvidia_uvm nvidia_drm)/" "$ROOT/etc/mkinitcpio.conf"

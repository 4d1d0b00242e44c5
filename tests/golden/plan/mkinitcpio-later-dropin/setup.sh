set -eu
# A drop-in sorted after vfio-pilot's assigns MODULES= (replacing, not adding): refused.
mkdir -p "$ROOT/etc/mkinitcpio.conf.d"
printf "# early KMS for the NVIDIA card\nMODULES=(nvidia nvidia_modeset nvidia_uvm nvidia_drm)\n" > "$ROOT/etc/mkinitcpio.conf.d/zz-nvidia.conf"

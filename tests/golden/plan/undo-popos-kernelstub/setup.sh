set -eu
. "$(dirname "$0")/../lib/standins.sh"
# kernelstub's configuration as Pop!_OS 22.04 ships it, with the user's options in their own order
cat > "$ROOT/etc/kernelstub/configuration" <<'J'
{
  "default": {
    "kernel_options": [
      "quiet",
      "splash"
    ],
    "esp_path": "/boot/efi",
    "setup_loader": false,
    "manage_mode": false,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  },
  "user": {
    "kernel_options": [
      "quiet",
      "loglevel=0",
      "systemd.show_status=false",
      "splash",
      "nvidia-drm.modeset=1"
    ],
    "esp_path": "/boot/efi",
    "setup_loader": true,
    "manage_mode": true,
    "force_update": false,
    "live_mode": false,
    "config_rev": 3
  }
}
J

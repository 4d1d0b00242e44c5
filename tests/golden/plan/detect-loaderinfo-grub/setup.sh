set -eu
# A loader.conf and entries are left from an earlier systemd-boot, but this boot came through GRUB
# (Fedora's and openSUSE's GRUB set LoaderInfo too): the EFI variable says what booted.
mkdir -p "$ROOT/etc/default"
cat > "$ROOT/etc/default/grub" <<'G'
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="Arch"
GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet"
GRUB_CMDLINE_LINUX=""
G
mkdir -p "$ROOT/sys/firmware/efi/efivars"
printf '\006\000\000\000G\000R\000U\000B\000 \0002\000.\0001\0002\000\000\000' > "$ROOT/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

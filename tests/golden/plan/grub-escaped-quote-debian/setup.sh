set -eu
. "$(dirname "$0")/../lib/standins.sh"
# Debian 12's /etc/default/grub (grub2-common 2.06-13) with a value that carries escaped quotes.
cat > "$ROOT/etc/default/grub" <<'G'
# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
# For full documentation of the options in this file, see:
#   info -f grub -n 'Simple configuration'

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Debian} ) 2>/dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet acpi_osi=\"Windows 2015\" acpi_backlight=vendor"
GRUB_CMDLINE_LINUX=""

# If your computer has multiple monitors/outputs, you may want to disable it.
#GRUB_DISABLE_OS_PROBER=false

# Uncomment to enable BadRAM filtering, modify to suit your needs
#GRUB_BADRAM="0x01234567,0xfefefefe,0x89abcdef,0xefefefef"
G

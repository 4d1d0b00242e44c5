set -eu
. "$(dirname "$0")/../lib/standins.sh"
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\0GRUB_CMDLINE_LINUX="rd.luks.uuid=1"\n' > "$ROOT/etc/default/grub"

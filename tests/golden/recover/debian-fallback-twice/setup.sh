set -eu
export VP_GRUB=1
. "$(dirname "$0")/../lib/recover.sh"

set -eu
export VP_GRUBBY=1
. "$(dirname "$0")/../lib/recover.sh"

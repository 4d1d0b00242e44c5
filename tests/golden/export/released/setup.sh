set -eu
. "$(dirname "$0")/../../plan/lib/standins.sh"

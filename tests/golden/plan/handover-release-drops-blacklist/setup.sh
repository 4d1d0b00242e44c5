set -eu
. "$(dirname "$0")/../lib/standins.sh"

set -eu
. "$(dirname "$0")/../lib/recover.sh"

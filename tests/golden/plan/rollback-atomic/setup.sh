set -eu
. "$(dirname "$0")/../lib/standins.sh"
: > "$ROOT/vp-fail-rpm-ostree"

set -eu
rm -f "$ROOT/usr/lib/os-release" "$ROOT/etc/os-release"
. "$(dirname "$0")/../lib/recover.sh"

set -eu
. "$(dirname "$0")/../lib/standins.sh"
# booted after the transaction (SOURCE_DATE_EPOCH=1767225600 in the golden suite)
printf 'cpu  1 2 3 4\nbtime 1767230000\n' > "$ROOT/proc/stat"
mkdir -p "$ROOT/dev/vfio"
: > "$ROOT/dev/vfio/1"
: > "$ROOT/dev/vfio/vfio"

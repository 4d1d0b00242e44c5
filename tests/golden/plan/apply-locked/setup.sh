set -eu
. "$(dirname "$0")/../lib/standins.sh"
# Another vfio-pilot is in the middle of a change: it holds the lock for a while.
mkdir -p "$ROOT/var/lib/vfio-pilot"
flock "$ROOT/var/lib/vfio-pilot/lock" sleep 10 </dev/null >/dev/null 2>&1 &
for i in $(seq 50); do flock -n "$ROOT/var/lib/vfio-pilot/lock" true || exit 0; sleep 0.1; done
echo "the lock was never taken" >&2; exit 1

set -eu
. "$(dirname "$0")/../lib/standins.sh"
# Another vfio-pilot is in the middle of a change: it holds the lock on the root for a while.
flock "$ROOT" sleep 10 </dev/null >/dev/null 2>&1 &
for i in $(seq 50); do flock -n "$ROOT" true || exit 0; sleep 0.1; done
echo "the lock was never taken" >&2; exit 1

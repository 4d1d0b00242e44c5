set -eu
. "$(dirname "$0")/../lib/standins.sh"
printf "cpu  1 2 3 4\nbtime 1767220000\n" > "$ROOT/proc/stat"

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark (run by hand, not a test): vfio-pilot diagnose --file against
# grep -E -c -f with the same patterns, over SIZE MiB of generated log noise.
#
# usage: bench/diagnose/run.sh [BUILD_DIR] [SIZE_MIB]      (defaults: build 1024)
# Prints both times, the ratio time(diagnose)/time(grep) (wall and user CPU;
# target <= 1.0) and each command's peak RSS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
size=${2:-1024}
bin=$(cd "$build" && pwd)/src/cli/vfio-pilot
work=${TMPDIR:-/tmp}/vp-bench-diagnose
mkdir -p "$work"
log=$work/noise-$size.log
[ -s "$log" ] || python3 "$here/gen-noise.py" "$log" "$size"
"$bin" diagnose --patterns > "$work/patterns"
echo "log: $log ($(wc -c < "$log") bytes), $(wc -l < "$work/patterns") patterns"
diag="$bin diagnose --no-host --file $log"
grp="grep -E -c -f $work/patterns $log"
# grep stops at the first match when its output is /dev/null, so both write to a pipe.
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --output=pipe -i -w 1 -r "${RUNS:-5}" --export-json "$work/h.json" "$diag" "$grp" >/dev/null
	python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
d, g = r[0], r[1]
print("diagnose: mean %.3f s (user %.3f s, sys %.3f s)" % (d["mean"], d["user"], d["system"]))
print("grep:     mean %.3f s (user %.3f s, sys %.3f s)" % (g["mean"], g["user"], g["system"]))
print("ratio time(diagnose)/time(grep): wall %.2f, user CPU %.2f" % (d["mean"] / g["mean"], d["user"] / g["user"]))
PY
else
	t0=$(date +%s.%N); $diag | cat >/dev/null || true; t1=$(date +%s.%N)
	$grp | cat >/dev/null; t2=$(date +%s.%N)
	python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); print('diagnose %.3f s, grep %.3f s, ratio %.2f' % (b-a, c-b, (b-a)/(c-b)))" "$t0" "$t1" "$t2"
fi
if [ -x /usr/bin/time ]; then
	for c in "$diag" "$grp"; do
		rss=$( { /usr/bin/time -v $c >/dev/null; } 2>&1 | sed -n 's/.*Maximum resident set size (kbytes): //p')
		echo "peak RSS ${rss} KiB: $(basename "${c%% *}") $(echo "$c" | cut -d' ' -f2)"
	done
fi

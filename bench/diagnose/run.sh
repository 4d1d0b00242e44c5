#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark (run by hand, not a test): vfio-pilot diagnose --file (the whole catalog) against
# grep -E -c -f with SIGS of the catalog's regexes, over SIZE MiB of generated journal noise.
#
# usage: bench/diagnose/run.sh [BUILD_DIR] [SIZE_MIB] [RUNS] [SIGS]   (defaults: build 256 7 16)
#
# Runs are paired (diagnose, then grep, RUNS times), so that load from other processes hits both alike; prints
# the median wall and user CPU time of each, the median of the per-pair ratios time(diagnose)/time(grep)
# (target <= 0.5) and each command's peak RSS. grep writes to a file: GNU grep stops at the first match when
# its output is /dev/null.
#
# Measured 2026-12-05 on the shared 2-core machine under load average 10-11 (256 MiB, 9 paired runs, 16 sigs):
# diagnose/grep wall 0.33 and 0.28, user CPU 0.22 and 0.21; farm-bench -n 15 (A = diagnose, B = grep, both writing
# to a file): cpu (user+sys) 0.32, wall 0.33. The scan before it ran in lanes: wall 0.64 and 0.73, user CPU 0.58
# and 0.55, cpu 0.62 under the same load (0.51 and 0.56 wall on an idle machine). Of diagnose's time now about
# 40% is the kernel copying the file (read), 45% the lane scan, 8% checking possible anchor ends, 4% counting lines.
# At load 4.3 (00:43 UTC): wall 0.32, user CPU 0.20 (before: 0.57 and 0.56, run right after); farm-bench -n 15:
# cpu 0.30, wall 0.28 (diagnose 0.090 s cpu median, grep 0.299 s).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
size=${2:-256}
runs=${3:-7}
sigs=${4:-16}
bin=$(cd "$build" && pwd)/src/cli/vfio-pilot
work=${TMPDIR:-/tmp}/vp-bench-diagnose
mkdir -p "$work"
log=$work/noise-$size.log
[ -s "$log" ] || python3 "$here/gen-noise.py" "$log" "$size"
"$bin" diagnose --patterns > "$work/patterns.all"
head -n "$sigs" "$work/patterns.all" > "$work/patterns"
echo "log: $log ($(wc -c < "$log") bytes); diagnose: whole catalog ($(wc -l < "$work/patterns.all") patterns); grep: $(wc -l < "$work/patterns") patterns"
python3 - "$bin" "$log" "$work" "$runs" <<'PY'
import os, resource, statistics, subprocess, sys, time
binary, log, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(cmd, out):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL)
    t = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, r1.ru_utime - r0.ru_utime
diag = [binary, "diagnose", "--no-host", "--file", log]
grep = ["grep", "-E", "-c", "-f", os.path.join(work, "patterns"), log]
d, g = [], []
run(diag, os.devnull); run(grep, os.path.join(work, "grep.out"))  # warm the page cache
for i in range(runs):
    d.append(run(diag, os.path.join(work, "diag.out")))
    g.append(run(grep, os.path.join(work, "grep.out")))
med = lambda xs: statistics.median(xs)
print("diagnose: median %.3f s wall, %.3f s user (%d runs)" % (med([x[0] for x in d]), med([x[1] for x in d]), runs))
print("grep:     median %.3f s wall, %.3f s user; %s matching lines" % (med([x[0] for x in g]), med([x[1] for x in g]),
      open(os.path.join(work, "grep.out")).read().strip()))
print("ratio time(diagnose)/time(grep), median of pairs: wall %.2f, user CPU %.2f" % (
    med([a[0] / b[0] for a, b in zip(d, g)]), med([a[1] / max(b[1], 1e-6) for a, b in zip(d, g)])))
PY
if [ -x /usr/bin/time ]; then
	for c in "$bin diagnose --no-host --file $log" "grep -E -c -f $work/patterns $log"; do
		rss=$( { /usr/bin/time -v $c >/dev/null; } 2>&1 | sed -n 's/.*Maximum resident set size (kbytes): //p')
		echo "peak RSS ${rss} KiB: $(basename "${c%% *}") $(echo "$c" | cut -d' ' -f2)"
	done
fi

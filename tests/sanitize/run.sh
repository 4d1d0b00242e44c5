#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The hostile-input cases under AddressSanitizer and UndefinedBehaviorSanitizer: builds vfio-pilot
# (only the binary) in its own build directory with -Db_sanitize=address,undefined, then runs
# tests/golden/hostile-test.py and every case of tests/hostile/cases/ with it; the first sanitizer
# report aborts the run that made it (halt_on_error), which fails the case.
# Usage: run.sh SOURCE_DIR BUILD_DIR. Ends with "N passed, N failed" (tests/summarize.py counts it).
set -u
src=$1
bdir=$2
cc=${VP_SANITIZE_CC:-gcc}
if [ ! -f "$bdir/build.ninja" ]; then
	CC=$cc meson setup "$bdir" "$src" -Db_sanitize=address,undefined -Dbuildtype=debug -Dtests=false >/dev/null ||
		{ echo "sanitize: meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$bdir" src/cli/vfio-pilot >/dev/null || { ninja -C "$bdir" src/cli/vfio-pilot | tail -20; echo "0 passed, 1 failed"; exit 1; }
bin="$bdir/src/cli/vfio-pilot"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0
fail=0
for runner in "$src/tests/golden/hostile-test.py" "$src/tests/hostile/run.py"; do
	python3 "$runner" "$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	[ -n "$line" ] || { p=0; f=1; }
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "sanitize: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

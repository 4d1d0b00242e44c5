#!/bin/sh
# The test command: builds from scratch in build/ and runs every suite
# (unit, golden, integration, live, fuzz, sanitize, package, e2e). Ends with "N passed, N failed" over all suites.
# VP_SUITES="unit golden" limits the suites.
set -u
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null || exit 1
fi
ninja -C build >/dev/null || { ninja -C build; exit 1; }
suites=""
for s in ${VP_SUITES:-unit golden integration live fuzz sanitize package e2e}; do suites="$suites --suite $s"; done
meson test -C build --num-processes 2 --print-errorlogs $suites
rc=$?
python3 tests/summarize.py build/meson-logs/testlog.json
src=$?
[ $rc -eq 0 ] && [ $src -eq 0 ]

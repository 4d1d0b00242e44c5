#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vfio-pilot(8) covers every command of `vfio-pilot --list-commands` (a .SS block each) and every
# option its --help shows, carries the binary's version, and formats without groff warnings.
# Usage: man-test.sh VFIO-PILOT SRCDIR. Ends with "N passed, N failed".
set -u
bin=$1 man=$2/man/vfio-pilot.8
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
command -v groff >/dev/null || { echo "FAIL: groff is not installed"; echo "0 passed, 1 failed"; exit 1; }
# the page as plain text, options unescaped
text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man")
for c in $("$bin" --list-commands); do
	if grep -qE "^\.SS \"?$c( |\"|$)" "$man"; then ok; else bad "no .SS section for command '$c' in man/vfio-pilot.8"; fi
	for o in $("$bin" "$c" --help 2>/dev/null | grep -oE -- '(^|[ [,|])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		if grep -qF -- "$o" <<<"$text"; then ok; else bad "option $o of '$c' is not in man/vfio-pilot.8"; fi
	done
done
# --list-commands (what the completions offer) names exactly the commands of --help
l=$("$bin" --list-commands | sort | tr '\n' ' ')
h=$("$bin" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ {print $1}' | sort | tr '\n' ' ')
if [ -n "$l" ] && [ "$l" = "$h" ]; then ok; else bad "--list-commands ($l) differs from --help's commands ($h)"; fi
v=$("$bin" --version | awk '{print $2}')
if grep -q "^\.TH VFIO-PILOT 8 .*\"vfio-pilot $v\"" "$man"; then ok; else bad ".TH does not say section 8 and version $v"; fi
w=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
if [ -z "$w" ]; then ok; else bad "groff warnings: $w"; fi
if grep -q "^\.SH RESCUE" "$man"; then ok; else bad "no RESCUE section (cited by the tool's notes)"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

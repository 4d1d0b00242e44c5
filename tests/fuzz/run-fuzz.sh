#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A bounded libFuzzer run for the meson suite "fuzz": FUZZER RUNS SEED_DIR.
# New inputs go to a temporary directory, never into the source tree.
set -eu
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=$2 seeds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/vp-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir corpus
"$fuzzer" -runs="$runs" -seed=1 -max_len=4096 -print_final_stats=1 corpus "$seeds"

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds one libFuzzer harness with clang and runs it for a bounded number of inputs
# (meson suite "fuzz"): OUT RUNS SEED_DIR CLANG [CLANG ARGS...]
# Building here rather than as a meson target keeps a harness from ever breaking the main build.
# New inputs go to a temporary directory, never into the source tree.
set -eu
out=$1 runs=$2 seeds=$3
shift 3
"$@" -o "$out"
fuzzer=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
work=$(mktemp -d "${TMPDIR:-/tmp}/vp-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir corpus
"$fuzzer" -runs="$runs" -seed=1 -max_len=4096 -print_final_stats=1 corpus "$seeds"

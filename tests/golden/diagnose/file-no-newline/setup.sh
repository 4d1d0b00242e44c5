#!/bin/bash
# A pasted log whose last line has no newline: that line is still a line, and matched.
set -eu
printf '[    1.000000] pci 0000:01:00.0: vfio-pci: probe of 0000:01:00.0 failed with error -16\n[    2.000000] vfio-pci 0000:01:00.0: BAR 1: can'"'"'t reserve [mem 0xc0000000-0xcfffffff 64bit pref]' > "$ROOT/paste.txt"

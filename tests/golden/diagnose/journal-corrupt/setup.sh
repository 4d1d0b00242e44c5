#!/bin/bash
# A journal directory whose only file is garbage with a journal's name: reported as unreadable with its path.
set -eu
mkdir -p "$ROOT/var/log/journal/5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f"
python3 -c 'import sys; sys.stdout.buffer.write(b"LPKSHHRH" + bytes(range(256)) * 64)' \
	> "$ROOT/var/log/journal/5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f/system.journal"

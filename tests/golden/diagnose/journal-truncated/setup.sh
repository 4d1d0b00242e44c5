#!/bin/bash
# The journal of make-journal.sh cut to its first 20000 bytes (a crash while journald wrote it, a copy cut short):
# sd-journal skips such a file; diagnose must say the journal is unreadable and name the file, not call it missing.
set -eu
bash "$(dirname "$0")/../make-journal.sh"
truncate -s 20000 "$ROOT/var/log/journal/test.journal"

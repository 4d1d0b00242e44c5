#!/bin/bash
set -eu
bash "$(dirname "$0")/../make-journal.sh"

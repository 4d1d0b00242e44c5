rm -rf "$ROOT/proc"

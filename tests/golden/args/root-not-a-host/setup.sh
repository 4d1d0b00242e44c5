rm -rf "$ROOT/sys" "$ROOT/proc"

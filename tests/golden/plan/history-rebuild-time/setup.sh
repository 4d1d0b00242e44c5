set -eu
. "$(dirname "$0")/../lib/standins.sh"
# update-initramfs takes 2 seconds here: history reports the rebuild step's wall time from the journal
cp "$ROOT/bin/sh" "$ROOT/bin/sleep"
cat > "$ROOT/usr/sbin/update-initramfs" <<'SH'
#!/bin/sh
/bin/sleep 2
SH
chmod 0755 "$ROOT/usr/sbin/update-initramfs"

# Sourced by the setup.sh of golden plan/apply cases (with $ROOT set): makes the tree runnable
# chrooted. A static busybox becomes the tree's /bin/sh, and every placeholder tool that
# mkhost.py wrote (grubby, dracut, update-grub, ...) becomes a recording stand-in: it appends
# its name and arguments to /vp-calls.log inside the tree (so a test sees which commands ran,
# in which order, and that they ran chrooted: outside the chroot the log would not be in the
# tree), and fails once, with exit 1, when /vp-fail-NAME exists in the tree.
set -eu
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "standins.sh: busybox (busybox-static) is not installed" >&2; exit 1; }
mkdir -p "$ROOT/bin"
cp "$bb" "$ROOT/bin/sh"
for f in "$ROOT"/usr/bin/* "$ROOT"/usr/sbin/*; do
	[ -f "$f" ] && grep -q "placeholder written by mkhost.py" "$f" || continue
	cat > "$f" <<'SH'
#!/bin/sh
n=${0##*/}
{ printf '%s' "$n"; for a in "$@"; do printf ' <%s>' "$a"; done; printf '\n'; } >> /vp-calls.log
if [ -e "/vp-fail-$n" ] && [ ! -e "/vp-failed-$n" ]; then
	: > "/vp-failed-$n"
	echo "$n: simulated failure" >&2
	exit 1
fi
exit 0
SH
	chmod 0755 "$f"
done

#!/bin/sh
# apply and undo refuse without root (exit 4) and change nothing. Runs the real binary as an
# unprivileged user (setpriv, when we are root; as ourselves otherwise).
set -u
bin=$1 src=$2
tmp=$(mktemp -d /tmp/vp-perm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/tests/fixtures/mkhost.py" "$src/tests/fixtures/hosts/debian-grub.host" "$tmp/root" || exit 1
chmod -R a+rX "$tmp"
before=$(cd "$tmp/root" && find etc -type f | sort | xargs md5sum)
run() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --root "$tmp/root" "$@"
	else
		"$bin" --root "$tmp/root" "$@"
	fi
}
fail=0
for cmd in "apply --yes 01:00.0" "undo"; do
	out=$(run $cmd 2>&1); rc=$?
	if [ $rc -ne 4 ]; then echo "FAIL: '$cmd' as a user exited $rc, want 4: $out"; fail=1; fi
	case $out in *"needs root"*) ;; *) echo "FAIL: '$cmd' message: $out"; fail=1 ;; esac
done
after=$(cd "$tmp/root" && find etc -type f | sort | xargs md5sum)
[ "$before" = "$after" ] || { echo "FAIL: the tree changed"; fail=1; }
[ -e "$tmp/root/var/lib/vfio-pilot" ] && { echo "FAIL: a journal was written"; fail=1; }
[ $fail = 0 ] && echo "ok apply-needs-root"
exit $fail

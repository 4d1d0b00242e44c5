#!/bin/bash
# `apply --root` on a real debootstrapped Debian 12 root with real dracut and a real kernel
# (the e2e suite's cached root, tests/e2e/mkroot.sh). The root gets the sysfs/procfs of the
# e2e QEMU guest (tests/fixtures/hosts/qemu-q35-bochs.host); apply runs dracut chrooted, and
# lsinitrd must show vfio_pci, the modprobe.d file and the force_drivers lines in the image.
# Then undo must rebuild an image without them. Skips (77) without the cached root or root.
set -u
bin=$1 src=$2
cache=${E2E_CACHE:-/var/cache/vfio-pilot-e2e}
tar=$(ls -t "$cache"/root-bookworm-*.tar.zst 2>/dev/null | grep -v -- "-itools-" | head -1)  # the dracut root, not the itools one
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (chroot, mounts)"; exit 77; }
[ -n "$tar" ] || { echo "SKIP: no cached Debian root in $cache (run tests/e2e/mkroot.sh)"; exit 77; }
tmp=$(mktemp -d /tmp/vp-dracut-XXXXXX)
cleanup() {
	if grep -q " $tmp/" /proc/mounts; then echo "FAIL: mounts left under $tmp"; exit 1; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
R=$tmp/root
mkdir -p "$R" && tar --zstd -xf "$tar" -C "$R" || exit 1
python3 "$src/tests/fixtures/mkhost.py" "$src/tests/fixtures/hosts/qemu-q35-bochs.host" "$tmp/fx" || exit 1
cp -a "$tmp/fx/sys/." "$R/sys/" && cp -a "$tmp/fx/proc/." "$R/proc/" || exit 1
kver=$(ls "$R/lib/modules" | head -1)
lsinitrd() { unshare -m sh -c "mount -t proc proc '$R/proc' && chroot '$R' lsinitrd $*"; }
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

out=$("$bin" --root "$R" apply --yes --allow-host-gpu --whole-group --bootloader none 01:00.0 2>&1); rc=$?
check "apply exits 0 (got $rc)" '[ $rc = 0 ]' || echo "$out" | tail -20
check "no mount left after apply" '! grep -q " $R/" /proc/mounts'
check "dracut ran chrooted with the kernel version" 'echo "$out" | grep -q "run: dracut --force /boot/initrd.img-$kver $kver"'
img=/boot/initrd.img-$kver
list=$(lsinitrd "$img")
check "vfio-pci.ko in the image" 'echo "$list" | grep -q "kernel/drivers/vfio/pci/vfio-pci.ko"'
check "modprobe.d file in the image" '[ "$(lsinitrd -f etc/modprobe.d/vfio-pilot.conf "$img")" = "$(cat "$R/etc/modprobe.d/vfio-pilot.conf")" ]'
check "ids= in it" 'lsinitrd -f etc/modprobe.d/vfio-pilot.conf "$img" | grep -qx "options vfio-pci ids=1234:1111,8086:293e"'
check "force_drivers -> rd.driver.pre=vfio_pci" 'lsinitrd -f etc/cmdline.d/20-force_drivers.conf "$img" | grep -qx "rd.driver.pre=vfio_pci"'

out=$("$bin" --root "$R" undo 2>&1); rc=$?
check "undo exits 0 (got $rc)" '[ $rc = 0 ]' || echo "$out"
check "modprobe.d file removed" '[ ! -e "$R/etc/modprobe.d/vfio-pilot.conf" ]'
check "image rebuilt without it" '[ -z "$(lsinitrd -f etc/modprobe.d/vfio-pilot.conf "$img")" ]'
check "no mount left after undo" '! grep -q " $R/" /proc/mounts'
exit $fail

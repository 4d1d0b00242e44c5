# Sourced by the setup.sh of golden recover cases (with $ROOT set). On top of the recording stand-ins
# of ../../plan/lib/standins.sh it links the busybox applets the stand-ins below need, and
#   VP_GRUBBY=1  replaces grubby by grubby.sh: the BLS subset of rhboot/grubby that vfio-pilot uses,
#                so entries really appear and vanish (a second apply and undo see them);
#   VP_GRUB=1    gives the tree a stand-in grub-mkconfig_lib and an update-grub / grub-mkconfig that run
#                every executable /etc/grub.d script into /boot/grub/grub.cfg, as grub-mkconfig does, so
#                vfio-pilot's generator really runs and its menu entries can be compared.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/../../plan/lib/standins.sh"
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for a in sed cat head tail rm mkdir sort dirname basename tr grep ls test printf echo; do
	[ -e "$ROOT/bin/$a" ] || ln -s sh "$ROOT/bin/$a"
done
if [ "${VP_GRUBBY:-0}" = 1 ]; then
	install -m 0755 "$lib/grubby.sh" "$ROOT/usr/sbin/grubby"
fi
if [ "${VP_GRUB:-0}" = 1 ]; then
	mkdir -p "$ROOT/usr/share/grub" "$ROOT/etc/grub.d"
	install -m 0644 "$lib/grub-mkconfig_lib" "$ROOT/usr/share/grub/grub-mkconfig_lib"
	for t in update-grub grub-mkconfig; do
		[ -e "$ROOT/usr/sbin/$t" ] && install -m 0755 "$lib/update-grub.sh" "$ROOT/usr/sbin/$t"
	done
	for k in "$ROOT"/boot/vmlinuz-*; do
		: > "$ROOT/boot/initrd.img-${k##*/vmlinuz-}"
	done
fi

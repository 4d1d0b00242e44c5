#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fallback entry's words on a real kernel (suite e2e): boots a distribution kernel under QEMU
# (TCG, q35 with an emulated VT-d) with an ICH9 HD-audio function standing in for the card, kmod as
# modprobe, and vfio-pilot's modprobe.d lines for it (ids= or the by-address install hook, and
# `softdep snd_hda_intel pre: vfio-pci`). Then `modprobe snd_hda_intel` and read the function's driver.
#   normal command line                     -> vfio-pci owns it (the passthrough works)
#   + the fallback's three words            -> snd_hda_intel owns it, vfio_pci is not loaded
#   + modprobe.blacklist/rd.driver.blacklist only -> vfio-pci still owns it (why module_blacklist=)
#   by address, + the fallback's words      -> driver_override untouched, snd_hda_intel owns it
# usage: fallback-kernel.sh   with VP_E2E_KERNEL=/boot/vmlinuz-X and VP_E2E_MODULES=/lib/modules/X
# (e.g. from `apt-get download linux-image-...` unpacked); skips (77) without them or without QEMU.
set -u
K=${VP_E2E_KERNEL:-}
M=${VP_E2E_MODULES:-}
if [ -z "$K" ] || [ -z "$M" ] || [ ! -f "$K" ] || [ ! -d "$M" ]; then
	echo "SKIP: set VP_E2E_KERNEL and VP_E2E_MODULES to a distribution kernel and its modules"
	exit 77
fi
for t in qemu-system-x86_64 busybox kmod depmod cpio gzip; do
	command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
kver=$(basename "$M")
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
ir=$w/ir
mkdir -p "$ir/bin" "$ir/sbin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/etc/modprobe.d" "$ir/lib/modules/$kver"
cp "$(command -v busybox)" "$ir/bin/busybox"
for a in sh mount cat echo readlink basename tr cut grep sed dmesg poweroff; do ln -s busybox "$ir/bin/$a"; done
# kmod, not busybox's modprobe applet (Debian's busybox-static prefers its applets inside its shell)
cp "$(command -v kmod)" "$ir/bin/kmod"
for l in $(ldd "$(command -v kmod)" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
	mkdir -p "$ir$(dirname "$l")"
	cp -L "$l" "$ir$l"
done
ln -s ../bin/kmod "$ir/sbin/modprobe"
for m in vfio_pci vfio_iommu_type1 snd_hda_intel; do
	modprobe -d "$(dirname "$(dirname "$(dirname "$M")")")" -S "$kver" --show-depends $m 2>/dev/null
done | awk '$1 == "insmod" {print $2}' | sort -u | while read -r f; do
	rel=${f#*/lib/modules/$kver/}
	mkdir -p "$ir/lib/modules/$kver/$(dirname "$rel")"
	cp "$f" "$ir/lib/modules/$kver/$rel"
done
cp "$M"/modules.builtin "$M"/modules.builtin.modinfo "$M"/modules.order "$ir/lib/modules/$kver/"
depmod -b "$ir" "$kver"
cat > "$ir/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mode=ids
for x in $(cat /proc/cmdline); do case $x in vp.mode=*) mode=${x#vp.mode=} ;; esac; done
d=/sys/bus/pci/devices/0000:01:00.0
if [ $mode = ids ]; then
	echo "options vfio-pci ids=$(cut -c3- $d/vendor):$(cut -c3- $d/device)" > /etc/modprobe.d/vfio-pilot.conf
else
	echo 'install vfio-pci read -r c < /proc/cmdline; case " $c " in *" module_blacklist=vfio_pci "*) ;; *) for d in 0000:01:00.0; do echo vfio-pci > /sys/bus/pci/devices/$d/driver_override; done ;; esac; exec /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS' > /etc/modprobe.d/vfio-pilot.conf
fi
echo "softdep snd_hda_intel pre: vfio-pci" >> /etc/modprobe.d/vfio-pilot.conf
/sbin/modprobe snd_hda_intel 2>/dev/null
drv=none; [ -e $d/driver ] && drv=$(basename $(readlink $d/driver))
vf=no; [ -d /sys/module/vfio_pci ] && vf=yes
echo "VP-RESULT driver=$drv override=$(cat $d/driver_override) vfio_pci=$vf"
poweroff -f
INIT
chmod 0755 "$ir/init"
(cd "$ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$w/initramfs.gz"

FB="module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci"
pass=0 fail=0
check() { # name, extra words, expected RESULT line
	timeout 240 qemu-system-x86_64 -machine q35,kernel-irqchip=split -accel tcg -m 1024 -smp 2 \
		-device intel-iommu,intremap=on,caching-mode=on -nodefaults -nographic -serial stdio -no-reboot \
		-kernel "$K" -initrd "$w/initramfs.gz" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check intel_iommu=on $2" \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x4 \
		-device ich9-intel-hda,id=hda,bus=rp1,addr=0x0 \
		-audiodev none,id=noaudio -device hda-output,bus=hda.0,audiodev=noaudio </dev/null > "$w/$1.log" 2>&1
	got=$(grep -ao 'VP-RESULT.*' "$w/$1.log" | tr -d '\r')
	if [ "$got" = "VP-RESULT $3" ]; then
		echo "ok $1: $3"
		pass=$((pass + 1))
	else
		echo "FAIL $1: expected '$3', got '${got:-no result}'"
		tail -n 20 "$w/$1.log"
		fail=$((fail + 1))
	fi
}
check ids-normal "vp.mode=ids" "driver=vfio-pci override=(null) vfio_pci=yes"
check ids-fallback "vp.mode=ids $FB" "driver=snd_hda_intel override=(null) vfio_pci=no"
check ids-modprobe-blacklist-only "vp.mode=ids modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci" \
	"driver=vfio-pci override=(null) vfio_pci=yes"
check addr-normal "vp.mode=addr" "driver=vfio-pci override=vfio-pci vfio_pci=yes"
check addr-fallback "vp.mode=addr $FB" "driver=snd_hda_intel override=(null) vfio_pci=no"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

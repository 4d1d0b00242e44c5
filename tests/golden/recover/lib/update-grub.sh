#!/bin/sh
# update-grub / grub-mkconfig stand-in: sources /etc/default/grub and runs every executable
# /etc/grub.d script into /boot/grub/grub.cfg with the variables grub-mkconfig exports.
n=${0##*/}
{ printf '%s' "$n"; for a in "$@"; do printf ' <%s>' "$a"; done; printf '\n'; } >> /vp-calls.log
. /etc/default/grub
GRUB_DEVICE=/dev/sda2
GRUB_DEVICE_BOOT=/dev/sda2
GRUB_DEVICE_UUID=2f3c4d5e-6a7b-4c8d-9e0f-1a2b3c4d5e6f
GRUB_FS=ext4
pkgdatadir=/usr/share/grub
export GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT GRUB_DISTRIBUTOR GRUB_DEVICE GRUB_DEVICE_BOOT \
	GRUB_DEVICE_UUID GRUB_FS pkgdatadir
mkdir -p /boot/grub
{
	echo "# written by the update-grub stand-in"
	for s in /etc/grub.d/*; do
		if [ -x "$s" ]; then "$s" || exit 1; fi
	done
} > /boot/grub/grub.cfg

#!/bin/sh
# Installs what vfio-pilot needs to build and test on Debian 12 (as root), including what the
# package suite needs to build the rpm and the deb (rpm, debhelper, lintian) and to test the
# completions (bash-completion, zsh) and the man page (groff).
# The real-kernel suite's own packages are installed by tests/e2e/setup.sh.
set -eu
pkgs="meson ninja-build pkg-config gcc libc6-dev libpci-dev pci.ids pciutils libjson-c-dev libcmocka-dev
      libkmod-dev kmod libsystemd-dev systemd-journal-remote libvirt-dev libvirt-clients libxml2-dev libxml2-utils
      libarchive-dev python3 python3-jsonschema python3-yaml ansible-core busybox-static clang libclang-rt-14-dev
      systemd grub2-common grub-common strace bsdutils
      git xz-utils build-essential dpkg-dev debhelper fakeroot lintian rpm bash-completion zsh groff-base man-db"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages:$missing; run this script as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi

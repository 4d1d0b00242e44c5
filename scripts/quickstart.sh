#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# First run on a fresh machine: installs the build dependencies (when run as root), builds
# vfio-pilot, then runs `check` and `list` on this machine. When this machine has no active
# IOMMU (a virtual machine, or VT-d/AMD-Vi off in the firmware) it says so and runs them on the
# example host examples/hosts/fedora-desktop instead. Changes nothing on the host.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
	sh scripts/install-deps.sh
elif ! sh scripts/install-deps.sh; then
	echo "quickstart: run it once as root (sudo ./scripts/quickstart.sh) to install the missing packages" >&2
	exit 1
fi

if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null || { ninja -C build; exit 1; }
vp=build/src/cli/vfio-pilot

root=/
if [ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
	echo "== This machine has no active IOMMU, so passthrough cannot work here. Why, in one line:"
	$vp list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["iommu"]["reason"])' 2>/dev/null || true
	echo "== Showing the example host examples/hosts/fedora-desktop instead (a Fedora desktop with an"
	echo "   Intel iGPU and an RTX 2080): vfio-pilot --root examples/hosts/fedora-desktop ..."
	root=examples/hosts/fedora-desktop
	# Git keeps no empty directories; the example's tree needs this one.
	mkdir -p "$root/sys/kernel/iommu_groups" "$root/etc/modprobe.d"
fi

echo
echo "== vfio-pilot --root $root check"
$vp --root "$root" check || true
echo
echo "== vfio-pilot --root $root list"
$vp --root "$root" list
echo
echo "Next: vfio-pilot --help; the tests: tests/run.sh"

#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The distributions' real boot tools on fixture trees, chrooted (issue 11 §6):
#   kernel-install   systemd's kernel-install with its 90-loaderentry.install (the systemd-boot family):
#                    a kernel installed after apply gets the arguments in its entry, one installed after
#                    undo does not, even when the running command line carries them; /etc/kernel/cmdline
#                    is byte for byte as before, or, when it was missing, holds the host's own line
#                    (written in a transaction of its own, which a second undo removes).
#   grub-mkconfig    GRUB's real grub-mkconfig, 00_header and 10_linux (grub-probe stubbed): the menu
#                    entry's linux line carries the arguments after apply (also when a grub.d drop-in
#                    sets GRUB_CMDLINE_LINUX_DEFAULT, as Ubuntu cloud images do), and not after undo.
# The chroot gets a static busybox for /bin/sh and the coreutils; the tools themselves are Debian's
# (systemd, grub2-common, grub-common; scripts/install-deps.sh installs them). Needs root (chroot).
# Prints "N passed, N failed" (tests/summarize.py counts it).
set -u
bin=$1 src=$2
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
need="/usr/bin/kernel-install /usr/lib/kernel/install.d/90-loaderentry.install /usr/sbin/grub-mkconfig
      /usr/share/grub/grub-mkconfig_lib /etc/grub.d/00_header /etc/grub.d/10_linux"
for t in $need; do
	[ -e "$t" ] || { bad "setup: $t is missing (scripts/install-deps.sh installs systemd, grub2-common, grub-common)"; finish; }
done
[ "$(id -u)" = 0 ] || { bad "setup: chroot needs root"; finish; }
bb=$(command -v busybox) || { bad "setup: busybox is missing"; finish; }
tmp=$(mktemp -d /tmp/vp-realtools-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1767225600 LC_ALL=C

# A fixture tree that can run shell tools chrooted: busybox applets in /bin, the recording stand-ins
# of golden/plan/lib/standins.sh for the fixture's placeholder tools, and an `install -m MODE SRC DST`
# (busybox has none; kernel-install's plugin uses only that form).
mkroot() {
	local r=$tmp/$1
	python3 "$src/tests/fixtures/mkhost.py" "$src/tests/fixtures/hosts/$2.host" "$r" >/dev/null || return 1
	mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/sbin" "$r/tmp" "$r/etc"
	ROOT=$r bash -c ". '$src/tests/golden/plan/lib/standins.sh'" || return 1
	cp "$bb" "$r/bin/busybox"
	for a in $("$bb" --list); do
		[ -e "$r/bin/$a" ] || [ -e "$r/usr/bin/$a" ] || [ -e "$r/usr/sbin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	cat > "$r/usr/bin/install" <<'SH'
#!/bin/sh
[ "$1" = -m ] || { echo "install: only -m MODE SRC DST" >&2; exit 1; }
cp "$3" "$4" && chmod "$2" "$4"
SH
	chmod 0755 "$r/usr/bin/install"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
	printf 'root:x:0:\n' > "$r/etc/group"
}

vp() { "$bin" --root "$r" "$@" >"$tmp/out" 2>&1; }

# ---------------------------------------------------------------- kernel-install (systemd-boot family)
kernel_install_case() { # name cmdline-file-content-or-empty
	local name=$1 content=$2
	r=$tmp/ki-$name
	mkroot "ki-$name" arch-systemd-boot || { bad "$name: fixture"; return; }
	cp /usr/bin/kernel-install "$r/usr/bin/kernel-install"
	mkdir -p "$r/usr/lib/kernel/install.d" "$r/boot/loader"
	cp /usr/lib/kernel/install.d/90-loaderentry.install "$r/usr/lib/kernel/install.d/"
	echo 0123456789abcdef0123456789abcdef > "$r/etc/machine-id"
	echo type1 > "$r/boot/loader/entries.srel"
	if [ -n "$content" ]; then
		mkdir -p "$r/etc/kernel"
		printf '%s' "$content" > "$r/etc/kernel/cmdline"
	fi
	local entry=boot/loader/entries/0123456789abcdef0123456789abcdef-6.10.0-test.conf
	kinstall() { chroot "$r" /usr/bin/kernel-install add 6.10.0-test /boot/vmlinuz-linux /boot/initramfs-linux.img >"$tmp/ki.log" 2>&1; }
	if ! vp apply --yes 01:00.0; then bad "$name: apply" "$(cat "$tmp/out")"; return; fi
	if ! kinstall; then bad "$name: kernel-install add after apply" "$(cat "$tmp/ki.log")"; return; fi
	local opts
	opts=$(grep '^options' "$r/$entry")
	case " $opts " in
	*" intel_iommu=on "*"vfio-pci.ids=10de:2786,10de:22bc "*) ok "$name: a kernel installed after apply boots with the arguments" ;;
	*) bad "$name: entry options after apply" "$opts" ;;
	esac
	# the reboot into passthrough: the running command line now carries the arguments, which is
	# what kernel-install copies when /etc/kernel/cmdline is missing
	local own
	own=$(sed 's/^initrd=[^ ]* //' "$r/proc/cmdline")
	printf '%s vfio-pci.ids=10de:2786,10de:22bc\n' "$(cat "$r/proc/cmdline")" > "$r/proc/cmdline.new" &&
		mv "$r/proc/cmdline.new" "$r/proc/cmdline"
	if ! vp undo; then bad "$name: undo" "$(cat "$tmp/out")"; return; fi
	if [ -n "$content" ]; then
		if [ "$(cat "$r/etc/kernel/cmdline")" = "$(printf '%s' "$content")" ] && cmp -s "$r/etc/kernel/cmdline" <(printf '%s' "$content"); then
			ok "$name: undo leaves /etc/kernel/cmdline byte for byte as it was"
		else
			bad "$name: /etc/kernel/cmdline after undo" "$(od -c "$r/etc/kernel/cmdline" | head)"
		fi
	elif [ "$(cat "$r/etc/kernel/cmdline" 2>/dev/null)" = "$own" ]; then
		ok "$name: undo leaves the host's own line in /etc/kernel/cmdline (written before the passthrough transaction)"
	else
		bad "$name: /etc/kernel/cmdline after undo (want the host's own line: $own)" "$(cat "$r/etc/kernel/cmdline" 2>&1)"
	fi
	for f in arch.conf arch-fallback.conf; do
		if grep -q 'vfio-pci.ids' "$r/boot/loader/entries/$f"; then bad "$name: $f still has the arguments after undo"; else ok "$name: $f restored"; fi
	done
	if ! kinstall; then bad "$name: kernel-install add after undo" "$(cat "$tmp/ki.log")"; return; fi
	opts=$(grep '^options' "$r/$entry")
	case " $opts " in
	*"vfio-pci.ids="*) bad "$name: a kernel installed after undo still gets the arguments" "$opts" ;;
	*" root=PARTUUID=7d3c1b2a-9e8f-4d6c-b5a4-3f2e1d0c9b8a "*) ok "$name: a kernel installed after undo boots without them" ;;
	*) bad "$name: entry options after undo" "$opts" ;;
	esac
	if [ -z "$content" ]; then
		if ! vp undo; then bad "$name: second undo" "$(cat "$tmp/out")"; return; fi
		if [ -e "$r/etc/kernel/cmdline" ]; then bad "$name: the second undo left /etc/kernel/cmdline"
		else ok "$name: the second undo removes /etc/kernel/cmdline, which did not exist before"; fi
	fi
}
kernel_install_case cmdline-exists $'root=PARTUUID=7d3c1b2a-9e8f-4d6c-b5a4-3f2e1d0c9b8a rw\nloglevel=3 quiet  \n'
kernel_install_case cmdline-absent ''

# ---------------------------------------------------------------- grub-mkconfig (GRUB family)
grub_case() { # name host setup-function
	local name=$1 host=$2 setup=$3 ids=$4
	r=$tmp/grub-$name
	mkroot "grub-$name" "$host" || { bad "$name: fixture"; return; }
	mkdir -p "$r/usr/share/grub" "$r/etc/grub.d" "$r/boot/grub"
	cp /usr/sbin/grub-mkconfig "$r/usr/sbin/"
	cp /usr/share/grub/grub-mkconfig_lib "$r/usr/share/grub/"
	cp /etc/grub.d/00_header /etc/grub.d/10_linux "$r/etc/grub.d/"
	# grub-probe and grub-mkrelpath read the real disks: stand-ins that describe an ext4 root
	printf '#!/bin/sh\ncase "$*" in *--target=fs_uuid*) echo 4d6f8a0c-2e4b-4d6f-8a0c-2e4b6d8f0a1c ;; *--target=fs*) echo ext2 ;;\n*--target=device*) echo /dev/sda2 ;; *--target=partmap*) echo gpt ;; *--target=abstraction*) ;; *--target=drive*) echo "(hd0,gpt2)" ;;\n*--target=compatibility_hint*) echo hd0,gpt2 ;; *) echo ;; esac\n' > "$r/usr/sbin/grub-probe"
	printf '#!/bin/sh\necho "$1"\n' > "$r/usr/bin/grub-mkrelpath"
	# grub-mkconfig checks what it generated with the real grub-script-check (and its libraries)
	cp /usr/bin/grub-script-check "$r/usr/bin/"
	mkdir -p "$r/usr/lib/x86_64-linux-gnu" "$r/lib64"
	for l in $(ldd /usr/bin/grub-script-check | grep -o '/[^ ]*'); do
		case "$l" in */ld-linux*) cp "$l" "$r/lib64/" ;; *) cp "$l" "$r/usr/lib/x86_64-linux-gnu/" ;; esac
	done
	chmod 0755 "$r/usr/sbin/grub-probe" "$r/usr/bin/grub-mkrelpath"
	# the real update-grub is `grub-mkconfig -o /boot/grub/grub.cfg`
	printf '#!/bin/sh\nset -e\nexec grub-mkconfig -o /boot/grub/grub.cfg "$@"\n' > "$r/usr/sbin/update-grub"
	chmod 0755 "$r/usr/sbin/update-grub"
	: > "$r/boot/vmlinuz-6.1.0-21-amd64"
	: > "$r/boot/initrd.img-6.1.0-21-amd64"
	mkdir -p "$r/dev"
	$setup "$r"
	mkcfg() { chroot "$r" /usr/sbin/grub-mkconfig -o /boot/grub/grub.cfg >"$tmp/mk.log" 2>&1; }
	if ! vp apply --yes 02:00.0; then bad "$name: apply" "$(cat "$tmp/out")"; return; fi
	[ -s "$r/boot/grub/grub.cfg" ] || mkcfg || { bad "$name: grub-mkconfig after apply" "$(cat "$tmp/mk.log")"; return; }
	local lines
	lines=$(grep -E "^[[:space:]]*linux[[:space:]]" "$r/boot/grub/grub.cfg" | grep -v 'passthrough\|module_blacklist=vfio_pci' | head -1)
	if [ -z "$lines" ]; then bad "$name: grub.cfg has no linux line" "$(cat "$tmp/mk.log"; head -50 "$r/boot/grub/grub.cfg")"; return; fi
	case " $lines " in
	*" vfio-pci.ids=$ids "*) ok "$name: grub.cfg's menu entry boots with vfio-pci.ids=$ids" ;;
	*) bad "$name: linux line after apply" "$lines" ;;
	esac
	if grep -q "passthrough off" "$r/boot/grub/grub.cfg" && grep -E "^[[:space:]]*linux" "$r/boot/grub/grub.cfg" | grep -q "module_blacklist=vfio_pci"; then
		ok "$name: grub.cfg has the passthrough-off entry"
	else
		bad "$name: no passthrough-off entry in grub.cfg"
	fi
	if ! vp undo; then bad "$name: undo" "$(cat "$tmp/out")"; return; fi
	mkcfg || { bad "$name: grub-mkconfig after undo" "$(cat "$tmp/mk.log")"; return; }
	if grep -q "vfio-pci.ids" "$r/boot/grub/grub.cfg"; then
		bad "$name: grub.cfg still has the arguments after undo" "$(grep vfio "$r/boot/grub/grub.cfg")"
	else
		ok "$name: grub.cfg has no vfio arguments after undo"
	fi
}
setup_debian() { :; }
setup_cloudimg() { # Ubuntu cloud images: a drop-in sets GRUB_CMDLINE_LINUX_DEFAULT after /etc/default/grub
	mkdir -p "$1/etc/default/grub.d"
	printf '# Cloud Image specific Grub settings for Generic Cloud Images\n# CLOUD_IMG: This file was created/modified by the Cloud Image build process\n\n# Set the default commandline\nGRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"\n\n# Set the grub console type\nGRUB_TERMINAL=console\n' > "$1/etc/default/grub.d/50-cloudimg-settings.cfg"
}
grub_case debian debian-grub setup_debian 10de:1b80,10de:10f0
grub_case cloudimg-drop-in debian-grub setup_cloudimg 10de:1b80,10de:10f0
finish

#!/bin/sh
# grubby stand-in for the recover golden cases: the BootLoaderSpec subset vfio-pilot uses, after
# rhboot/grubby's grubby-bls: --add-kernel with --title, --args and --initrd (a new
# <machine-id>-<version>.N~custom.conf when an entry for that kernel exists), --remove-kernel=TITLE=...,
# --update-kernel=ALL|TITLE=...|KERNEL-PATH with --args and --remove-args, --info=ALL|TITLE=... (exit 1 when
# none matches). Records its calls like the other stand-ins.
n=${0##*/}
{ printf '%s' "$n"; for a in "$@"; do printf ' <%s>' "$a"; done; printf '\n'; } >> /vp-calls.log
if [ -e "/vp-fail-$n" ] && [ ! -e "/vp-failed-$n" ]; then
	: > "/vp-failed-$n"
	echo "$n: simulated failure" >&2
	exit 1
fi
dir=/boot/loader/entries
add= title= args= rargs= initrd= remove= update= info=
for a in "$@"; do
	case "$a" in
	--add-kernel=*) add=${a#*=} ;;
	--title=*) title=${a#*=} ;;
	--args=*) args=${a#*=} ;;
	--remove-args=*) rargs=${a#*=} ;;
	--initrd=*) initrd=${a#*=} ;;
	--remove-kernel=*) remove=${a#*=} ;;
	--update-kernel=*) update=${a#*=} ;;
	--info=*) info=${a#*=} ;;
	*) echo "grubby stand-in: unsupported argument $a" >&2; exit 1 ;;
	esac
done
title_of() { sed -n 's/^title[ 	]*//p' "$1" | head -n 1; }
matches() {
	[ "$2" = ALL ] && return 0
	case "$2" in
	TITLE=*) [ "$(title_of "$1")" = "${2#TITLE=}" ] ;;
	/*) l=$(sed -n 's/^linux[ 	]*//p' "$1" | head -n 1); [ "$l" = "$2" ] || [ "/boot$l" = "$2" ] ;;
	*) return 1 ;;
	esac
}
if [ -n "$info" ]; then
	found=0
	for e in "$dir"/*.conf; do
		if matches "$e" "$info"; then echo "title=$(title_of "$e")"; found=1; fi
	done
	[ $found = 1 ] || { echo "The param $info is incorrect" >&2; exit 1; }
	exit 0
fi
if [ -n "$add" ]; then
	[ -n "$title" ] || { echo "The kernel title must be specified" >&2; exit 1; }
	ver=${add##*/vmlinuz-}
	[ -f "/boot/vmlinuz-$ver" ] || { echo "The $ver kernel isn't installed in the machine" >&2; exit 1; }
	mid=$(cat /etc/machine-id)
	t=$dir/$mid-$ver.conf
	i=0
	while [ -e "$t" ]; do t=$dir/$mid-$ver.$i~custom.conf; i=$((i + 1)); done
	{
		echo "title $title"
		echo "version $ver"
		echo "linux /vmlinuz-$ver"
		if [ -n "$initrd" ]; then echo "initrd /${initrd##*/}"; fi
		echo "options $args"
	} > "$t"
	exit 0
fi
if [ -n "$remove" ]; then
	found=0
	for e in "$dir"/*.conf; do
		if matches "$e" "$remove"; then rm -f "$e"; found=1; fi
	done
	[ $found = 1 ] || { echo "The param $remove is incorrect" >&2; exit 1; }
	exit 0
fi
if [ -n "$update" ]; then
	for e in "$dir"/*.conf; do
		matches "$e" "$update" || continue
		new=""
		for w in $(sed -n 's/^options[ 	]*//p' "$e"); do
			keep=1
			for r in $rargs $args; do [ "$w" = "$r" ] && keep=0; done
			[ $keep = 1 ] && new="${new:+$new }$w"
		done
		for a in $args; do new="${new:+$new }$a"; done
		sed -i "s|^options.*|options $new|" "$e"
	done
fi
exit 0

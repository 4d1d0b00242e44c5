# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for vfio-pilot (installed as share/bash-completion/completions/vfio-pilot).
# The commands come from `vfio-pilot --list-commands` and each command's options from its own
# `--help`, so a new command or option needs no change here. PCI and card addresses are read from
# ROOT/sys/bus/pci/devices at completion time, ROOT being the --root given on the line (default /).

_vfio_pilot_root()
{
	local i root=/
	for ((i = 1; i < ${#words[@]}; i++)); do
		case ${words[i]} in
		--root) [[ $i -lt $cword ]] && root=${words[i + 1]} ;;
		--root=*) root=${words[i]#--root=} ;;
		esac
	done
	[[ $root == "~"* ]] && root=$HOME${root#"~"}
	printf '%s\n' "$root"
}

# PCI addresses (0000:01:00.0), card addresses (0000:01:00; an SR-IOV virtual function is a card
# of its own, so it is named by its address only) and the short forms without the domain.
_vfio_pilot_devices()
{
	local root=$1 d a
	local -A seen=()
	for d in "$root"/sys/bus/pci/devices/*; do
		[[ -e $d || -L $d ]] || continue
		a=${d##*/}
		[[ $a == ????:??:??.? ]] || continue
		seen[$a]=1
		[[ -e $d/physfn || -L $d/physfn ]] || seen[${a%.*}]=1
	done
	for a in "${!seen[@]}"; do
		printf '%s\n%s\n' "$a" "${a#????:}"
	done
}

_vfio_pilot()
{
	local cur prev words cword
	_init_completion -n := || return

	local bin=${words[0]}
	[[ $bin == */* && -x $bin ]] || bin=vfio-pilot
	local root cmd= i
	root=$(_vfio_pilot_root)

	case $prev in
	--root | --split)
		_filedir -d
		return ;;
	--file | -f)
		_filedir
		COMPREPLY+=($(compgen -W "-" -- "$cur"))
		return ;;
	--rom-file)
		_filedir
		return ;;
	--bootloader)
		COMPREPLY=($(compgen -W "grub grubby systemd-boot kernelstub rpm-ostree none" -- "$cur"))
		return ;;
	--initramfs)
		COMPREPLY=($(compgen -W "dracut mkinitcpio initramfs-tools rpm-ostree" -- "$cur"))
		return ;;
	--rom-bar)
		COMPREPLY=($(compgen -W "on off" -- "$cur"))
		return ;;
	--connect | --guest-slot | --boot)
		return ;;
	esac
	if [[ $cur == --root=* ]]; then
		cur=${cur#--root=}
		_filedir -d
		return
	fi

	# the command: the first word that is neither an option nor --root's value
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root) ((i++)) ;;
		--) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--root --json --color --no-color --no-pager --verbose --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$bin" --list-commands 2>/dev/null)" -- "$cur"))
		fi
		return
	fi

	local help
	help=$("$bin" "$cmd" --help 2>/dev/null)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -oE -- '(^|[^a-z0-9-])--?[a-zA-Z][a-z0-9-]*' <<<"$help" | grep -oE -- '--?[a-zA-Z][a-z0-9-]*' | sort -u)" -- "$cur"))
		return
	fi
	case $cmd in
	snapshot)
		_filedir
		return ;;
	undo)
		local t ids=
		for t in "$root"/var/lib/vfio-pilot/txn/*; do
			[[ -d $t ]] && ids+=" ${t##*/}"
		done
		COMPREPLY=($(compgen -W "$ids" -- "$cur"))
		return ;;
	esac
	if [[ ${help%%$'\n'*} == *DEVICE* ]]; then
		COMPREPLY=($(compgen -W "$(_vfio_pilot_devices "$root")" -- "$cur"))
		__ltrim_colon_completions "$cur"
	fi
} && complete -F _vfio_pilot vfio-pilot

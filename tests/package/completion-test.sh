#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash and zsh completions (shell/), driven the way the shells drive them, against the built
# binary and fixture trees: commands (from --list-commands), options (from COMMAND --help), PCI
# and card addresses read from --root's sys/ (an SR-IOV VF offered by its address only), option
# values. Usage: completion-test.sh VFIO-PILOT SRCDIR. Needs bash-completion and zsh: a missing
# one is a failure. Ends with "N passed, N failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { # what got want...: every wanted word is in got
	local what=$1 got=$2 w
	shift 2
	for w in "$@"; do
		if [[ " $got " == *" $w "* ]]; then ok; else bad "$what: '$w' not offered (got: $got)"; fi
	done
}
refuse() {
	local what=$1 got=$2 w
	shift 2
	for w in "$@"; do
		if [[ " $got " != *" $w "* ]]; then ok; else bad "$what: '$w' offered but should not be"; fi
	done
}
bc=/usr/share/bash-completion/bash_completion
[ -r $bc ] || { bad "bash-completion is not installed ($bc); run scripts/install-deps.sh"; }
command -v zsh >/dev/null || bad "zsh is not installed; run scripts/install-deps.sh"
if [ $fail -ne 0 ]; then echo "$pass passed, $fail failed"; exit 1; fi

tmp=$(mktemp -d /tmp/vp-compl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/tests/fixtures/mkhost.py" "$src/tests/fixtures/hosts/server-multi-gpu.host" "$tmp/server" || exit 1
python3 "$src/tests/fixtures/mkhost.py" "$src/tests/fixtures/hosts/fedora-igpu-rtx.host" "$tmp/desk" || exit 1
mkdir -p "$tmp/desk/var/lib/vfio-pilot/txn/0001" "$tmp/desk/var/lib/vfio-pilot/txn/0002"

# bash: COMP_LINE as typed; the completion function fills COMPREPLY
bcomp() {
	bash --norc --noprofile -c '
		source "$1"; source "$2"
		line=$3
		COMP_LINE=$line COMP_POINT=${#line}
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_vfio_pilot vfio-pilot "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ $bc "$src/shell/vfio-pilot.bash" "$1" 2>&1 | sort -u | tr '\n' ' '
}
b="$bin"
cmds=$("$bin" --list-commands | tr '\n' ' ')
got=$(bcomp "$b ")
expect "bash: commands" "$got" $cmds
got=$(bcomp "$b li")
expect "bash: 'li'" "$got" list
refuse "bash: 'li'" "$got" check
got=$(bcomp "$b --")
expect "bash: global options" "$got" --root --json --version --help
got=$(bcomp "$b --root $tmp/server xml --")
expect "bash: xml options from --help" "$got" --split --guest-slot --rom-file --rom-bar --json
got=$(bcomp "$b check -")
expect "bash: check options" "$got" -q --quiet
got=$(bcomp "$b --root $tmp/server xml 0000:4c:")
expect "bash: addresses after 0000:4c: (colon trimmed)" "$got" 00.0 00.1 00 02.0 02.1
refuse "bash: a VF slot is no card" "$got" 02
got=$(bcomp "$b --root $tmp/server plan 4c:0")
expect "bash: short addresses" "$got" 00.0 00 02.1
got=$(bcomp "$b --root=$tmp/desk bind 0")
expect "bash: --root= form, desktop host" "$got" 0000:01:00.0 0000:01:00 01:00.0 01:00
refuse "bash: the server's devices are not on the desktop" "$got" 0000:4c:00.0
got=$(bcomp "$b --root $tmp/desk undo ")
expect "bash: undo ids from the journal" "$got" 0001 0002
got=$(bcomp "$b plan --bootloader ")
expect "bash: --bootloader values" "$got" grub grubby systemd-boot none
got=$(bcomp "$b xml --rom-bar ")
expect "bash: --rom-bar values" "$got" on off
got=$(bcomp "$b list ")
refuse "bash: list takes no DEVICE" "$got" 0000:00:00.0

# zsh: the function runs with words/CURRENT/PREFIX set as the completion system sets them;
# compadd records what it is given, _files stands in for file completion.
zcomp() {
	zsh -f -c '
		compadd() {
			local arr=0
			while (( $# )); do
				case $1 in
				-|--) shift; break ;;
				-a) arr=1; shift ;;
				-*) shift ;;
				*) break ;;
				esac
			done
			if (( arr )); then local n; for n in "$@"; do print -l -- ${(P)n}; done; else print -l -- "$@"; fi
		}
		_files() { print -- "<files>" }
		autoload -U is-at-least
		source "$1"
		words=(${(z)2}); [[ $2 == *" " ]] && words+=("")
		CURRENT=$#words PREFIX=$words[CURRENT]
		_vfio-pilot' _ "$src/shell/_vfio-pilot" "$1" 2>&1 | sort -u | tr '\n' ' '
}
got=$(zcomp "$b ")
expect "zsh: commands" "$got" $cmds
got=$(zcomp "$b --root $tmp/server xml --")
expect "zsh: xml options" "$got" --split --guest-slot --rom-bar
got=$(zcomp "$b --root $tmp/server xml ")
expect "zsh: addresses" "$got" 0000:4c:00.0 0000:4c:00 4c:00 0000:4c:02.1 4c:02.1 0000:18:00
refuse "zsh: a VF slot is no card" "$got" 0000:4c:02 4c:02
got=$(zcomp "$b --root $tmp/desk undo ")
expect "zsh: undo ids" "$got" 0001 0002
got=$(zcomp "$b diagnose --file ")
expect "zsh: --file takes files" "$got" "<files>" -
got=$(zcomp "$b --")
expect "zsh: global options" "$got" --root --json --version
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/bash
# bench/rebuild/run.sh [N] - the initramfs rebuild of a Debian 12 root with
# three installed kernels: serial, as vfio-pilot runs it on Debian, against
# dracut's parallel form, as vfio-pilot runs it elsewhere (issue 11 §5,
# "Rebuild cost"; src/lib/plan.c, the VP_INITRAMFS_DRACUT case).
#
#   serial    chroot ROOT dracut --force /boot/initrd.img-K K   for each K in turn
#   parallel  chroot ROOT dracut --force --regenerate-all --parallel
#
# ROOT is the cached dracut root of the e2e suite (tests/e2e/mkroot.sh:
# Debian 12, dracut 059, generic images, compress="zstd -3 -T0"), unpacked
# into a temporary directory. Its one kernel K1 is copied under two more
# version names (vmlinuz, System.map, config, and the /lib/modules tree as
# hard links; `depmod -b` for each), so dracut builds three full images.
# /proc, /sys and /dev are mounted in ROOT (rslave) for dracut and unmounted
# on exit, whatever happens. Each round runs both forms (serial first in odd
# rounds, parallel first in even ones); the result is the median of N rounds
# (default 3), printed as
#   serial Xs  parallel Ys  ratio Z   (load average before/after, cores)
#
# Measured on a quiet machine (`bench/rebuild/run.sh 3`, 2 cores, load 0.8 before
# and 2.0 after, dracut 059, three generic 6.1.0-57 images, compress="zstd -3 -T0"):
#   serial 16.2s  parallel 8.9s  ratio 1.82   (rounds serial 14.2 16.4 16.2,
#   parallel 8.9 9.5 7.9), 2026-12-05
# Earlier, with the same command under `nice` on the shared machine:
#   serial 71.9s  parallel 46.9s  ratio 1.53   (load 9-15 from other sessions;
#   rounds serial 71.9 69.4 72.8, parallel 52.5 46.9 46.8)
#   `bench/rebuild/run.sh 1` at load 9-10: serial 40.2s  parallel 42.1s  ratio 0.95
# On 2 cores dracut is CPU-bound (and zstd -T0 already uses both), so three at
# once cannot be much faster on an idle machine; on a loaded one three
# processes also take a larger share of the CPU from the others, which is part
# of the 1.53. Both forms rewrite /boot/initrd.img-K of every kernel and no
# other file: Debian's dracut names the image initrd.img-K when vmlinuz-K exists.
# Needs root. Env: BENCH_DIR (where to unpack, default a new dir under
# /var/tmp; removed at the end), E2E_CACHE and E2E_MIRROR as for mkroot.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-3}
die() { echo "rebuild-bench: FATAL: $*" >&2; exit 1; }
log() { echo "rebuild-bench: $*" >&2; }
[ "$(id -u)" = 0 ] || die "must run as root (unpack with device nodes, chroot, mounts)"
case "$N" in ''|*[!0-9]*|0) die "N must be a positive number of rounds, not '$N'" ;; esac

TAR=$(E2E_INITRD=dracut "$HERE/../../tests/e2e/mkroot.sh" | sed -n 's/^ROOT_TAR=//p')
[ -f "$TAR" ] || die "tests/e2e/mkroot.sh gave no root tarball"
ROOT=${BENCH_DIR:-$(mktemp -d /var/tmp/vp-rebuild.XXXXXX)}
mkdir -p "$ROOT"
[ -z "$(ls -A "$ROOT")" ] || die "$ROOT is not empty"

cleanup() {
    for m in dev sys proc; do
        mountpoint -q "$ROOT/$m" && umount -R "$ROOT/$m"
    done
    if grep -q " $ROOT/" /proc/mounts; then
        echo "rebuild-bench: WARNING: mounts left under $ROOT, not deleting it" >&2
    else
        rm -rf "$ROOT"
    fi
}
trap cleanup EXIT

SECONDS=0
zstd -q -d -c "$TAR" | tar -C "$ROOT" --numeric-owner --xattrs -xf -
K1=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
[ -f "$ROOT/boot/vmlinuz-$K1" ] || die "no kernel in $TAR"
base=${K1%%-*} flavour=${K1##*-}
KERNELS="$K1"
for n in 9002 9003; do   # 6.1.0-57-amd64 -> 6.1.0-9002-amd64, 6.1.0-9003-amd64
    k=$base-$n-$flavour
    for f in vmlinuz System.map config; do
        cp "$ROOT/boot/$f-$K1" "$ROOT/boot/$f-$k"
    done
    cp -al "$ROOT/lib/modules/$K1" "$ROOT/lib/modules/$k"
    rm -f "$ROOT/lib/modules/$k"/modules.*      # depmod writes its own
    cp -al "$ROOT/lib/modules/$K1"/modules.{order,builtin,builtin.modinfo} "$ROOT/lib/modules/$k/"
    depmod -b "$ROOT" "$k"
    cp "$ROOT/boot/initrd.img-$K1" "$ROOT/boot/initrd.img-$k"
    KERNELS="$KERNELS $k"
done
log "root $ROOT with kernels: $KERNELS (prepared in $SECONDS s)"

mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
serial() {
    for k in $KERNELS; do
        chroot "$ROOT" dracut --force "/boot/initrd.img-$k" "$k" >>"$ROOT.log" 2>&1 || die "dracut $k failed (see $ROOT.log)"
    done
}
parallel() {
    chroot "$ROOT" dracut --force --regenerate-all --parallel >>"$ROOT.log" 2>&1 || die "dracut --regenerate-all --parallel failed (see $ROOT.log)"
}
timed() { # FORM: runs it, checks that every kernel's image was rewritten, prints the seconds
    local t k
    touch -d '2000-01-01' "$ROOT"/boot/initrd.img-*
    t=$(now)
    "$1"
    t=$(secs "$t")
    for k in $KERNELS; do
        [ "$(stat -c %Y "$ROOT/boot/initrd.img-$k")" -gt 946771200 ] || die "$1: /boot/initrd.img-$k was not rewritten"
    done
    echo "$t"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
S="" P=""
for i in $(seq "$N"); do
    if [ $((i % 2)) = 1 ]; then s=$(timed serial); p=$(timed parallel); else p=$(timed parallel); s=$(timed serial); fi
    log "round $i: serial $s s, parallel $p s (load $(cut -d' ' -f1-3 /proc/loadavg))"
    S="$S $s" P="$P $p"
done
rm -f "$ROOT.log"
s=$(echo "$S" | median) p=$(echo "$P" | median)
echo "kernels: $KERNELS; /boot: $(ls "$ROOT/boot" | tr "\n" " ")"
echo "rounds: $N; serial:$S; parallel:$P"
printf 'serial %ss  parallel %ss  ratio %s   (load average %s before, %s after; %s cores)\n' "$s" "$p" \
    "$(awk -v a="$s" -v b="$p" 'BEGIN{printf "%.2f", a/b}')" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"

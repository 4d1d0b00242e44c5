#!/bin/bash
# tests/e2e/run.sh - real-kernel end-to-end tests of vfio-pilot under QEMU.
#
# Usage: run.sh [--tool PATH | PATH] [SCENARIO...]
#   PATH: the vfio-pilot binary (or env VFIO_PILOT), e.g. build/src/cli/vfio-pilot.
#   SCENARIO: infra intel amd bind diagnose noiommu two-vendor bootbind
#   twocards tutorial itools (default: all of these), root (only when named).
#   "root" and "tutorial" debootstrap (cached: mkroot.sh) and boot a whole
#   Debian 12 root with dracut and systemd (boot-root.sh); they need root.
#   "bootbind" and "twocards" boot twice: a snapshot of the guest becomes the
#   root R of `vfio-pilot --root R plan/apply` on this machine, then the guest
#   boots with what apply wrote. "itools" does the tutorial's apply/undo on
#   a root whose initramfs generator is initramfs-tools (run-itools.sh).
# Env: E2E_CACHE (kernel cache, see setup.sh), E2E_WORK (logs and images;
#   default a new directory under /tmp, kept), E2E_TIMEOUT (per boot, 300 s).
#
# Each scenario is one boot of Debian's kernel (q35 + emulated IOMMU, TCG),
# one "PASS name" / "FAIL name" line, and the last line is exactly
# "N passed, N failed". Exit 1 on any failure. Missing QEMU, kernel or tool
# make the affected scenarios FAIL; nothing is skipped.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ALL="infra intel amd bind diagnose noiommu two-vendor bootbind twocards tutorial itools"
KNOWN="$ALL root"   # root: the tutorial's first boot covers it
TOOL=${VFIO_PILOT:-}
SCEN=()
while [ $# -gt 0 ]; do
    case "$1" in
        --tool) TOOL=${2:-}; shift 2 ;;
        --tool=*) TOOL=${1#--tool=}; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        */*) TOOL=$1; shift ;;
        *) SCEN+=("$1"); shift ;;
    esac
done
[ ${#SCEN[@]} -gt 0 ] || SCEN=($ALL)

passed=0 failed=0
pass() { echo "PASS $1${2:+ ($2)}"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
finish() {
    echo "TOTAL wall=$(( SECONDS - T0 )) s, logs in $WORK"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}
T0=$SECONDS

WORK=${E2E_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/vfio-pilot-e2e.XXXXXX")}
mkdir -p "$WORK" || { echo "run: cannot create $WORK"; exit 1; }

for s in "${SCEN[@]}"; do
    case " $KNOWN " in *" $s "*) ;; *) echo "run: unknown scenario '$s' (known: $KNOWN)"; exit 2 ;; esac
done

# Tool: absolute path; a missing tool fails every scenario that needs it.
tool_err=
if [ -z "$TOOL" ]; then
    tool_err="no vfio-pilot binary: pass its path as an argument or set VFIO_PILOT"
elif [ ! -x "$TOOL" ] || [ -d "$TOOL" ]; then
    tool_err="vfio-pilot binary '$TOOL' is not an executable file"
else
    TOOL=$(cd "$(dirname "$TOOL")" && pwd)/$(basename "$TOOL")
fi
[ -n "$tool_err" ] && echo "run: ERROR: $tool_err" >&2

# Host packages and kernel (apt-get when root and something is missing).
t=$SECONDS
if ! out=$("$HERE/setup.sh" 2>"$WORK/setup.err"); then
    cat "$WORK/setup.err" >&2
    for s in "${SCEN[@]}"; do fail "$s" "setup failed: $(grep FATAL "$WORK/setup.err" | tail -1)"; done
    finish
fi
eval "$(echo "$out" | grep -E '^(KVER|KROOT)=')"
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
echo "TIME setup $((SECONDS - t)) s (kernel $KVER from $KROOT)"

t=$SECONDS
tool_arg=()
[ -z "$tool_err" ] && tool_arg=("$TOOL")
if ! KROOT=$KROOT KVER=$KVER "$HERE/build-initramfs.sh" "$WORK/initramfs.cpio" "${tool_arg[@]}" 2>"$WORK/initramfs.err"; then
    cat "$WORK/initramfs.err" >&2
    for s in "${SCEN[@]}"; do fail "$s" "initramfs build failed: $(grep FATAL "$WORK/initramfs.err" | tail -1)"; done
    finish
fi
echo "TIME initramfs $((SECONDS - t)) s ($(du -h "$WORK/initramfs.cpio" | cut -f1))"

# ---- helpers ----
# hrun LOG TAG CMD...: a command on this machine, recorded in LOG.host (host-lib.sh).
. "$HERE/host-lib.sh"
hrun() { hrun_to "$@"; }
# boot_initrd S LOG [EXTRA_INITRD] [EXTRA_APPEND]: one initramfs boot; env
# IOMMU, CARDS, CARD. Prints boot.sh's BOOT line.
boot_initrd() {
    local initrd="$WORK/initramfs.cpio"
    [ -n "${3:-}" ] && initrd="$initrd $3"
    VMLINUZ=$VMLINUZ INITRD=$initrd E2E_IOMMU=$IOMMU E2E_CARDS=$CARDS E2E_CARD=$CARD \
        E2E_APPEND="e2e.scenario=$1 ${4:-} ${E2E_APPEND:-}" "$HERE/boot.sh" "$2" 2>&1 | tail -1
}
boot_ok() { case "$1" in *" rc=0 "*) return 0 ;; esac; return 1; }
walls=""
note_wall() { walls="$walls+$(echo "$1" | grep -o 'wall=[0-9.]*' | cut -d= -f2)"; }

# make_planroot S CARDS: boot the machine once (scenario snap), bring its
# `vfio-pilot snapshot` back and unpack it as the root R = $WORK/R-S; add the
# kernel's module index (libkmod), and an update-initramfs in R (static
# busybox sh) that records its arguments: in this harness build-initramfs.sh
# is the initramfs generator, and it packs what apply wrote in R.
make_planroot() {
    local s=$1 log=$WORK/$1-snap.log R=$WORK/R-$1 b
    b=$(boot_initrd snap "$log")
    note_wall "$b"
    echo "== $s: snapshot boot: $b"
    boot_ok "$b" || { echo "snapshot boot failed: $b" >&2; return 1; }
    python3 "$HERE/check.py" snap "$log" > "$WORK/$s-snap.check" || { cat "$WORK/$s-snap.check"; return 1; }
    python3 "$HERE/check.py" --extract "$log" snapshot "$WORK/$s-snap.tar.gz" || return 1
    rm -rf "$R"; mkdir -p "$R"
    tar -C "$R" -xzf "$WORK/$s-snap.tar.gz" || return 1
    mkdir -p "$R/lib/modules/$KVER" "$R/usr/sbin" "$R/usr/bin" "$R/var/log"
    cp "$KROOT/lib/modules/$KVER"/modules.* "$R/lib/modules/$KVER/"
    cp "$(command -v busybox)" "$R/usr/bin/busybox"
    printf '#!/usr/bin/busybox sh\n# e2e: records the call; tests/e2e/run.sh builds the initramfs from this root'"'"'s /etc\necho "$*" >> /var/log/e2e-update-initramfs.log\n' > "$R/usr/sbin/update-initramfs"
    chmod 755 "$R/usr/sbin/update-initramfs"
}

# planned_boot S: scenarios bootbind and twocards (see the header).
planned_boot() {
    local s=$1 log=$WORK/$1.log R=$WORK/R-$1 ov=$WORK/ov-$1 kargs b
    rm -f "$log.host"
    make_planroot "$s" || return 1
    local opts=(--bootloader none 0000:01:00.0)
    hrun "$log" plan "$TOOL" --root "$R" --json plan "${opts[@]}"
    kargs=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("kernel_args") or []))' "$WORK/last.out") || kargs=
    hrun "$log" apply "$TOOL" --root "$R" --json apply --yes "${opts[@]}"
    hrun "$log" conf cat "$R/etc/modprobe.d/vfio-pilot.conf"
    hrun "$log" itmodules cat "$R/etc/initramfs-tools/modules"
    hrun "$log" update_initramfs cat "$R/var/log/e2e-update-initramfs.log"
    rm -rf "$ov"; mkdir -p "$ov/etc" "$ov/var/lib"
    for d in etc/modprobe.d etc/initramfs-tools var/lib/vfio-pilot; do
        [ -d "$R/$d" ] && cp -a "$R/$d" "$ov/$(dirname "$d")/"
    done
    "$HERE/build-initramfs.sh" --overlay-only "$WORK/overlay-$s.cpio" "$ov" || return 1
    echo "== $s: plan kernel_args: $kargs"
    BOOT=$(boot_initrd "$s" "$log" "$WORK/overlay-$s.cpio" "$kargs")
}

for s in "${SCEN[@]}"; do
    if [ "$s" != infra ] && [ -n "$tool_err" ]; then
        fail "$s" "$tool_err"
        continue
    fi
    ts=$SECONDS walls=""
    IOMMU=intel CARDS=1 CARD=same
    case "$s" in
        amd) IOMMU=amd ;;
        noiommu) IOMMU=none ;;
        two-vendor) CARD=two-vendor ;;
        twocards) CARDS=2 ;;
    esac
    log=$WORK/$s.log
    rm -f "$log.host"
    BOOT=
    case "$s" in
    root)
        t=$SECONDS
        if ! "$HERE/boot-root.sh" make "$WORK/root.img" "$TOOL" 2>"$WORK/root-make.err"; then
            cat "$WORK/root-make.err" >&2
            fail "$s" "cannot make the root image: $(grep FATAL "$WORK/root-make.err" | tail -1)"
            continue
        fi
        echo "TIME root image $((SECONDS - t)) s (mkroot.sh + boot-root.sh make)"
        BOOT=$(E2E_IOMMU=$IOMMU E2E_APPEND="e2e.scenario=$s ${E2E_APPEND:-}" \
               "$HERE/boot-root.sh" boot "$WORK/root.img" "$log" 2>&1 | tail -1)
        rm -f "$WORK/root.img"
        ;;
    tutorial)
        "$HERE/run-tutorial.sh" "$TOOL" "$WORK" "$log"
        BOOT=$(tail -1 "$log.boots" 2>/dev/null)
        walls=$(grep -o 'wall=[0-9.]*' "$log.boots" 2>/dev/null | cut -d= -f2 | sed 's/^/+/' | tr -d '\n')
        ;;
    itools)
        VMLINUZ=$VMLINUZ INITRD=$WORK/initramfs.cpio "$HERE/run-itools.sh" "$TOOL" "$WORK" "$log"
        BOOT=$(tail -1 "$log.boots" 2>/dev/null)
        walls=$(grep -o 'wall=[0-9.]*' "$log.boots" 2>/dev/null | cut -d= -f2 | sed 's/^/+/' | tr -d '\n')
        ;;
    bootbind|twocards)
        planned_boot "$s" || { fail "$s" "could not prepare the planned boot; see $WORK/$s-snap.log and $log.host"; continue; }
        ;;
    *)
        initrd=
        if [ -d "$HERE/overlays/$s" ]; then
            "$HERE/build-initramfs.sh" --overlay-only "$WORK/overlay-$s.cpio" "$HERE/overlays/$s" || {
                fail "$s" "cannot pack overlays/$s"; continue; }
            initrd="$WORK/overlay-$s.cpio"
        fi
        BOOT=$(boot_initrd "$s" "$log" "$initrd")
        ;;
    esac
    case "$s" in tutorial|itools) ;; *) note_wall "$BOOT" ;; esac
    python3 "$HERE/check.py" "$s" "$log" > "$WORK/$s.check"
    crc=$?
    echo "== $s: iommu=$IOMMU cards=$CARDS card=$CARD, $BOOT"
    cat "$WORK/$s.check"
    boots=$(echo "${walls#+}" | tr '+' ' ')
    case "$BOOT" in
        *" rc=0 "*) ;;
        *) fail "$s" "QEMU failed or timed out: $BOOT; see $log"; continue ;;
    esac
    what="boots ${boots:-?} s, scenario $((SECONDS - ts)) s"
    if [ $crc = 0 ]; then pass "$s" "$what"; else fail "$s" "$(grep -c '  FAIL' "$WORK/$s.check") check(s) failed, $what; log $log"; fi
done
finish

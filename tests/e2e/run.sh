#!/bin/bash
# tests/e2e/run.sh - real-kernel end-to-end tests of vfio-pilot under QEMU.
#
# Usage: run.sh [--tool PATH | PATH] [SCENARIO...]
#   PATH: the vfio-pilot binary (or env VFIO_PILOT), e.g. build/src/cli/vfio-pilot.
#   SCENARIO: infra intel amd bind diagnose noiommu root (default: all).
#   "root" debootstraps (cached: mkroot.sh) and boots a whole Debian 12 root
#   with dracut and systemd (boot-root.sh); needs root and ~2 min.
# Env: E2E_CACHE (kernel cache, see setup.sh), E2E_WORK (logs and images;
#   default a new directory under /tmp, kept), E2E_TIMEOUT (per boot, 300 s).
#
# Each scenario is one boot of Debian's kernel (q35 + emulated IOMMU, TCG),
# one "PASS name" / "FAIL name" line, and the last line is exactly
# "N passed, N failed". Exit 1 on any failure. Missing QEMU, kernel or tool
# make the affected scenarios FAIL; nothing is skipped.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ALL="infra intel amd bind diagnose noiommu root"
TOOL=${VFIO_PILOT:-}
SCEN=()
while [ $# -gt 0 ]; do
    case "$1" in
        --tool) TOOL=${2:-}; shift 2 ;;
        --tool=*) TOOL=${1#--tool=}; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
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
    case " $ALL " in *" $s "*) ;; *) echo "run: unknown scenario '$s' (known: $ALL)"; exit 2 ;; esac
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
if ! KROOT=$KROOT KVER=$KVER "$HERE/build-initramfs.sh" "$WORK/initramfs.cpio.gz" "${tool_arg[@]}" 2>"$WORK/initramfs.err"; then
    cat "$WORK/initramfs.err" >&2
    for s in "${SCEN[@]}"; do fail "$s" "initramfs build failed: $(grep FATAL "$WORK/initramfs.err" | tail -1)"; done
    finish
fi
echo "TIME initramfs $((SECONDS - t)) s ($(du -h "$WORK/initramfs.cpio.gz" | cut -f1))"

for s in "${SCEN[@]}"; do
    if [ "$s" != infra ] && [ -n "$tool_err" ]; then
        fail "$s" "$tool_err"
        continue
    fi
    iommu=intel cards=1
    case "$s" in
        amd) iommu=amd ;;
        noiommu) iommu=none ;;
    esac
    initrd=$WORK/initramfs.cpio.gz
    if [ -d "$HERE/overlays/$s" ]; then
        "$HERE/build-initramfs.sh" --overlay-only "$WORK/overlay-$s.cpio.gz" "$HERE/overlays/$s" || {
            fail "$s" "cannot pack overlays/$s"; continue; }
        initrd="$initrd $WORK/overlay-$s.cpio.gz"
    fi
    log=$WORK/$s.log
    if [ "$s" = root ]; then
        t=$SECONDS
        if ! "$HERE/boot-root.sh" make "$WORK/root.img" "$TOOL" 2>"$WORK/root-make.err"; then
            cat "$WORK/root-make.err" >&2
            fail "$s" "cannot make the root image: $(grep FATAL "$WORK/root-make.err" | tail -1)"
            continue
        fi
        echo "TIME root image $((SECONDS - t)) s (mkroot.sh + boot-root.sh make)"
        boot=$(E2E_IOMMU=$iommu E2E_APPEND="e2e.scenario=$s ${E2E_APPEND:-}" \
               "$HERE/boot-root.sh" boot "$WORK/root.img" "$log" 2>&1 | tail -1)
        rm -f "$WORK/root.img"
    else
    boot=$(VMLINUZ=$VMLINUZ INITRD=$initrd E2E_IOMMU=$iommu E2E_CARDS=$cards \
           E2E_APPEND="e2e.scenario=$s ${E2E_APPEND:-}" "$HERE/boot.sh" "$log" 2>&1 | tail -1)
    fi
    python3 "$HERE/check.py" "$s" "$log" > "$WORK/$s.check"
    crc=$?
    echo "== $s: iommu=$iommu, $boot"
    cat "$WORK/$s.check"
    wall=$(echo "$boot" | grep -o 'wall=[0-9.]*' | cut -d= -f2)
    case "$boot" in
        *" rc=0 "*) ;;
        *) fail "$s" "QEMU failed or timed out: $boot; see $log"; continue ;;
    esac
    if [ $crc = 0 ]; then pass "$s" "boot ${wall} s"; else fail "$s" "$(grep -c '  FAIL' "$WORK/$s.check") check(s) failed, boot ${wall} s; log $log"; fi
done
finish

# tests/e2e/guest-lib.sh - shell helpers for the guest side of the e2e tests,
# sourced by /init (initramfs) and /e2e/report (full Debian root).
# Every result line starts with "E2E " and is parsed by tests/e2e/check.py.

# e2e.phase=NAME on the kernel command line (several boots of one scenario,
# e.g. tutorial): every command tag and snapshot label gets the prefix "NAME."
E2E_PHASE=
for _w in $(cat /proc/cmdline 2>/dev/null); do
    case "$_w" in e2e.phase=*) E2E_PHASE=${_w#e2e.phase=} ;; esac
done
P=${E2E_PHASE:+$E2E_PHASE.}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
e2e() { echo "E2E $*"; }
# the facts of a phase carry its prefix too
fact() { _k=$P$1; shift; e2e "FACT $_k $*"; }


# run TAG CMD [ARG...]: run a command, print its output and exit status.
#   E2E CMD TAG <command>   E2E OUT TAG <stdout line>
#   E2E ERR TAG <stderr line>   E2E RC TAG <status>
run() {
    _tag=$P$1; shift
    e2e "CMD $_tag $*"
    "$@" </dev/null >/tmp/run.out 2>/tmp/run.err
    _rc=$?
    sed "s/^/E2E OUT $_tag /" /tmp/run.out
    sed "s/^/E2E ERR $_tag /" /tmp/run.err
    e2e "RC $_tag $_rc"
    return $_rc
}

# run_sh TAG 'shell pipeline': like run, for pipelines (stdin from the pipe).
run_sh() {
    _tag=$P$1; shift
    e2e "CMD $_tag $*"
    sh -c "$*" >/tmp/run.out 2>/tmp/run.err
    _rc=$?
    sed "s/^/E2E OUT $_tag /" /tmp/run.out
    sed "s/^/E2E ERR $_tag /" /tmp/run.err
    e2e "RC $_tag $_rc"
    return $_rc
}

# fact KEY VALUE...: one observation from sysfs/devfs (defined above).

drv() { # BDF -> driver name or "-"
    if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
        basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
    else
        echo -
    fi
}
grp() { # BDF -> iommu group or "-"
    if [ -e "/sys/bus/pci/devices/$1/iommu_group" ]; then
        basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
    else
        echo -
    fi
}

# snapshot LABEL: PCI devices, groups, IOMMUs, /dev/vfio, vfio modules.
snapshot() {
    for d in /sys/bus/pci/devices/*; do
        b=${d##*/}
        e2e "PCI $P$1 $b class=$(cut -c3-6 "$d/class") id=$(cut -c3- "$d/vendor"):$(cut -c3- "$d/device") driver=$(drv "$b") group=$(grp "$b")"
    done
    fact "$1.boot_vga" $(for d in /sys/bus/pci/devices/*; do [ "$(cat "$d/boot_vga" 2>/dev/null)" = 1 ] && echo "${d##*/}"; done)
    fact "$1.iommu_groups" $(ls /sys/kernel/iommu_groups 2>/dev/null)
    fact "$1.class_iommu" $(ls /sys/class/iommu 2>/dev/null)
    fact "$1.dev_vfio" $(ls /dev/vfio 2>/dev/null)
    fact "$1.vfio_modules" $(grep -oE '^vfio[a-z_0-9]*' /proc/modules | sort)
}

# probe BDF: walk the VFIO uAPI for BDF with vfio-probe (lines "E2E OUT probe:BDF ...").
probe() { run "probe:$1" vfio-probe "$1"; }

# sysfs_bind BDF DRIVER: move one function the way vfio-pilot should
# (driver_override, unbind, drivers_probe). For infrastructure checks.
sysfs_bind() {
    echo "$2" > "/sys/bus/pci/devices/$1/driver_override"
    [ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
    echo "$1" > /sys/bus/pci/drivers_probe
}

settle() { # wait until every display/audio function of the cards has a driver, at most $1 s
    _n=0
    while [ $_n -lt $((${1:-5} * 10)) ]; do
        _missing=0
        for d in /sys/bus/pci/devices/0000:0[13]:00.*; do
            [ -e "$d" ] || continue
            case "$(cat "$d/class")" in 0x0300*|0x0403*) [ -e "$d/driver" ] || _missing=1 ;; esac
        done
        [ $_missing = 0 ] && return 0
        sleep 0.1; _n=$((_n + 1))
    done
    return 1
}

# The card's functions (fn1 is edu, which no Linux driver claims, or HDA for
# the two-vendor card), and the second card's.
CARD_FUNCS="0000:01:00.0 0000:01:00.1"
CARD2_FUNCS="0000:03:00.0 0000:03:00.1"
export CARD_FUNCS CARD2_FUNCS

# emit_file TAG PATH: a small file to the host, base64 ("E2E FILE TAG size",
# then "E2E B64 TAG <line>"); check.py --extract writes it back.
emit_file() {
    e2e "FILE $1 $(wc -c < "$2")"
    base64 "$2" | sed "s/^/E2E B64 $1 /"
}

# kmsg_order: the kernel log lines of vfio-pci and bochs-drm, in order, so the
# host can tell which driver took which function first.
kmsg_drivers() {
    dmesg | grep -E 'vfio[-_]pci|bochs|\[drm\]' | sed "s/^/E2E DRVLOG ${E2E_PHASE:--} /"
}

# tutorial: the full cycle on the debootstrapped Debian root, one boot per
# phase (e2e.phase=, see run-tutorial.sh):
#   before   the stock root: udev gave the card to bochs-drm; `vfio-pilot
#            snapshot` goes to the host, which makes ROOT's /sys and /proc of it
#            for `vfio-pilot --root ROOT apply`
#   apply    after apply (real dracut in the chroot) and a boot with the plan's
#            kernel arguments: the card on vfio-pci from the initramfs on,
#            `status` passes, vfio-probe works
#   recover  (when vfio-pilot has `recover`) the same image booted with the
#            fallback command line that `recover --json` gave in phase apply:
#            vfio-pci is blacklisted, the card is on bochs-drm
#   undo     after `vfio-pilot --root ROOT undo`: the card back on bochs-drm
snapshot boot
fact cmdline $(cat /proc/cmdline)
kmsg_drivers
run list vfio-pilot list --json
case "$E2E_PHASE" in
before)
    run snapshot vfio-pilot snapshot /tmp/snap.tar.gz
    [ -f /tmp/snap.tar.gz ] && emit_file snapshot /tmp/snap.tar.gz
    ;;
apply)
    run status vfio-pilot status --json
    run status_text vfio-pilot status
    for b in $CARD_FUNCS; do probe "$b"; done
    # the way back from a black screen, asked on the running system
    vfio-pilot recover --help >/dev/null 2>&1 && run recover vfio-pilot recover --json
    ;;
recover)
    fact modules $(cut -d' ' -f1 /proc/modules | sort)
    ;;
undo)
    fact modprobe_d $(ls /etc/modprobe.d)
    run status_text vfio-pilot status
    ;;
esac

# itools: the tutorial's cycle on a Debian root whose initramfs is built by
# initramfs-tools (see run-itools.sh), one boot per phase (e2e.phase=):
#   apply    after `vfio-pilot --root ROOT apply` (real update-initramfs in
#            the chroot) and a boot with the plan's kernel arguments: the card
#            on vfio-pci from the initramfs on, `status` passes, vfio-probe works
#   undo     after `vfio-pilot --root ROOT undo`: the card back on bochs-drm
snapshot boot
fact cmdline $(cat /proc/cmdline)
fact initramfs_tools $(test -x /usr/sbin/update-initramfs && echo update-initramfs) $(command -v dracut)
kmsg_drivers
run list vfio-pilot list --json
case "$E2E_PHASE" in
apply)
    run status vfio-pilot status --json
    run status_text vfio-pilot status
    for b in $CARD_FUNCS; do probe "$b"; done
    ;;
undo)
    fact modprobe_d $(ls /etc/modprobe.d)
    fact modules $(cut -d' ' -f1 /proc/modules | sort)
    run status_text vfio-pilot status
    ;;
esac

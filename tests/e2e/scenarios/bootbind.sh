# bootbind / twocards (second boot): the initramfs carries the /etc/modprobe.d
# and /etc/initramfs-tools/modules that `vfio-pilot --root R apply` wrote (and
# R's transaction journal), /init loaded the listed modules as initramfs-tools
# does, and the kernel command line has the plan's kernel_args. The card must
# be on vfio-pci from boot, and `status` must say so.
snapshot boot
fact cmdline $(cat /proc/cmdline)
kmsg_drivers
fact modprobe_conf $(ls /etc/modprobe.d 2>/dev/null)
run status vfio-pilot status --json
run status_text vfio-pilot status
run list vfio-pilot list --json
for b in $CARD_FUNCS; do probe "$b"; done

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host itself needs (issue 11 §1): the PCI functions behind its
 * mounted file systems and swap, behind the network interfaces that carry its
 * default routes, and its displays. plan, apply, bind and check DEVICE refuse
 * to hand these over (exit 5) unless told otherwise (--allow-host-device,
 * --allow-host-gpu for the displays).
 *
 * The facts come from the root handle, through the rows VP_IN_MOUNTINFO ...
 * VP_IN_NET_BRIF of the host input tables (so `snapshot` captures them):
 *
 *   mounts  proc/self/mountinfo (proc/mounts when it is missing): each mount's
 *           MAJ:MIN -> sys/dev/block/MAJ:MIN -> the block device's real
 *           sysfs path; every PCI function on that path serves it (the NVMe,
 *           AHCI, SCSI HBA, virtio-blk or USB controller, and the VMD or
 *           bridge above it). Device-mapper (LVM, LUKS) and md devices are
 *           followed through their slaves/, NVMe multipath heads through
 *           multipath/ or their subsystem's controllers, loop devices through
 *           the mount that holds their backing file.
 *   swap    proc/swaps: partitions as above, swap files through their mount.
 *   routes  proc/net/route and proc/net/ipv6_route: the interfaces of the
 *           default routes -> sys/class/net/IFACE's real path, and through
 *           lower_* links and brif/ (bonds, VLANs, bridges) to the PCI NICs.
 *
 * The verdict is conservative: a mounted block device (or a default route's
 * interface) that cannot be traced to its device (missing sysfs entries,
 * garbage lines, ZFS pools) makes every storage (network) controller count as
 * needed, with the reason. An input that does not exist at all (a tree
 * without /proc/self/mountinfo) gives no facts and no verdict.
 */
#pragma once

#include <stdbool.h>

#include "host.h"
#include "root.h"

struct vp_hostneeds;

/* Reads the facts; called by vp_host_load() after the devices (host->needs). Never fails:
 * unreadable input degrades to the conservative verdict. NULL only on allocation failure. */
struct vp_hostneeds *vp_hostneeds_load(struct vp_root *root, struct vp_host *h);
void vp_hostneeds_free(struct vp_hostneeds *n);

/* True when mounts (or swaps) were read; true when routes were read. */
bool vp_hostneeds_have_mounts(const struct vp_host *h);
bool vp_hostneeds_have_routes(const struct vp_host *h);

/*
 * What the host needs function d for (storage and network, not the display): a
 * phrase like "/ (ext4 on /dev/nvme0n1p2) and swap on /dev/nvme0n1p3", or NULL
 * when nothing. Newly allocated.
 */
char *vp_hostneeds_of(const struct vp_host *h, const struct vp_pci_dev *d);

struct vp_needs_opts {
	bool allow_host_device;   /* --allow-host-device: storage and network refusals become warnings */
	bool allow_host_gpu;      /* --allow-host-gpu: display refusals become warnings */
	bool boot_vga;            /* judge the boot VGA device (callers that do not already) */
	bool last_display;        /* judge "no display left for the host" */
};

/*
 * Judges handing over the functions addrs (canonical addresses, every function
 * that would go). Appends one line per refusal to *refusals (naming the device
 * and what depends on it, and the way out) or, when overridden, a warning to
 * *warnings. Returns the number of refusals added.
 */
size_t vp_hostneeds_judge(const struct vp_host *h, char *const *addrs, const struct vp_needs_opts *o, char ***refusals,
			  char ***warnings);

/* For tests: the PCI functions (sorted, unique) that the block device NAME ("sda2", "dm-0")
 * lives on, and whether some part of it could not be traced. */
int vp_hostneeds_trace_block(struct vp_root *root, const char *name, char ***ret_addrs, bool *ret_untraced);
/* The same for a network interface. */
int vp_hostneeds_trace_netdev(struct vp_root *root, const char *name, char ***ret_addrs, bool *ret_untraced);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host-configuration plan: which cards go to vfio-pci at boot, what that
 * blocks, and the changeset that does it on this platform (kernel-facts.md
 * §3-§5 and §8; docs/plan.md explains every file and command).
 *
 * vp_plan_build() never touches the host: it reads through the root, records
 * the original content of every file it would change in the changeset, and
 * lists blockers (refusals, each with the way out) and warnings.
 */
#pragma once

#include <json-c/json.h>

#include "changeset.h"
#include "distro.h"
#include "host.h"
#include "kargs.h" /* vp_cmdline_split, vp_cmdline_has */
#include "output.h"

/* The files vfio-pilot owns (rel paths). */
#define VP_PLAN_MODPROBE "etc/modprobe.d/vfio-pilot.conf"
#define VP_PLAN_DRACUT "etc/dracut.conf.d/10-vfio-pilot.conf"
#define VP_PLAN_MKINITCPIO "etc/mkinitcpio.conf.d/vfio-pilot.conf"

struct vp_plan_opts {
	char *const *devices;      /* DEVICE arguments */
	bool allow_host_gpu;       /* hand over the boot display / last display */
	bool allow_host_device;    /* hand over storage or a NIC the host needs (hostneeds.h), with a warning */
	bool whole_group;          /* take every device of a shared group */
	bool iommu_pt;             /* add iommu=pt */
	bool blacklist;            /* blacklist the card's host drivers */
	bool no_iommu_pt;          /* --no-iommu-pt: drop iommu=pt that an earlier apply added (handover.h) */
	bool no_blacklist;         /* --no-blacklist: drop the blacklist that an earlier apply wrote */
	bool no_bootloader;        /* --bootloader none: print the arguments, edit nothing */
	enum vp_bootloader bootloader; /* VP_BOOT_UNKNOWN: detect */
	enum vp_initramfs initramfs;   /* VP_INITRAMFS_UNKNOWN: detect */
	bool release;              /* `release`: take the devices out of the handed-over set (handover.h) */
	bool dry_run;              /* CLI: apply/release --dry-run (show the plan, change nothing) */
};

struct vp_plan_kernel {
	char *kver;
	enum vp_mod_state vfio_pci;
	char **modules;            /* the vfio modules that exist (as modules) for this kernel */
};

struct vp_plan {
	struct vp_platform platform;
	bool no_bootloader;
	char **slots;              /* selected cards */
	char **extra;              /* devices of a shared group that belong to no card (--whole-group) */
	char **addrs;              /* every function handed over */
	char **ids;                /* vendor:device ids for vfio-pci (empty when binding by address) */
	bool by_address;           /* bind by address (driver_override) instead of ids */
	char **kargs;              /* kernel arguments the plan wants */
	char **kargs_missing;      /* those not yet in the boot configuration */
	char **modules;            /* vfio modules named for the initramfs (present in every kernel) */
	char **softdeps;           /* modules that get "softdep M pre: vfio-pci" */
	char **blacklisted;        /* with --blacklist */
	struct vp_plan_kernel *kernels;
	size_t n_kernels;
	char **blockers, **warnings, **notes, **next_steps;
	char *bad_input;           /* a boot configuration file that cannot be edited safely (vp_plan_build: -EINVAL) */
	struct vp_changeset *cs;
	/* the handed-over set (handover.h): the current one from the journal, and what this plan changes */
	bool release;              /* planned by `release` */
	char *state_txn;           /* the transaction that made the current set (NULL: none) */
	char **state_devices;      /* the current set */
	char **state_kargs;        /* kernel arguments vfio-pilot owns now */
	char **stays, **added, **removed; /* functions: in both sets, only in the new one, only in the current one */
	char **kargs_stale;        /* owned arguments the new set drops (taken out of the boot configuration) */
	bool iommu_pt;             /* iommu=pt in force: this command's --iommu-pt, or kept from the current set (handover.h) */
	char **state_blacklisted;  /* the current set's blacklist, kept for the cards that stay (NULL with --no-blacklist) */
	char *pin_kernel_cmdline;  /* /etc/kernel/cmdline is absent: apply first writes this (the host's own line) in a
				      transaction of its own (vp_handover_pin), so undo of the plan's leaves it, not nothing */
	size_t n_firmware_blockers; /* blockers that only the firmware setup can lift (firmware.h): exit 1, not 5 */
};

/* True when every blocker is one that only the firmware setup can lift (exit 1 rather than 5). */
static inline bool vp_plan_firmware_only(const struct vp_plan *p)
{
	size_t n = 0;
	while (p->blockers && p->blockers[n])
		n++;
	return n && n == p->n_firmware_blockers;
}

/*
 * Builds the plan. Returns 0 (check plan->blockers: a plan with blockers has
 * no changes), or -EINVAL with *ret_err set for a malformed DEVICE argument,
 * or another -errno when the root cannot be read.
 */
int vp_plan_build(struct vp_root *root, const struct vp_host *h, const struct vp_plan_opts *o, struct vp_plan **ret,
		  char **ret_err);
struct vp_plan *vp_plan_free(struct vp_plan *p);
static inline void vp_plan_freep(struct vp_plan **p) { vp_plan_free(*p); }

/* Adds the command that regenerates grub.cfg the way this distribution does (update-grub,
 * grub2-mkconfig -o /boot/grub2/grub.cfg or grub-mkconfig -o /boot/grub/grub.cfg). */
void vp_plan_grub_regen(struct vp_plan *p);

/* The plan document: text (diffs, commands, next steps) and the JSON documented in docs/json.md. */
void vp_plan_render(const struct vp_plan *p, struct vp_doc *doc);

/*
 * `status`: compares transaction t (its meta: devices, kernel_args, bind) with
 * the running host: arguments in /proc/cmdline, each device's driver,
 * /sys/module/vfio_pci, /dev/vfio/N and group viability, a reboot since the
 * transaction. Adds a checklist to doc; returns the number of failures.
 */
int vp_plan_status(struct vp_root *root, const struct vp_host *h, const struct vp_txn *t, struct vp_doc *doc);

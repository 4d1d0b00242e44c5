/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fallback boot entry: the way back from a black screen (docs/rescue.md).
 *
 * When apply changes kernel arguments it also leaves a boot entry that boots
 * the same kernel with passthrough off: without the arguments that hand the
 * cards to vfio-pci (vfio-pci.ids=, rd.driver.pre=vfio_pci) and with
 *
 *   module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci
 *
 * The modprobe.d file and the initramfs stay as apply left them, so vfio-pci
 * must be kept from loading at all: module_blacklist= is enforced by the
 * kernel on every load (softdep pre:, dracut force_drivers, an explicit
 * modprobe); modprobe.blacklist= and rd.driver.blacklist= are the modprobe
 * and dracut spellings, which only stop loads by alias. A failed softdep does
 * not stop the module that asked for it (kmod ignores softdep errors), so the
 * host GPU driver still loads and keeps the card.
 *
 * Per boot loader family (kernel-facts.md §5):
 *   grubby        `grubby --add-kernel` of the default entry's kernel with the
 *                 fallback's options and a title ending in "(passthrough off)";
 *                 undo: `grubby --remove-kernel=TITLE=...`
 *   systemd-boot  an extra entry file vfio-pilot-fallback.conf beside the
 *                 default entry: its copy with the options rewritten
 *   grub          /etc/grub.d/41_vfio-pilot-fallback, a generator that writes
 *                 one menu entry per installed kernel from GRUB_CMDLINE_LINUX,
 *                 then the grub.cfg regeneration (survives kernel updates)
 *   rpm-ostree    none possible (kernel arguments belong to a deployment): the
 *                 plan says so and the recipe points at the previous deployment
 *   kernelstub    none (kernelstub rewrites the entries it manages): the plan
 *                 says so and the recipe gives the one-boot edit
 */
#pragma once

#include <stdbool.h>

#include "distro.h"
#include "host.h"
#include "root.h"

struct vp_changeset;

/* What the fallback planner needs from the plan (plan.c fills it and takes warnings and notes back). */
struct vp_fallback_ctx {
	struct vp_changeset *cs;          /* the plan's changeset: the boot loader's changes are in it */
	struct vp_platform platform;
	bool no_bootloader;
	char *const *kargs;               /* the kernel arguments the plan adds */
	char **warnings, **notes;         /* added here; the caller frees them */
};

#define VP_FALLBACK_TITLE_SUFFIX "(passthrough off)"
#define VP_FALLBACK_GRUB_SCRIPT "etc/grub.d/41_vfio-pilot-fallback"
#define VP_FALLBACK_SDBOOT_ENTRY "vfio-pilot-fallback.conf"

/* The words the fallback adds (NULL-terminated). */
extern const char *const vp_fallback_add_words[];

/* True for a word the fallback drops: vfio-pci.ids=..., rd.driver.pre=vfio_pci, and the fallback's own words. */
bool vp_fallback_drops(const char *word);
/* The fallback's arguments for a command line: words minus the dropped ones (and BOOT_IMAGE=/initrd=),
 * plus vp_fallback_add_words. Newly allocated, never NULL on success. */
int vp_fallback_args(char *const *words, char ***ret);

/* True when the BLS entry file rel (under the root) is a fallback entry vfio-pilot made. */
bool vp_fallback_entry_is_ours(struct vp_root *root, const char *rel);

/*
 * Adds the fallback entry to the plan's changeset, after the boot loader's
 * changes (plan.c calls it from vp_plan_build), or a note why there is none
 * (already there; not possible with this boot loader). Never adds blockers. It
 * does not include plan.h: plan.c depends on it, not the other way round.
 */
void vp_fallback_plan(struct vp_fallback_ctx *p, struct vp_root *root);
/* The title of the fallback entry a changeset creates (newly allocated), or NULL when it creates none. */
char *vp_fallback_planned_title(struct vp_changeset *cs);

/* The /etc/grub.d generator's text (tests run it). */
const char *vp_fallback_grub_script(void);

/* The fallback entry on this host, as `status` and `recover` report it. */
struct vp_fallback {
	bool possible;      /* this boot loader can hold one */
	bool present;       /* it exists now */
	char *path;         /* logical path of the entry file or generator (NULL when none) */
	char *title;        /* title at the boot menu (grub: one per kernel, "<OS> <version> (passthrough off)") */
	char *kernel;       /* the kernel it boots (NULL: each installed kernel) */
	char **kernel_args; /* its kernel arguments (as loaded; grub: root=... ro plus GRUB_CMDLINE_LINUX) */
	char *note;         /* one line: why none, or a caveat (kernel updates, grub.cfg not regenerated) */
};
void vp_fallback_done(struct vp_fallback *f);

/* Fills f for boot loader b (the journal's, or the detected one). Returns 0 or -ENOMEM. */
int vp_fallback_inspect(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat,
			struct vp_fallback *f);

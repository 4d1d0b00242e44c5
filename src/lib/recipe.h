/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recovery recipe: the short way back from a black screen for this host's
 * boot loader (docs/rescue.md). plan, apply and status append it; `vfio-pilot
 * recover` prints it alone.
 *
 *   1. how to show the boot menu;
 *   2. pick the fallback entry (fallback.h), or edit the kernel line for one
 *      boot: remove the words that hand the cards to vfio-pci, add
 *      module_blacklist=vfio_pci modprobe.blacklist=vfio_pci rd.driver.blacklist=vfio_pci;
 *   3. then `sudo vfio-pilot undo`.
 *   No menu at all: undo from a live USB with --root.
 */
#pragma once

#include "distro.h"
#include "fallback.h"
#include "host.h"
#include "output.h"
#include "root.h"

struct vp_recipe {
	enum vp_bootloader bootloader;
	struct vp_fallback fallback;
	char *menu;        /* how to show the boot menu */
	char *pick;        /* how to pick the fallback entry (NULL when there is none) */
	char *edit;        /* how to edit the kernel line for one boot (NULL when the menu cannot edit) */
	char *edit_why_not;/* why not, when edit is NULL */
	char **remove;     /* words to remove for one boot */
	char **add;        /* words to add for one boot */
	char *then;        /* the command once booted */
	char *live_usb;    /* the last resort */
};

/*
 * Builds the recipe for plat's boot loader. kargs: the kernel arguments the
 * transaction (or plan) adds, so that the recipe names the exact words to
 * remove; NULL: the vfio words of the running command line, else a generic
 * "vfio-pci.ids=...". planned_title: the fallback entry a plan is about to
 * create (vp_fallback_planned_title), named when it is not there yet.
 * Returns 0 or -ENOMEM.
 */
int vp_recipe_build(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat, char *const *kargs,
		    const char *planned_title, struct vp_recipe *ret);
void vp_recipe_done(struct vp_recipe *r);

/* Adds the recipe to doc as one record, "recovery": its JSON (docs/json.md) and its numbered text steps. */
void vp_recipe_render(const struct vp_recipe *r, struct vp_doc *doc);

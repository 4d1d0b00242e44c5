/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handed-over set: which devices vfio-pilot has given to vfio-pci at
 * boot, as the host's desired state (issue 11 §3).
 *
 * The state is derived from the journal: every transaction records in its
 * meta the whole set after it ("devices"), what it added and removed, and the
 * kernel arguments vfio-pilot itself put into the boot configuration
 * ("kernel_args_owned"). Only the newest applied transaction can be undone
 * (changeset.c), so the newest one in state "applied" holds the current set;
 * undoing it makes the one before it current again.
 *
 * `apply B` after `apply A` plans the set {A, B}; `release A` plans {B}; a
 * plan for the empty set removes vfio-pilot's configuration entirely. The
 * kernel arguments of the previous set that the new set no longer wants
 * ("stale": vfio-pci.ids= with the old list, or everything on release of the
 * last device) are taken out of the boot configuration in the same
 * transaction, so its undo puts them back.
 */
#pragma once

#include <stdbool.h>

#include "host.h"
#include "root.h"

struct vp_plan;
struct vp_plan_opts;

struct vp_handover {
	char *txn;          /* the transaction that made the current set (NULL: nothing handed over) */
	char **devices;     /* the functions handed over (PCI addresses) */
	char **kargs_owned; /* kernel arguments vfio-pilot added to the boot configuration */
	bool iommu_pt;      /* the set was applied with --iommu-pt (meta "options"; older journals: iommu=pt owned) */
	char **blacklisted; /* the host drivers its --blacklist wrote (meta "options"."blacklisted") */
};
void vp_handover_done(struct vp_handover *s);

/*
 * The changeset of a "pin" transaction: rel created with content, the meta of the current set
 * carried over unchanged (devices, kernel_args_owned, options), action "pin". apply runs it
 * before a plan that creates /etc/kernel/cmdline (plan->pin_kernel_cmdline), so that undoing
 * that plan's transaction restores the host's own line instead of deleting the file.
 * 0 or -errno.
 */
struct vp_changeset;
int vp_handover_pin(struct vp_root *root, const char *rel, const char *content, struct vp_changeset **ret);

/* Reads the current set from the journal (empty when nothing is applied). 0 or -errno. */
int vp_handover_load(struct vp_root *root, struct vp_handover *ret);

/*
 * Merges the current set into a plan whose p->slots hold the selected cards:
 * apply adds them (p->slots/p->extra become the whole set), release takes
 * them out (o->release; a card outside the set gets a note and changes nothing).
 * Fills p->state_* and the options in force: iommu=pt (p->iommu_pt) when the command or the
 * current set's transaction asked for it, unless --no-iommu-pt; the blacklist of the current
 * set (p->state_blacklisted) unless --no-blacklist. So `apply B` keeps what `apply --iommu-pt
 * --blacklist A` chose, without blacklisting B's drivers, which only `apply --blacklist B` does.
 * Returns 0 or -errno.
 */
int vp_handover_merge(struct vp_plan *p, struct vp_root *root, const struct vp_host *h, const struct vp_plan_opts *o,
		      char **ret_err);

/*
 * After p->kargs is known: the owned arguments the new set drops
 * (p->kargs_stale) and those it will own (p->kargs_owned).
 */
void vp_handover_kargs(struct vp_plan *p, const struct vp_host *h);

/*
 * Takes p->kargs_stale out of the boot configuration: words removed from
 * /etc/default/grub (and grub.d), /etc/kernel/cmdline and (systemd-boot) the
 * BLS entries, or the boot loader tool's removal command with its inverse.
 * Runs before the boot loader's own edits, which then add the new arguments.
 */
void vp_handover_drop_stale(struct vp_plan *p, struct vp_root *root);

/* The plan for the empty set: removes the fallback entry and the files vfio-pilot owns. */
void vp_handover_teardown(struct vp_plan *p, struct vp_root *root);

/* Adds the set's meta (devices, cards, added, removed, kernel_args_owned, action) to the changeset. */
void vp_handover_meta(struct vp_plan *p, const struct vp_host *h);

/* text minus every whitespace-separated occurrence of the words on lines starting with prefix
 * (NULL: every line); one adjacent blank goes with each word. Newly allocated. */
char *vp_handover_drop_words(const char *text, const char *prefix, char *const *words);

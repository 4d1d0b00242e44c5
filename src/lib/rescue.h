/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Undo from a live USB: `vfio-pilot --root /mnt/sysroot undo` (docs/rescue.md).
 *
 * vp_rescue_check() refuses, with the reason, a directory that is not an
 * installed Linux root (no os-release, no usr/ or bin/, no kernel under boot/
 * or lib/modules/) or that holds no vfio-pilot journal.
 *
 * vp_rescue_enter() moves this process into a private mount namespace whose
 * root is a slave of this machine's (so nothing mounted or unmounted from
 * here on ever propagates back to the live system), then bind-mounts /proc,
 * /sys, /dev and /run into the root (MS_BIND|MS_REC, then MS_SLAVE|MS_REC on
 * each), so the boot loader and initramfs commands that undo runs chrooted
 * find them. vp_rescue_leave() unmounts them again, in reverse order; the
 * caller calls it on every path, also after a failed undo. Should the process
 * die in between, the namespace dies with it: the mounts never outlive it.
 */
#pragma once

#include <stdbool.h>

#include "root.h"

struct vp_rescue {
	char *root;      /* the root directory (absolute) */
	char **mounted;  /* mount points made, in order (absolute paths) */
	char **names;    /* the same as logical paths ("/proc") */
	bool ns;         /* a private mount namespace was entered */
};

/*
 * 0 when root is an installed Linux root with a vfio-pilot journal;
 * -ENOTDIR when it is not a Linux root, -ENOENT when the journal is missing,
 * each with *ret_reason (one line, newly allocated).
 */
int vp_rescue_check(struct vp_root *root, char **ret_reason);

/* Enters the namespace and binds the API file systems. On failure nothing stays mounted and *ret_err says why. */
int vp_rescue_enter(struct vp_root *root, struct vp_rescue *r, char **ret_err);
/* Unmounts what enter mounted. Returns 0, or the first -errno (with *ret_err) when an unmount failed. */
int vp_rescue_leave(struct vp_rescue *r, char **ret_err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running external commands (grubby, dracut, update-grub, ...) for a root.
 *
 * argv is executed directly (execvp, no shell, no interpolation). For the live
 * root ("/") the command runs on this machine. For any other root it runs
 * chrooted into that directory: the child process enters a private mount
 * namespace whose propagation is set to MS_REC|MS_SLAVE (so nothing reaches
 * this machine's mounts), mounts proc and bind-mounts /sys and /dev under the
 * root where those directories exist (dracut needs them, qemu-e2e.md pitfall
 * 6), then chroot(2)s and execs. The mounts vanish with the namespace when the
 * child exits: nothing is left mounted inside the tree. A command therefore
 * never touches this machine when --root names another directory.
 *
 * stdin is /dev/null; stdout and stderr are captured together (the last
 * VP_EXEC_OUTPUT_MAX bytes). The environment is fixed: PATH and LC_ALL=C.
 */
#pragma once

#include "root.h"

#define VP_EXEC_OUTPUT_MAX (64u * 1024u)

struct vp_exec_result {
	int status;     /* exit code 0..255; 128+N when killed by signal N */
	char *output;   /* captured stdout+stderr (tail), never NULL on success */
	bool chrooted;  /* ran chrooted into the root */
	bool mounted;   /* proc/sys/dev were mounted for it (namespace available) */
};

/*
 * Runs argv for root and waits for it. Returns 0 when the command ran (its
 * exit code is in ret->status, which may be non-zero), or a negative errno
 * when it could not be started (-ENOENT: no such program inside the root;
 * -EPERM: chroot not permitted).
 */
int vp_exec_run(struct vp_root *root, char *const argv[], struct vp_exec_result *ret);
void vp_exec_result_done(struct vp_exec_result *r);

/* argv joined for display, each word quoted when it holds shell specials. Newly allocated. */
char *vp_argv_format(char *const argv[]);

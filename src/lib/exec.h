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
 *
 * Process group: every command runs in a process group of its own (its pid is
 * the group id), and the parent-death signal of its first process is SIGKILL.
 * The child waits until the caller's started() hook has returned (the
 * changeset records pid, start time and boot id in the journal there) before
 * it runs anything, so a journal never misses a process that may write.
 * vp_exec_interrupt() (async-signal-safe, for a SIGTERM/SIGINT/SIGHUP
 * handler) kills the running group. vp_exec_reap() ends a group recorded by
 * an earlier, killed run and waits until no process of it is left.
 *
 * The process table read by vp_proc_*() is this machine's (/proc of the
 * running kernel, read directly, not through the root handle): the commands
 * ran on this machine, chrooted or not, and a tree's proc/ (a fixture or a
 * mounted installation) does not list them.
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

struct vp_exec_hooks {
	/* in the parent, once the child is in its group and before it execs; non-zero cancels the run
	 * (the child exits 127 without executing, vp_exec_run_hooks returns that value) */
	int (*started)(void *ud, pid_t pgid);
	/* each chunk of the command's output as it comes */
	void (*output)(void *ud, const char *data, size_t len);
	void *ud;
};
int vp_exec_run_hooks(struct vp_root *root, char *const argv[], const struct vp_exec_hooks *hooks,
		      struct vp_exec_result *ret);

/* Kills the process group of the command running now, if any (async-signal-safe). */
void vp_exec_interrupt(int sig);

/* Start time of pid (clock ticks since boot, /proc/PID/stat field 22): 0, or -ESRCH when it is gone. */
int vp_proc_start_time(pid_t pid, unsigned long long *ret);
/* This boot's id (/proc/sys/kernel/random/boot_id), newly allocated; NULL when unreadable. */
char *vp_proc_boot_id(void);
/*
 * A process group recorded by an earlier run (pgid, the start time of its first process, the boot
 * id): when it is of this boot and still has a live (not zombie) member, it is sent SIGKILL and
 * waited for (up to timeout_ms). Returns the number of processes that were found alive (0: none was
 * left), or -ETIMEDOUT when some are still there.
 */
int vp_exec_reap(pid_t pgid, unsigned long long start, const char *boot_id, int timeout_ms);
void vp_exec_result_done(struct vp_exec_result *r);

/* argv joined for display, each word quoted when it holds shell specials. Newly allocated. */
char *vp_argv_format(char *const argv[]);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* External commands, chrooted for a non-live root (see exec.h). */
#include "exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "util.h"

/* Codes the child reports over the status pipe before exec. */
enum { STAGE_CHROOT = 1, STAGE_EXEC = 2 };

static void child_fail(int fd, int stage, int err)
{
	int msg[2] = { stage, err };
	if (write(fd, msg, sizeof(msg)) < 0) {
		/* nothing else to do */
	}
	_exit(127);
}

static bool is_dir(const char *root, const char *sub)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, sub);
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* In the child, in its own mount namespace: proc, sys and dev for tools like dracut. */
static bool mount_api_fs(const char *root)
{
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return false;
	char p[4096];
	if (is_dir(root, "proc")) {
		snprintf(p, sizeof(p), "%s/proc", root);
		if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return false;
	}
	static const char *const binds[] = { "sys", "dev" };
	for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
		if (!is_dir(root, binds[i]))
			continue;
		snprintf(p, sizeof(p), "%s/%s", root, binds[i]);
		char src[8];
		snprintf(src, sizeof(src), "/%s", binds[i]);
		if (mount(src, p, NULL, MS_BIND | MS_REC, NULL) < 0 || mount(NULL, p, NULL, MS_REC | MS_SLAVE, NULL) < 0)
			return false;
	}
	return true;
}

static volatile sig_atomic_t running_pgid;

void vp_exec_interrupt(int sig)
{
	pid_t g = running_pgid;
	if (g > 0)
		kill(-g, sig);
}

int vp_exec_run(struct vp_root *root, char *const argv[], struct vp_exec_result *ret)
{
	return vp_exec_run_hooks(root, argv, NULL, ret);
}

int vp_exec_run_hooks(struct vp_root *root, char *const argv[], const struct vp_exec_hooks *hooks,
		      struct vp_exec_result *ret)
{
	*ret = (struct vp_exec_result){ .status = -1 };
	if (!argv || !argv[0])
		return -EINVAL;
	bool live = vp_root_is_live(root);
	const char *dir = vp_root_path(root);
	int out[2], st[2], go[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(st, O_CLOEXEC) < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		return e;
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		close(st[0]);
		close(st[1]);
		return e;
	}
	/* 1: the mount namespace worked (reported before exec). */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(out[0]);
		close(out[1]);
		close(st[0]);
		close(st[1]);
		close(go[0]);
		close(go[1]);
		return e;
	}
	if (pid == 0) {
		close(out[0]);
		close(st[0]);
		close(go[1]);
		setpgid(0, 0);
		/* a parent killed outright takes the command with it; its children are reaped by the next run */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* wait until the parent has recorded this group (journal); EOF without a byte: cancelled */
		char c;
		ssize_t gr;
		while ((gr = read(go[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (gr != 1)
			_exit(127);
		close(go[0]);
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			child_fail(st[1], STAGE_EXEC, errno);
		signal(SIGPIPE, SIG_DFL);
		if (!live) {
			int mounted = mount_api_fs(dir) ? 1 : 0;
			int msg[2] = { 0, mounted };
			if (write(st[1], msg, sizeof(msg)) < 0)
				_exit(127);
			if (chroot(dir) < 0 || chdir("/") < 0)
				child_fail(st[1], STAGE_CHROOT, errno);
		}
		static char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					      "LC_ALL=C", "HOME=/root", NULL };
		execvpe(argv[0], argv, envp);
		child_fail(st[1], STAGE_EXEC, errno);
	}
	close(out[1]);
	close(st[1]);
	close(go[0]);
	setpgid(pid, pid); /* also here: no window where the group does not exist yet */
	running_pgid = pid;
	int cancel = hooks && hooks->started ? hooks->started(hooks->ud, pid) : 0;
	if (!cancel && write(go[1], "g", 1) != 1)
		cancel = -EIO;
	close(go[1]);

	struct vp_buf buf = { 0 };
	char chunk[4096];
	for (;;) {
		ssize_t n = read(out[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (hooks && hooks->output)
			hooks->output(hooks->ud, chunk, (size_t)n);
		vp_buf_append(&buf, chunk, (size_t)n);
		if (buf.len > 2 * VP_EXEC_OUTPUT_MAX) { /* keep the tail */
			size_t drop = buf.len - VP_EXEC_OUTPUT_MAX;
			memmove(buf.data, buf.data + drop, buf.len - drop + 1);
			buf.len -= drop;
		}
	}
	close(out[0]);

	/* the group may outlive its first process (a daemonised helper): end it with the step, while the
	 * first process is a zombie still (its pid, the group id, cannot be reused before it is reaped) */
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);
	running_pgid = 0;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	int err = 0, msg[2];
	ssize_t n;
	while ((n = read(st[0], msg, sizeof(msg))) == (ssize_t)sizeof(msg)) {
		if (msg[0] == 0)
			ret->mounted = msg[1] == 1;
		else
			err = msg[1] > 0 ? -msg[1] : -EIO;
	}
	close(st[0]);
	if (cancel) {
		vp_buf_free(&buf);
		return cancel < 0 ? cancel : -ECANCELED;
	}
	if (err) {
		vp_buf_free(&buf);
		return err;
	}
	ret->chrooted = !live;
	ret->output = vp_buf_steal(&buf);
	if (!ret->output)
		return -ENOMEM;
	if (status == -1)
		ret->status = 255;
	else if (WIFEXITED(status))
		ret->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret->status = 128 + WTERMSIG(status);
	return 0;
}

/* Fields of /proc/PID/stat after the command name: state (field 3), pgrp (5), starttime (22). */
static int proc_stat(pid_t pid, char *ret_state, pid_t *ret_pgrp, unsigned long long *ret_start)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	char *r = strrchr(buf, ')');
	if (!r)
		return -EIO;
	char state = 0;
	int pgrp = 0;
	unsigned long long start = 0;
	/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
	 *  priority nice threads itrealvalue starttime" */
	if (sscanf(r + 1, " %c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &state,
		   &pgrp, &start) != 3)
		return -EIO;
	if (ret_state)
		*ret_state = state;
	if (ret_pgrp)
		*ret_pgrp = pgrp;
	if (ret_start)
		*ret_start = start;
	return 0;
}

int vp_proc_start_time(pid_t pid, unsigned long long *ret)
{
	return proc_stat(pid, NULL, NULL, ret);
}

char *vp_proc_boot_id(void)
{
	char buf[64];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

/* Live (not zombie) members of group pgid. */
static int group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		char state;
		pid_t g;
		if (proc_stat((pid_t)v, &state, &g, NULL) == 0 && g == pgid && state != 'Z' && state != 'X')
			n++;
	}
	closedir(d);
	return n;
}

int vp_exec_reap(pid_t pgid, unsigned long long start, const char *boot_id, int timeout_ms)
{
	if (pgid <= 1)
		return 0;
	_cleanup_free_ char *boot = vp_proc_boot_id();
	if (boot_id && boot && !streq(boot, boot_id))
		return 0; /* recorded in another boot: gone with it */
	unsigned long long s;
	/* a pid is not reused while a group of that id exists: a leader with another start time means the
	 * recorded group is gone */
	if (proc_stat(pgid, NULL, NULL, &s) == 0 && s != start)
		return 0;
	int found = group_alive(pgid);
	if (!found)
		return 0;
	for (int waited = 0;; waited += 10) {
		kill(-pgid, SIGKILL);
		if (!group_alive(pgid))
			return found;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

void vp_exec_result_done(struct vp_exec_result *r)
{
	free(r->output);
	r->output = NULL;
}

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!(strchr("-_./=:,+@%", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return true;
	return false;
}

char *vp_argv_format(char *const argv[])
{
	struct vp_buf b = { 0 };
	for (size_t i = 0; argv && argv[i]; i++) {
		if (i)
			vp_buf_puts(&b, " ");
		if (!needs_quote(argv[i])) {
			vp_buf_puts(&b, argv[i]);
			continue;
		}
		vp_buf_puts(&b, "'");
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				vp_buf_puts(&b, "'\\''");
			else
				vp_buf_append(&b, p, 1);
		}
		vp_buf_puts(&b, "'");
	}
	return vp_buf_steal(&b);
}

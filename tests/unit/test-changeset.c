/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the changeset and exec: diffs, atomic apply, the journal,
 * stale targets, rollback after a failing command, undo byte for byte,
 * idempotence, failed writes, recovery after a crash at every step and after
 * a real SIGKILL. Commands run chrooted into the test tree, where a static
 * busybox is /bin/sh and the tools are small recording scripts.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "changeset.h"
#include "exec.h"
#include "root.h"
#include "util.h"

static char *tree;

static void sh(const char *fmt, const char *a)
{
	char *cmd = vp_strdup_printf(fmt, a, a, a, a);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static const char *const standin =
	"#!/bin/sh\n"
	"n=${0##*/}\n"
	"{ printf '%s' \"$n\"; for a in \"$@\"; do printf ' <%s>' \"$a\"; done; printf '\\n'; } >> /calls.log\n"
	"[ -e \"/fail-$n\" ] && exit 3\n"
	"[ -e \"/kill-$n\" ] && kill -9 $PPID\n"
	"exit 0\n";

static void tool(const char *name)
{
	char *rel = vp_strdup_printf("usr/bin/%s", name);
	vp_test_write(tree, rel, standin);
	char *p = vp_strdup_printf("%s/%s", tree, rel);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
	free(rel);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/vp-test-XXXXXX";
	tree = strdup(mkdtemp(tmpl));
	vp_test_write(tree, "etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	vp_test_write(tree, "etc/modules", "# /etc/modules\nloop\n");
	vp_test_write(tree, "etc/hostname", "box\n");
	sh("mkdir -p %s/bin %s/var/lib && cp \"$(command -v busybox)\" %s/bin/sh", tree);
	tool("rebuild");
	tool("addargs");
	tool("delargs");
	tool("broken");
	return 0;
}

static int teardown(void **state)
{
	sh("rm -rf '%s'", tree);
	free(tree);
	return 0;
}

/* A listing of the whole tree (type, mode, content) except the journal and the call log. */
static void snap_dir(const char *base, const char *rel, struct vp_buf *out)
{
	char *path = vp_strdup_printf("%s/%s", base, rel);
	DIR *d = opendir(path);
	assert_non_null(d);
	char **names = NULL;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			vp_strv_push(&names, de->d_name);
	closedir(d);
	vp_strv_sort(names);
	for (size_t i = 0; names && names[i]; i++) {
		char *r = *rel ? vp_strdup_printf("%s/%s", rel, names[i]) : strdup(names[i]);
		if (streq(r, "var/lib/vfio-pilot") || streq(r, "calls.log") || vp_startswith(r, "fail-") || vp_startswith(r, "kill-")) {
			free(r);
			continue;
		}
		char *p = vp_strdup_printf("%s/%s", base, r);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		vp_buf_printf(out, "%s %o\n", r, (unsigned)st.st_mode);
		if (S_ISDIR(st.st_mode)) {
			snap_dir(base, r, out);
		} else if (S_ISREG(st.st_mode)) {
			char *c = vp_test_read(base, r);
			vp_buf_printf(out, "[%s]\n", c ? c : "");
			free(c);
		}
		free(p);
		free(r);
	}
	vp_strv_free(names);
	free(path);
}

static char *snapshot(void)
{
	struct vp_buf b = { 0 };
	snap_dir(tree, "", &b);
	return vp_buf_steal(&b);
}

static struct vp_root *open_root(void)
{
	struct vp_root *r = NULL;
	assert_int_equal(vp_root_open(tree, &r), 0);
	return r;
}

static void set(struct vp_changeset *cs, const char *rel, const char *content)
{
	assert_int_equal(vp_changeset_set_file(cs, rel, content, content ? strlen(content) : 0, 0644), 1);
}

/* The changeset the tests apply: modify, create in new directories, delete, and commands. */
static struct vp_changeset *sample(struct vp_root *root, bool failing)
{
	struct vp_changeset *cs = NULL;
	assert_int_equal(vp_changeset_new(root, &cs), 0);
	set(cs, "etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=10de:1e87\"\n");
	set(cs, "etc/new.d/sub/vfio.conf", "options vfio-pci ids=10de:1e87\n");
	set(cs, "etc/modules", NULL);
	assert_int_equal(vp_changeset_command(cs, (char *[]){ "addargs", "a b", NULL }, (char *[]){ "delargs", "a b", NULL }, 0,
					      "args"), 0);
	assert_int_equal(vp_changeset_command(cs, (char *[]){ "rebuild", "-k", "all", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
					      "rebuild"), 0);
	if (failing)
		assert_int_equal(vp_changeset_command(cs, (char *[]){ "broken", NULL }, NULL, 0, "fails"), 0);
	return cs;
}

static void test_diff(void **state)
{
	char *d = vp_diff_text("a\nb\nc\n", 6, "a\nB\nc\nd\n", 8, "/x", "/x");
	assert_string_equal(d, "--- /x\n+++ /x\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n");
	free(d);
	d = vp_diff_text(NULL, 0, "new\n", 4, "/dev/null", "/y");
	assert_string_equal(d, "--- /dev/null\n+++ /y\n@@ -0,0 +1,1 @@\n+new\n");
	free(d);
	d = vp_diff_text("x", 1, "x\n", 2, "/z", "/z");
	assert_string_equal(d, "--- /z\n+++ /z\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+x\n");
	free(d);
	/* two changes far apart: two hunks */
	d = vp_diff_text("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", 21, "0\n2\n3\n4\n5\n6\n7\n8\n9\n11\n", 21, "/w", "/w");
	assert_string_equal(d, "--- /w\n+++ /w\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+11\n");
	free(d);
}

static void test_exec_chrooted(void **state)
{
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_exec_result res;
	assert_int_equal(vp_exec_run(root, (char *[]){ "rebuild", "x y", "$HOME;", NULL }, &res), 0);
	assert_int_equal(res.status, 0);
	assert_true(res.chrooted);
	vp_exec_result_done(&res);
	char *log = vp_test_read(tree, "calls.log");
	assert_string_equal(log, "rebuild <x y> <$HOME;>\n"); /* no shell interpolation, log inside the tree */
	free(log);
	assert_int_equal(vp_exec_run(root, (char *[]){ "no-such-tool", NULL }, &res), -ENOENT);
	vp_test_write(tree, "fail-broken", "");
	assert_int_equal(vp_exec_run(root, (char *[]){ "broken", NULL }, &res), 0);
	assert_int_equal(res.status, 3);
	vp_exec_result_done(&res);
}

static void test_apply_and_undo_byte_for_byte(void **state)
{
	char *before = snapshot();
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = sample(root, false);
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), 0);
	assert_string_equal(rep.id, "0001");
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	char *g = vp_test_read(tree, "etc/default/grub");
	assert_string_equal(g, "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=10de:1e87\"\n");
	free(g);
	assert_null(vp_test_read(tree, "etc/modules"));
	char *n = vp_test_read(tree, "etc/new.d/sub/vfio.conf");
	assert_string_equal(n, "options vfio-pci ids=10de:1e87\n");
	free(n);

	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	assert_int_equal(vp_txn_load(root, NULL, &t), 0);
	assert_string_equal(t->state, "applied");
	assert_int_equal(t->created, 1000);
	assert_int_equal(t->n_changes, 5);

	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), 0);
	vp_txn_report_done(&rep);
	char *after = snapshot();
	assert_string_equal(before, after); /* the new directories are gone too */
	char *log = vp_test_read(tree, "calls.log");
	assert_string_equal(log, "addargs <a b>\nrebuild <-k> <all>\ndelargs <a b>\nrebuild <-k> <all>\n");
	free(log);
	vp_txn_free(t);
	t = NULL;
	assert_int_equal(vp_txn_load(root, "0001", &t), 0);
	assert_string_equal(t->state, "undone");
	assert_int_equal(vp_txn_undo(root, "0001", 3000, &rep), -EALREADY);
	vp_txn_report_done(&rep);
	free(before);
	free(after);
}

static void test_stale_target(void **state)
{
	char *before = NULL;
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = sample(root, false);
	vp_test_write(tree, "etc/default/grub", "GRUB_DEFAULT=1\n"); /* someone else edits it after the plan */
	before = snapshot();
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), -ESTALE);
	assert_string_equal(rep.stale_path, "/etc/default/grub");
	assert_null(rep.id);
	char *after = snapshot();
	assert_string_equal(before, after);
	assert_int_equal(vp_root_exists(root, VP_TXN_DIR), 0); /* not even a journal */
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	free(before);
	free(after);
}

static void test_rollback_when_command_fails(void **state)
{
	char *before = snapshot();
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = sample(root, true);
	vp_test_write(tree, "fail-broken", "");
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), -ECANCELED);
	assert_string_equal(rep.failed_step, "command 'broken' exited 3");
	char *after = snapshot();
	assert_string_equal(before, after);
	char *log = vp_test_read(tree, "calls.log");
	/* ran: addargs, rebuild, broken; rollback: the inverse of addargs, then the rebuild again */
	assert_string_equal(log, "addargs <a b>\nrebuild <-k> <all>\nbroken\ndelargs <a b>\nrebuild <-k> <all>\n");
	free(log);
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	assert_int_equal(vp_txn_load(root, NULL, &t), 0);
	assert_string_equal(t->state, "rolled-back");
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	free(before);
	free(after);
}

static void test_idempotent(void **state)
{
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = NULL;
	assert_int_equal(vp_changeset_new(root, &cs), 0);
	const char *same = "box\n";
	assert_int_equal(vp_changeset_set_file(cs, "etc/hostname", same, strlen(same), 0644), 0);
	assert_int_equal(vp_changeset_set_file(cs, "etc/absent", NULL, 0, 0644), 0);
	assert_true(vp_changeset_empty(cs));
	/* planning a change and then planning the original back cancels it */
	set(cs, "etc/hostname", "other\n");
	assert_int_equal(vp_changeset_set_file(cs, "etc/hostname", same, strlen(same), 0644), 0);
	assert_true(vp_changeset_empty(cs));
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), 0);
	assert_null(rep.id);
	assert_int_equal(vp_root_exists(root, VP_TXN_DIR), 0);
	vp_changeset_free(cs);
}

static void test_symlink_target_refused(void **state)
{
	sh("ln -s hostname %s/etc/link", tree);
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = NULL;
	assert_int_equal(vp_changeset_new(root, &cs), 0);
	assert_int_equal(vp_changeset_set_file(cs, "etc/link", "x\n", 2, 0644), -ELOOP);
	vp_changeset_free(cs);
}

/*
 * A write that fails after another file was replaced (a read-only bind mount:
 * readable, so the plan and the stale check pass, but EROFS on write): the
 * replaced file is restored and no temp file is left anywhere.
 */
static void test_failed_write_rolls_back(void **state)
{
	sh("mkdir -p %s/etc/ro && echo old > %s/etc/ro/file.conf", tree);
	char *mnt = vp_strdup_printf("mount --bind '%s/etc/ro' '%s/etc/ro' 2>/dev/null && mount -o remount,ro,bind '%s/etc/ro' '%s/etc/ro'",
				     tree, tree, tree, tree);
	if (system(mnt) != 0) {
		free(mnt);
		skip(); /* needs root and mount(2) */
	}
	free(mnt);
	char *before = snapshot();
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_changeset *cs = NULL;
	assert_int_equal(vp_changeset_new(root, &cs), 0);
	set(cs, "etc/hostname", "changed\n");
	set(cs, "etc/ro/file.conf", "new\n");
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	int e = vp_changeset_apply(cs, &o, &rep);
	char *um = vp_strdup_printf("umount '%s/etc/ro'", tree);
	assert_int_equal(system(um), 0);
	free(um);
	assert_int_equal(e, -ECANCELED);
	assert_string_equal(rep.failed_step, "writing /etc/ro/file.conf failed: Read-only file system");
	char *after = snapshot();
	assert_string_equal(before, after); /* hostname restored; no ".#NAME.vp*" temp in etc/ or etc/ro/ */
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	free(before);
	free(after);
}

/* RLIMIT_FSIZE makes the journal write fail (EFBIG): nothing may be touched, no temp left. */
static void test_journal_write_fails(void **state)
{
	char *before = snapshot();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 1024, 1024 };
		setrlimit(RLIMIT_FSIZE, &rl);
		struct vp_root *root = NULL;
		if (vp_root_open(tree, &root) < 0)
			_exit(10);
		struct vp_changeset *cs = NULL;
		vp_changeset_new(root, &cs);
		char *big = malloc(8192);
		memset(big, 'x', 8191);
		big[8191] = '\n';
		if (vp_changeset_set_file(cs, "etc/hostname", big, 8192, 0644) != 1)
			_exit(11);
		struct vp_txn_report rep = { 0 };
		struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
		int e = vp_changeset_apply(cs, &o, &rep);
		_exit(e == -EFBIG ? 0 : 12);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* the partial journal is removed again; no temp file of etc/hostname is left */
	char *txn = vp_strdup_printf("%s/" VP_TXN_DIR "/0001", tree);
	assert_int_equal(access(txn, F_OK), -1);
	free(txn);
	char *ls = vp_strdup_printf("ls -a %s/etc | grep -c '^\\.#' || true", tree);
	FILE *f = popen(ls, "r");
	char buf[16] = "";
	assert_non_null(fgets(buf, sizeof(buf), f));
	pclose(f);
	free(ls);
	assert_string_equal(buf, "0\n");
}

/* A crash after every step in turn: recovery restores the tree exactly. */
static void test_crash_at_every_step(void **state)
{
	char *pristine = vp_strdup_printf("%s.pristine", tree);
	char *cmd = vp_strdup_printf("cp -a '%s' '%s'", tree, pristine);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	char *before = snapshot();
	for (int k = 0; k < 8; k++) {
		cmd = vp_strdup_printf("rm -rf '%s' && cp -a '%s' '%s'", tree, pristine, tree);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		struct vp_root *root = open_root();
		struct vp_changeset *cs = sample(root, false);
		struct vp_txn_report rep = { 0 };
		struct vp_apply_opts o = { .now = 1000, .crash_after = k };
		int e = vp_changeset_apply(cs, &o, &rep);
		vp_txn_report_done(&rep);
		vp_changeset_free(cs);
		if (e == 0) { /* past the last step: nothing to recover; undo instead */
			assert_true(k >= 6);
			assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), 0);
		} else {
			assert_int_equal(e, -EINTR);
			_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
			assert_int_equal(vp_txn_load(root, NULL, &t), 0);
			assert_true(vp_txn_state_unfinished(t->state));
			assert_int_equal(vp_txn_recover(root, 2000, &rep), 1);
			assert_string_equal(rep.recovered[0], "0001");
		}
		vp_txn_report_done(&rep);
		char *after = snapshot();
		assert_string_equal(before, after);
		free(after);
		/* recovered or undone: nothing is left unfinished */
		assert_int_equal(vp_txn_recover(root, 3000, &rep), 0);
		vp_txn_report_done(&rep);
		vp_root_free(root);
	}
	cmd = vp_strdup_printf("rm -rf '%s'", pristine);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(pristine);
	free(before);
}

/* A real SIGKILL of the applying process, from inside a command; the next run recovers. */
static void test_killed_then_recovered(void **state)
{
	char *before = snapshot();
	vp_test_write(tree, "kill-rebuild", "");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vp_root *root = NULL;
		if (vp_root_open(tree, &root) < 0)
			_exit(10);
		struct vp_changeset *cs = sample(root, false);
		struct vp_txn_report rep = { 0 };
		struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
		vp_changeset_apply(cs, &o, &rep);
		_exit(0); /* not reached: rebuild kills us */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	assert_int_equal(vp_txn_load(root, NULL, &t), 0);
	assert_string_equal(t->state, "applying");
	unlink(vp_strdup_printf("%s/kill-rebuild", tree));
	struct vp_txn_report rep = { 0 };
	assert_int_equal(vp_txn_recover(root, 2000, &rep), 1);
	vp_txn_report_done(&rep);
	char *after = snapshot();
	assert_string_equal(before, after);
	char *log = vp_test_read(tree, "calls.log");
	assert_string_equal(log, "addargs <a b>\nrebuild <-k> <all>\ndelargs <a b>\nrebuild <-k> <all>\n");
	free(log);
	free(before);
	free(after);
}

/* A real SIGKILL of the undoing process (from inside its rebuild): the state is "undoing", and
 * recovery finishes the undo byte for byte. */
static void test_killed_undo_then_finished(void **state)
{
	char *before = snapshot();
	{
		_cleanup_(vp_root_freep) struct vp_root *root = open_root();
		struct vp_changeset *cs = sample(root, false);
		struct vp_txn_report rep = { 0 };
		struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
		assert_int_equal(vp_changeset_apply(cs, &o, &rep), 0);
		vp_txn_report_done(&rep);
		vp_changeset_free(cs);
	}
	vp_test_write(tree, "kill-rebuild", "");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vp_root *root = NULL;
		if (vp_root_open(tree, &root) < 0)
			_exit(10);
		struct vp_txn_report rep = { 0 };
		vp_txn_undo(root, NULL, 2000, &rep);
		_exit(0); /* not reached: the rebuild kills us */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	assert_int_equal(vp_txn_load(root, "0001", &t), 0);
	assert_string_equal(t->state, "undoing");
	assert_true(t->run_pid > 0); /* the rebuild's process group is in the journal */
	char *k = vp_strdup_printf("%s/kill-rebuild", tree);
	unlink(k);
	free(k);
	struct vp_txn_report rep = { 0 };
	assert_int_equal(vp_txn_recover(root, 3000, &rep), 1);
	assert_non_null(rep.finished_undo);
	assert_string_equal(rep.finished_undo[0], "0001");
	assert_null(rep.recovered);
	vp_txn_report_done(&rep);
	vp_txn_free(t);
	t = NULL;
	assert_int_equal(vp_txn_load(root, "0001", &t), 0);
	assert_string_equal(t->state, "undone");
	assert_int_equal(t->run_pid, 0);
	char *after = snapshot();
	assert_string_equal(before, after);
	/* nothing left to do: a second recovery finds nothing, undo has nothing applied */
	assert_int_equal(vp_txn_recover(root, 3000, &rep), 0);
	vp_txn_report_done(&rep);
	assert_int_equal(vp_txn_undo(root, NULL, 3000, &rep), -ENOENT);
	vp_txn_report_done(&rep);
	free(before);
	free(after);
}

/* The rebuild fails in apply and again in the rollback: rollback-failed; undo retries what is left. */
static void test_rollback_failed_then_undo(void **state)
{
	char *before = snapshot();
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	vp_test_write(tree, "fail-rebuild", "");
	struct vp_changeset *cs = sample(root, false);
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), -ENOTRECOVERABLE);
	assert_non_null(rep.rollback_errors);
	assert_string_equal(rep.rollback_errors[0], "command 'rebuild -k all' exited 3");
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	assert_int_equal(vp_txn_load(root, "0001", &t), 0);
	assert_string_equal(t->state, "rollback-failed");
	/* still failing: refused honestly, still rollback-failed */
	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), -ECANCELED);
	vp_txn_report_done(&rep);
	char *f = vp_strdup_printf("%s/fail-rebuild", tree);
	unlink(f);
	free(f);
	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), 0);
	assert_string_equal(rep.id, "0001");
	vp_txn_report_done(&rep);
	vp_txn_free(t);
	t = NULL;
	assert_int_equal(vp_txn_load(root, "0001", &t), 0);
	assert_string_equal(t->state, "rolled-back");
	char *after = snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* vp_exec_reap ends a recorded group (also its members after the first process is gone), and leaves
 * a group alone whose recorded start time does not match (the pid was reused). */
static void test_reap_group(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		if (fork() == 0) { /* a helper in the same group */
			close(p[0]);
			close(p[1]);
			for (;;)
				pause();
		}
		close(p[0]);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	setpgid(pid, pid);
	unsigned long long start = 0;
	assert_int_equal(vp_proc_start_time(pid, &start), 0);
	_cleanup_free_ char *boot = vp_proc_boot_id();
	assert_non_null(boot);
	assert_int_equal(vp_exec_reap(pid, start + 1, boot, 1000), 0); /* another process's group: untouched */
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(vp_exec_reap(pid, start, "another-boot", 1000), 0); /* another boot: gone with it */
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(vp_exec_reap(pid, start, boot, 5000), 2); /* both found alive and ended */
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(vp_exec_reap(pid, start, boot, 1000), 0);
}

static void test_undo_refusals(void **state)
{
	_cleanup_(vp_root_freep) struct vp_root *root = open_root();
	struct vp_txn_report rep = { 0 };
	struct vp_apply_opts o = { .now = 1000, .crash_after = -1 };
	struct vp_changeset *cs = sample(root, false);
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), 0);
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	/* a second transaction on top */
	assert_int_equal(vp_changeset_new(root, &cs), 0);
	set(cs, "etc/hostname", "second\n");
	assert_int_equal(vp_changeset_apply(cs, &o, &rep), 0);
	assert_string_equal(rep.id, "0002");
	vp_txn_report_done(&rep);
	vp_changeset_free(cs);
	assert_int_equal(vp_txn_undo(root, "0001", 2000, &rep), -EBUSY);
	assert_string_equal(rep.failed_step, "0002");
	vp_txn_report_done(&rep);
	/* a file changed since the transaction wrote it: undo refuses and leaves it */
	vp_test_write(tree, "etc/hostname", "edited by hand\n");
	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), -ESTALE);
	assert_string_equal(rep.stale_path, "/etc/hostname");
	vp_txn_report_done(&rep);
	char *h = vp_test_read(tree, "etc/hostname");
	assert_string_equal(h, "edited by hand\n");
	free(h);
	/* put back what it wrote: undo works, in order */
	vp_test_write(tree, "etc/hostname", "second\n");
	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), 0);
	assert_string_equal(rep.id, "0002");
	vp_txn_report_done(&rep);
	assert_int_equal(vp_txn_undo(root, NULL, 2000, &rep), 0);
	assert_string_equal(rep.id, "0001");
	vp_txn_report_done(&rep);
	struct vp_txn **v = NULL;
	size_t n = 0;
	assert_int_equal(vp_txn_list(root, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->state, "undone");
	assert_string_equal(v[1]->state, "undone");
	vp_txn_list_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test_setup_teardown(test_exec_chrooted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_and_undo_byte_for_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_when_command_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_target_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_at_every_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_then_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_undo_then_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_failed_then_undo, setup, teardown),
		cmocka_unit_test(test_reap_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the log sources (see diagnose-sources.h). Uses root (every path
 * goes through it), journal and kmsg (readers that hand on messages), and the
 * engine (the sink).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose-sources.h"
#include "journal.h"
#include "kmsg.h"
#include "snapshot.h"

void vp_diag_sources_add(struct vp_diag_sources *ss, const char *name, const char *status, unsigned long lines,
			 char *note)
{
	if (ss->n >= VP_DIAG_MAX_SOURCES) {
		free(note);
		return;
	}
	ss->s[ss->n++] = (struct vp_diag_source){ .name = strdup(name), .status = status, .lines = lines, .note = note };
}

void vp_diag_sources_free(struct vp_diag_sources *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->s[i].name);
		free(ss->s[i].note);
	}
	ss->n = 0;
}

/* The note for a read that stopped early. */
static char *stop_note(int r)
{
	if (r == VP_DIAG_STOP_SIZE)
		return vp_strdup_printf("stopped after the first %llu MiB, the size limit; the rest was not read",
					(unsigned long long)(VP_DIAG_MAX_INPUT >> 20));
	return NULL;
}

int vp_diag_read_file(struct vp_diag *d, const char *path, struct vp_diag_sources *ss, char **ret_error)
{
	*ret_error = NULL;
	bool std = streq(path, "-");
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		*ret_error = vp_strdup_printf("cannot open '%s': %s; give a readable log file or '-' for standard input",
					      path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!std)
			close(fd);
		*ret_error = vp_strdup_printf("'%s' is a directory; give a log file", path);
		return -EISDIR;
	}
	unsigned long before = vp_diag_stats(d)->lines;
	int r = vp_diag_feed_fd(d, path, fd);
	if (!std)
		close(fd);
	if (r < 0) {
		*ret_error = vp_strdup_printf("cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	if (r == VP_DIAG_STOP_BINARY) {
		*ret_error = vp_strdup_printf("'%s' is not a text log (control bytes, or no line break in its first MiB); "
					      "give the output of dmesg, journalctl or a libvirt/QEMU log",
					      path);
		return -EBADMSG;
	}
	vp_diag_sources_add(ss, path, "read", vp_diag_stats(d)->lines - before, stop_note(r));
	return 0;
}

/* Feeds an fd opened through the root and lists it. */
static void feed_listed(struct vp_diag *d, const char *name, int fd, struct vp_diag_sources *ss)
{
	unsigned long before = vp_diag_stats(d)->lines;
	int r = vp_diag_feed_fd(d, name, fd);
	close(fd);
	if (r < 0)
		vp_diag_sources_add(ss, name, "unreadable", vp_diag_stats(d)->lines - before, strdup(strerror(-r)));
	else if (r == VP_DIAG_STOP_BINARY)
		vp_diag_sources_add(ss, name, "unreadable", vp_diag_stats(d)->lines - before,
				    strdup("not a text log (control bytes, or no line break in its first MiB)"));
	else
		vp_diag_sources_add(ss, name, "read", vp_diag_stats(d)->lines - before, stop_note(r));
}

/* A kernel log stored in a root tree: vfio-pilot snapshot's copy, or a fixture's dev/kmsg as a plain file. */
static void feed_stored_kmsg(struct vp_root *root, struct vp_diag *d, struct vp_diag_sources *ss)
{
	static const char *const rels[] = { VP_SNAPSHOT_KMSG, "dev/kmsg" };
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		struct stat st;
		if (vp_root_stat(root, rels[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_free_ char *name = vp_strdup_printf("/%s", rels[i]);
		int fd = vp_root_openat(root, rels[i], O_RDONLY | O_NONBLOCK, 0);
		if (!name || fd < 0) {
			vp_diag_sources_add(ss, name ? name : rels[i], "unreadable", 0,
					    fd < 0 ? strdup(strerror(-fd)) : NULL);
			if (fd >= 0)
				close(fd);
			continue;
		}
		feed_listed(d, name, fd, ss);
		return; /* the snapshot's copy already holds dev/kmsg */
	}
}

struct kmsg_feed {
	struct vp_diag *d;
	unsigned long lineno;
};

static int kmsg_record(void *ud, const char *rec, size_t len)
{
	struct kmsg_feed *k = ud;
	return vp_diag_feed_line(k->d, "/dev/kmsg", ++k->lineno, rec, len);
}

static void feed_live_kmsg(struct vp_root *root, struct vp_diag *d, struct vp_diag_sources *ss)
{
	struct kmsg_feed k = { .d = d };
	long n = vp_kmsg_read(root, kmsg_record, &k);
	if (n < 0)
		vp_diag_sources_add(ss, "/dev/kmsg", "unreadable", 0,
				    vp_strdup_printf("%s%s", strerror((int)-n),
						     n == -EPERM || n == -EACCES ? " (kernel.dmesg_restrict: run as root)"
										 : ""));
	else
		vp_diag_sources_add(ss, "/dev/kmsg", "read", (unsigned long)n, NULL);
}

static void feed_qemu_logs(struct vp_root *root, struct vp_diag *d, struct vp_diag_sources *ss)
{
	_cleanup_strv_free_ char **names = NULL;
	int e = vp_root_list(root, "var/log/libvirt/qemu", &names);
	if (e < 0) {
		vp_diag_sources_add(ss, "/var/log/libvirt/qemu", e == -ENOENT ? "missing" : "unreadable", 0,
				    e == -ENOENT ? NULL : strdup(strerror(-e)));
		return;
	}
	size_t found = 0;
	for (size_t i = 0; names && names[i]; i++) {
		size_t l = strlen(names[i]);
		if (l < 5 || !streq(names[i] + l - 4, ".log"))
			continue;
		found++;
		_cleanup_free_ char *rel = vp_strdup_printf("var/log/libvirt/qemu/%s", names[i]);
		_cleanup_free_ char *name = vp_strdup_printf("/var/log/libvirt/qemu/%s", names[i]);
		if (!rel || !name)
			continue;
		int fd = vp_root_openat(root, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
		struct stat st;
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -EINVAL;
		}
		if (fd < 0) {
			vp_diag_sources_add(ss, name, "unreadable", 0, strdup(strerror(fd == -1 ? errno : -fd)));
			continue;
		}
		feed_listed(d, name, fd, ss);
	}
	if (!found)
		vp_diag_sources_add(ss, "/var/log/libvirt/qemu", "empty", 0, strdup("no *.log files"));
}

static int journal_message(void *ud, unsigned long entry, const char *ident, const char *msg, size_t len)
{
	return vp_diag_feed_message(ud, "journal", entry, ident, msg, len);
}

int vp_diag_read_default(struct vp_root *root, int boot, struct vp_diag *d, struct vp_diag_sources *ss)
{
	unsigned long n = 0;
	char *note = NULL;
	int e = vp_journal_read(root, boot, journal_message, d, &n, &note);
	unsigned long journal_lines = e < 0 ? 0 : n;
	if (e == -ENXIO) {
		free(note);
		return e;
	}
	if (e == -ENOENT) {
		vp_diag_sources_add(ss, "journal", "missing", 0, NULL);
		free(note);
	} else if (e < 0) {
		vp_diag_sources_add(ss, "journal", "unreadable", 0,
				    note ? note : strdup(e == -EBADMSG ? "truncated or corrupt" : strerror(-e)));
	} else {
		vp_diag_sources_add(ss, "journal", "read", n, note);
	}
	if (!vp_root_is_live(root))
		feed_stored_kmsg(root, d, ss);
	/* No journal, or one without this boot's kernel messages (journald not running, a minimal VM or
	 * container): the kernel's own buffer has them. */
	if (vp_root_is_live(root) && boot == 0 && journal_lines == 0)
		feed_live_kmsg(root, d, ss);
	feed_qemu_logs(root, d, ss);
	return 0;
}

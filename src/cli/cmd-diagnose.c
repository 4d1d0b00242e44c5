/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-pilot diagnose [--file PATH|-]... [--boot N] [--no-host]: explains passthrough failures from the
 * kernel journal, the libvirt units and the QEMU logs (or from text files), joined with the host model.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/diagnose.h"
#include "../lib/journal.h"
#include "../lib/kmsg.h"
#include "../lib/snapshot.h"
#include "../lib/util.h"

#define MAX_SOURCES 64

struct sources {
	struct vp_diag_source s[MAX_SOURCES];
	size_t n;
};

static void add_source(struct sources *ss, const char *name, const char *status, unsigned long lines, char *note)
{
	if (ss->n >= MAX_SOURCES) {
		free(note);
		return;
	}
	ss->s[ss->n++] = (struct vp_diag_source){ .name = strdup(name), .status = status, .lines = lines, .note = note };
}

static void free_sources(struct sources *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->s[i].name);
		free(ss->s[i].note);
	}
}

static int usage_help(void)
{
	printf("usage: vfio-pilot [--root DIR] [--json] diagnose [--file PATH|-]... [--boot N] [--no-host]\n\n"
	       "Explains passthrough failures found in the logs: by default this boot's kernel messages and the\n"
	       "libvirtd/virtqemud units from the systemd journal (DIR/var/log/journal with --root), plus\n"
	       "/var/log/libvirt/qemu/*.log; with --root also a stored kernel log (DIR/var/log/vfio-pilot-kmsg.txt\n"
	       "from vfio-pilot snapshot, or DIR/dev/kmsg when it is a plain file).\n\n"
	       "  --file PATH   read log text instead (dmesg, journalctl, syslog, /dev/kmsg, QEMU, libvirt, virsh);\n"
	       "                '-' reads standard input; may be repeated\n"
	       "  --boot N      journal boot: 0 current (default), -1 previous, N>0 the Nth from the oldest\n"
	       "  --no-host     do not join the findings with the host model\n"
	       "  --patterns    print the catalog's regular expressions (grep -E -f syntax) and exit\n\n"
	       "Exit codes: 0 no error found, 1 an error was diagnosed, 2 usage or unreadable input.\n");
	return VP_EXIT_OK;
}

/* Feeds one text file; returns 0 or a CLI exit code (unreadable input). */
static int feed_file(struct vp_diag *d, const char *path, struct sources *ss)
{
	int fd = streq(path, "-") ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		vp_cli_error("diagnose: cannot open '%s': %s; give a readable log file or '-' for standard input", path,
			     strerror(errno));
		return VP_EXIT_USAGE;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		vp_cli_error("diagnose: '%s' is a directory; give a log file", path);
		return VP_EXIT_USAGE;
	}
	unsigned long before = vp_diag_stats(d)->lines;
	int e = vp_diag_feed_fd(d, path, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (e < 0) {
		vp_cli_error("diagnose: cannot read '%s': %s", path, strerror(-e));
		return VP_EXIT_USAGE;
	}
	add_source(ss, path, "read", vp_diag_stats(d)->lines - before, NULL);
	return 0;
}

/* A kernel log stored in a root tree: vfio-pilot snapshot's copy, or a fixture's dev/kmsg as a plain file. */
static void feed_stored_kmsg(struct vp_root *root, struct vp_diag *d, struct sources *ss)
{
	static const char *const rels[] = { VP_SNAPSHOT_KMSG, "dev/kmsg" };
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		struct stat st;
		if (vp_root_stat(root, rels[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_free_ char *name = vp_strdup_printf("/%s", rels[i]);
		int fd = vp_root_openat(root, rels[i], O_RDONLY | O_NONBLOCK, 0);
		if (!name || fd < 0) {
			add_source(ss, name ? name : rels[i], "unreadable", 0, fd < 0 ? strdup(strerror(-fd)) : NULL);
			if (fd >= 0)
				close(fd);
			continue;
		}
		unsigned long before = vp_diag_stats(d)->lines;
		int e = vp_diag_feed_fd(d, name, fd);
		close(fd);
		add_source(ss, name, e < 0 ? "unreadable" : "read", vp_diag_stats(d)->lines - before,
			   e < 0 ? strdup(strerror(-e)) : NULL);
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

static void feed_live_kmsg(struct vp_root *root, struct vp_diag *d, struct sources *ss)
{
	struct kmsg_feed k = { .d = d };
	long n = vp_kmsg_read(root, kmsg_record, &k);
	if (n < 0)
		add_source(ss, "/dev/kmsg", "unreadable", 0,
			   vp_strdup_printf("%s%s", strerror((int)-n),
					    n == -EPERM || n == -EACCES ? " (kernel.dmesg_restrict: run as root)" : ""));
	else
		add_source(ss, "/dev/kmsg", "read", (unsigned long)n, NULL);
}

static void feed_qemu_logs(struct vp_root *root, struct vp_diag *d, struct sources *ss)
{
	_cleanup_strv_free_ char **names = NULL;
	int e = vp_root_list(root, "var/log/libvirt/qemu", &names);
	if (e < 0) {
		add_source(ss, "/var/log/libvirt/qemu", e == -ENOENT ? "missing" : "unreadable", 0,
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
			add_source(ss, name, "unreadable", 0, strdup(strerror(fd == -1 ? errno : -fd)));
			continue;
		}
		unsigned long before = vp_diag_stats(d)->lines;
		e = vp_diag_feed_fd(d, name, fd);
		close(fd);
		add_source(ss, name, e < 0 ? "unreadable" : "read", vp_diag_stats(d)->lines - before,
			   e < 0 ? strdup(strerror(-e)) : NULL);
	}
	if (!found)
		add_source(ss, "/var/log/libvirt/qemu", "empty", 0, strdup("no *.log files"));
}

int cmd_diagnose(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "boot", required_argument, NULL, 'b' },
		{ "no-host", no_argument, NULL, 'H' },
		{ "patterns", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *files[MAX_SOURCES];
	size_t n_files = 0;
	int boot = 0;
	bool boot_given = false, no_host = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "f:b:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'f':
			if (n_files >= MAX_SOURCES) {
				vp_cli_error("diagnose: at most %d --file options", MAX_SOURCES);
				return VP_EXIT_USAGE;
			}
			files[n_files++] = optarg;
			break;
		case 'b': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < INT_MIN / 2 || v > INT_MAX / 2) {
				vp_cli_error("diagnose: --boot wants a number such as 0, -1 or 2, not '%s'", optarg);
				return VP_EXIT_USAGE;
			}
			boot = (int)v;
			boot_given = true;
			break;
		}
		case 'H':
			no_host = true;
			break;
		case 'P':
			/* the catalog's regexes for grep -E -f (bench/diagnose) */
			return vp_diag_write_patterns(stdout) < 0 || fflush(stdout) ? VP_EXIT_USAGE : VP_EXIT_OK;
		case 'h':
			return usage_help();
		default:
			vp_cli_error("diagnose: unknown option '%s'", argv[optind - 1]);
			return vp_cli_usage("diagnose");
		}
	}
	if (optind < argc) {
		vp_cli_error("diagnose: unexpected argument '%s'; logs are given with --file", argv[optind]);
		return vp_cli_usage("diagnose");
	}
	if (boot_given && n_files) {
		vp_cli_error("diagnose: --boot selects a journal boot and cannot be combined with --file");
		return VP_EXIT_USAGE;
	}

	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(o->root, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_diag_freep) struct vp_diag *d = NULL;
	e = vp_diag_new(&d);
	if (e < 0) {
		vp_cli_error("diagnose: cannot set up the pattern catalog: %s", strerror(-e));
		return VP_EXIT_USAGE;
	}
	struct sources ss = { .n = 0 };
	int r = 0;
	if (n_files) {
		for (size_t i = 0; i < n_files && !r; i++)
			r = feed_file(d, files[i], &ss);
	} else {
		unsigned long n = 0;
		char *note = NULL;
		e = vp_journal_feed(root, boot, d, &n, &note);
		unsigned long journal_lines = e < 0 ? 0 : n;
		if (e == -ENXIO) {
			vp_cli_error("diagnose: the journal has no boot %d; journalctl --list-boots shows the boots", boot);
			r = VP_EXIT_USAGE;
		} else if (e < 0) {
			add_source(&ss, "journal", e == -ENOENT ? "missing" : "unreadable", 0,
				   e == -ENOENT ? NULL : strdup(strerror(-e)));
		} else {
			add_source(&ss, "journal", "read", n, note);
			note = NULL;
		}
		free(note);
		if (!r && !vp_root_is_live(root))
			feed_stored_kmsg(root, d, &ss);
		/* No journal, or one without this boot's kernel messages (journald not running,
		 * a minimal VM or container): the kernel's own buffer has them. */
		if (!r && vp_root_is_live(root) && boot == 0 && journal_lines == 0)
			feed_live_kmsg(root, d, &ss);
		if (!r)
			feed_qemu_logs(root, d, &ss);
	}
	if (r) {
		free_sources(&ss);
		return r;
	}

	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	if (!no_host && vp_host_load(root, 0, &h) < 0)
		h = NULL;
	if (vp_diag_finish(d, h) < 0) {
		free_sources(&ss);
		vp_cli_error("diagnose: out of memory");
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_diag_render(d, ss.s, ss.n, doc);
	free_sources(&ss);
	r = vp_cli_render(o, doc);
	return r ? r : vp_diag_has_error(d) ? VP_EXIT_FAIL : VP_EXIT_OK;
}

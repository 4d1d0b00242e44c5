/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot snapshot OUT.tar.gz: what the loader reads, plus the kernel log, as a sysroot archive. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/snapshot.h"
#include "../lib/util.h"

int cmd_snapshot(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("snapshot", argc, argv);
	if (r >= 0)
		return r;
	if (argc != 2 || !*argv[1]) {
		vp_cli_error("snapshot: give one output file, e.g. vfio-pilot snapshot host.tar.gz");
		return vp_cli_usage("snapshot");
	}
	const char *out = argv[1];
	struct stat st;
	if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		vp_cli_error("snapshot: %s exists and is not a regular file; give a new file name", out);
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, 0, &root, &h);
	if (r)
		return r;

	/* Atomic: a temporary file next to OUT, fsync, then rename over it. */
	_cleanup_free_ char *dcopy = strdup(out);
	_cleanup_free_ char *tmp = dcopy ? vp_strdup_printf("%s/.%s.XXXXXX", dirname(dcopy), strrchr(out, '/') ? strrchr(out, '/') + 1 : out) : NULL;
	if (!tmp) {
		vp_cli_error("snapshot: out of memory");
		return VP_EXIT_USAGE;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vp_cli_error("snapshot: cannot create a file next to %s: %s", out, strerror(errno));
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_snapshot_stats_done) struct vp_snapshot_stats s = { 0 };
	int e = vp_snapshot_write(root, h, fd, &s);
	if (!e && fchmod(fd, 0644) < 0)
		e = -errno;
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, out) < 0)
		e = -errno;
	if (e) {
		unlink(tmp);
		if (s.error)
			vp_cli_error("snapshot: cannot write %s: %s at %s", out, strerror(-e), s.error);
		else
			vp_cli_error("snapshot: cannot write %s: %s", out, strerror(-e));
		return VP_EXIT_USAGE;
	}
	if (s.kmsg_error)
		fprintf(stderr, "vfio-pilot: snapshot: kernel log not included (/dev/kmsg: %s; run as root to include it)\n",
			strerror(-s.kmsg_error));
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	json_object *rec = vp_doc_record(doc, "snapshot", NULL);
	vp_row_str(rec, "file", out);
	vp_row_int(rec, "files", (long long)s.files);
	vp_row_int(rec, "links", (long long)s.links);
	vp_row_int(rec, "directories", (long long)s.dirs);
	vp_row_int(rec, "skipped", (long long)s.skipped);
	vp_row_int(rec, "kmsg_lines", (long long)s.kmsg_lines);
	vp_doc_json(doc, "notes", vp_json_strv(s.notes));
	if (s.notes) {
		_cleanup_free_ char *all = vp_strv_join(s.notes, "\n  ");
		vp_doc_text(doc, "Entries skipped or stored as they are:\n  %s", all);
	}
	vp_doc_text(doc, "Unpack it (mkdir DIR && tar xzf %s -C DIR) and run: vfio-pilot --root DIR list", out);
	r = vp_cli_render(o, doc);
	if (r)
		return r;
	return VP_EXIT_OK;
}

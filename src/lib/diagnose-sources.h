/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the log sources: which logs to read and how. By default the
 * journal's boot (journal.h), on the live host the kernel's buffer when the
 * journal has none of this boot (kmsg.h), a stored kernel log in a root
 * tree, and /var/log/libvirt/qemu/NAME.log; or the text files the user gives.
 * Each source tried is listed with what happened to it. Also the renderer,
 * which puts findings and sources in a document.
 */
#pragma once

#include "diagnose.h"
#include "output.h"
#include "root.h"

/* A source tried: name, status ("read", "missing", "unreadable", "empty"), lines, note. */
struct vp_diag_source {
	char *name;
	const char *status;
	unsigned long lines;
	char *note;
};

#define VP_DIAG_MAX_SOURCES 64

struct vp_diag_sources {
	struct vp_diag_source s[VP_DIAG_MAX_SOURCES];
	size_t n;
};

void vp_diag_sources_add(struct vp_diag_sources *ss, const char *name, const char *status, unsigned long lines,
			 char *note /* taken */);
void vp_diag_sources_free(struct vp_diag_sources *ss);

/*
 * Reads one text file (path "-": standard input). Returns 0 and lists it (with a note when it stopped at the
 * size limit), or -errno with *ret_error set to a one-line message for the user: it cannot be opened or read,
 * is a directory, or is not a text log.
 */
int vp_diag_read_file(struct vp_diag *d, const char *path, struct vp_diag_sources *ss, char **ret_error);

/*
 * Reads the default sources of root for journal boot `boot` (see the top). Returns 0, or -ENXIO when the
 * journal has no such boot (nothing else is read then).
 */
int vp_diag_read_default(struct vp_root *root, int boot, struct vp_diag *d, struct vp_diag_sources *ss);

/* Puts the findings (text: grouped, most severe first; JSON: findings, summary, sources) into doc. */
void vp_diag_render(const struct vp_diag *d, const struct vp_diag_source *sources, size_t n_sources,
		    struct vp_doc *doc);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose: explains passthrough failures found in logs.
 *
 * The catalog is a table of entries {id, severity, patterns, cause, fix
 * builder}. Each pattern is a POSIX extended regex plus a fixed "anchor"
 * substring that every line it matches must contain. A scan never runs a
 * regex on a line that holds no anchor: vp_diag_feed_fd() reads large
 * blocks and looks for all anchors at once (Wu-Manber over 2-byte blocks),
 * and only the few lines that hold one are parsed (logline.h) and matched.
 * Memory is constant: findings are folded by (id, device, source) into a
 * bounded table, each keeping its first line and a count.
 *
 * vp_diag_finish() adds what only the whole log shows (the Intel IOMMU
 * parser line without the success line; a host driver seen on a device that
 * vfio also names) and, when a host model is given, joins each finding with
 * it: the devices and drivers of a non-viable group, the driver bound now.
 *
 * Findings never print; vp_diag_render() puts them in a document.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "output.h"
#include "util.h"

enum vp_severity { VP_SEV_INFO, VP_SEV_WARNING, VP_SEV_ERROR };
const char *vp_severity_to_string(enum vp_severity s); /* "info", "warning", "error" */

enum vp_pattern_flags {
	VP_PAT_NODEV = 1u << 0,    /* the address in this line is not the subject: keep no device */
	VP_PAT_WARN = 1u << 1,     /* this pattern only warrants a warning */
	VP_PAT_INFO = 1u << 2,     /* ... or only an info */
};

struct vp_diag_pattern {
	const char *anchor;        /* fixed substring (>= 9 bytes) every match contains */
	const char *regex;         /* POSIX ERE matched against the message */
	unsigned flags;
};

struct vp_finding;
struct vp_diag;

struct vp_diag_entry {
	const char *id;            /* stable: "group.not_viable" */
	enum vp_severity severity;
	const char *title;         /* one line for humans */
	const struct vp_diag_pattern *patterns;
	size_t n_patterns;
	const char *cause;         /* one or two sentences */
	/* Appends the fix for this host to out; h is NULL without a host model. */
	void (*fix)(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *out);
};

extern const struct vp_diag_entry vp_diag_catalog[];
extern const size_t vp_diag_catalog_n;
const struct vp_diag_entry *vp_diag_entry_by_id(const char *id);

struct vp_finding {
	const struct vp_diag_entry *entry;
	enum vp_severity severity;
	char device[VP_PCI_ADDR_LEN]; /* "" when the line names none */
	int group;                 /* IOMMU group named by the line, -1 if none */
	char *source;              /* "journal", "/var/log/libvirt/qemu/win10.log", "-" */
	unsigned long line;        /* 1-based line (or journal entry) number; 0 when derived */
	char *text;                /* the line as read (bounded) */
	unsigned long count;       /* lines folded into this finding */
	char *cause;               /* filled by vp_diag_finish() */
	char *fix;
};

struct vp_diag_stats {
	unsigned long lines;       /* lines (or entries) seen */
	unsigned long candidates;  /* lines that held an anchor and were parsed */
	unsigned long skipped;     /* truncated or garbled lines */
	unsigned long dropped;     /* findings not kept because the table was full */
};

int vp_diag_new(struct vp_diag **ret);
struct vp_diag *vp_diag_free(struct vp_diag *d);
static inline void vp_diag_freep(struct vp_diag **d) { vp_diag_free(*d); }
/* Drops findings, statistics and context, keeping the compiled catalog (for many short scans). */
void vp_diag_reset(struct vp_diag *d);

/*
 * Streams fd to its end: text in any vp_logline form. src names the source
 * in findings ("-" for stdin). Returns 0, or -errno when a read fails (the
 * findings so far are kept).
 */
int vp_diag_feed_fd(struct vp_diag *d, const char *src, int fd);
/* One line of text (no newline needed), numbered lineno. */
int vp_diag_feed_line(struct vp_diag *d, const char *src, unsigned long lineno, const char *line, size_t len);
/* One structured message (a journal entry): ident may be NULL. */
int vp_diag_feed_message(struct vp_diag *d, const char *src, unsigned long entry, const char *ident,
			 const char *msg, size_t len);

/* Inferences, host join (h may be NULL), cause and fix texts, ordering (most severe first). */
int vp_diag_finish(struct vp_diag *d, const struct vp_host *h);

const struct vp_finding *vp_diag_findings(const struct vp_diag *d, size_t *ret_n);
const struct vp_diag_stats *vp_diag_stats(const struct vp_diag *d);
bool vp_diag_has_error(const struct vp_diag *d);

/* A source the command tried: name, status ("read", "missing", "unreadable", "empty"), lines, note. */
struct vp_diag_source {
	char *name;
	const char *status;
	unsigned long lines;
	char *note;
};

/* Puts the findings (text: grouped, most severe first; JSON: findings, summary, sources) into doc. */
void vp_diag_render(const struct vp_diag *d, const struct vp_diag_source *sources, size_t n_sources,
		    struct vp_doc *doc);

/* Writes the catalog's regexes, one a line, as `grep -E -f` reads them (for the benchmark). */
int vp_diag_write_patterns(FILE *f);

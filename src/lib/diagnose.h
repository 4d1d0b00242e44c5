/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose: explains passthrough failures found in logs. Four parts:
 *   diagnose-catalog.c  the catalog as data (entries, patterns, hints);
 *   diagnose.c          the matching engine (this header);
 *   diagnose-fix.c      the fixes: joins findings with the host model (diagnose-fix.h);
 *   diagnose-sources.c  the log sources: which logs to read and how (diagnose-sources.h);
 * and diagnose-render.c, which puts findings in a document.
 *
 * The catalog is a table of entries {id, severity, patterns, cause}; the fix
 * for an entry is built by diagnose-fix.c from its id. Each pattern is a POSIX extended regex plus a fixed "anchor"
 * substring that every line it matches must contain. A scan never runs a
 * regex on a line that holds no anchor: vp_diag_feed_fd() reads large
 * blocks and looks for all anchors at once (Wu-Manber over 2-byte blocks),
 * and only the few lines that hold one are parsed (logline.h) and matched.
 * Memory is constant: findings are folded by (id, device, source) into a
 * bounded table, each keeping its first line and a count.
 *
 * vp_diag_settle() adds what only the whole log shows (the Intel IOMMU
 * parser line without the success line; a host driver seen on a device that
 * vfio also names) and orders the findings; vp_diag_finish() (diagnose-fix.h)
 * settles, then joins each finding with the host model: the devices and
 * drivers of a non-viable group, the driver bound now.
 *
 * Findings never print; vp_diag_render() puts them in a document.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>
#include <stdio.h>

#include "util.h"

enum vp_severity { VP_SEV_INFO, VP_SEV_WARNING, VP_SEV_ERROR };
const char *vp_severity_to_string(enum vp_severity s); /* "info", "warning", "error" */

enum vp_pattern_flags {
	VP_PAT_NODEV = 1u << 0,    /* the address in this line is not the subject: keep no device */
	VP_PAT_WARN = 1u << 1,     /* this pattern only warrants a warning */
	VP_PAT_INFO = 1u << 2,     /* ... or only an info */
};

struct vp_diag_pattern {
	const char *anchor;        /* fixed substring (>= 13 bytes) every match contains */
	const char *regex;         /* POSIX ERE matched against the message */
	unsigned flags;
};

struct vp_diag;

struct vp_diag_entry {
	const char *id;            /* stable: "group.not_viable" */
	enum vp_severity severity;
	const char *title;         /* one line for humans */
	const struct vp_diag_pattern *patterns;
	size_t n_patterns;
	const char *cause;         /* one or two sentences */
};

extern const struct vp_diag_entry vp_diag_catalog[];
extern const size_t vp_diag_catalog_n;
const struct vp_diag_entry *vp_diag_entry_by_id(const char *id);

/* Context lines: not findings by themselves, but read by inferences and fix texts. */
enum vp_diag_hint_kind { VP_HINT_DMAR_PARSER, VP_HINT_DMAR_ACTIVE, VP_HINT_FB, VP_HINT_HOST_DRIVER };
struct vp_diag_hint {
	const char *anchor;        /* fixed substring, >= 13 bytes */
	enum vp_diag_hint_kind kind;
	unsigned bit;              /* VP_HINT_FB: the framebuffer's bit (1 << index in vp_diag_fb_names) */
};
extern const struct vp_diag_hint vp_diag_hints[];
extern const size_t vp_diag_hints_n;
enum { FB_EFIFB = 1u << 0, FB_SIMPLEFB = 1u << 1, FB_SIMPLEDRM = 1u << 2, FB_VESAFB = 1u << 3, VP_DIAG_N_FB = 4 };
extern const char *const vp_diag_fb_names[VP_DIAG_N_FB];
extern const char *const vp_diag_host_drivers[]; /* NULL-terminated */

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
	const char *derived;       /* a finding inferred from the whole log: its own cause; else NULL */
	bool log_driver;           /* derived from a host driver's line on a device vfio also names */
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

/* What vp_diag_feed_fd() reads at most from one fd (bytes), by default VP_DIAG_MAX_INPUT. */
#define VP_DIAG_MAX_INPUT (4ull << 30)
void vp_diag_set_limit(struct vp_diag *d, uint64_t max_bytes);

/* Why vp_diag_feed_fd() stopped before the end of its input (positive returns). */
enum {
	VP_DIAG_STOP_SIZE = 1,     /* the size limit was reached */
	VP_DIAG_STOP_BINARY = 2,   /* no line break in the first MiB, or none for 64 MiB: not a text log */
};

/*
 * Streams fd to its end: text in any vp_logline form. src names the source
 * in findings ("-" for stdin). A character device that is not a terminal
 * (/dev/kmsg) is read non-blocking up to its current end; a last line
 * without a newline is a line. Returns 0 at the end of the input,
 * VP_DIAG_STOP_SIZE or VP_DIAG_STOP_BINARY when it stopped early (the lines
 * read so far count), or -errno when a read fails (the findings so far are
 * kept).
 */
int vp_diag_feed_fd(struct vp_diag *d, const char *src, int fd);
/* One line of text (no newline needed), numbered lineno. */
int vp_diag_feed_line(struct vp_diag *d, const char *src, unsigned long lineno, const char *line, size_t len);
/* One structured message (a journal entry): ident may be NULL. */
int vp_diag_feed_message(struct vp_diag *d, const char *src, unsigned long entry, const char *ident,
			 const char *msg, size_t len);

/* Inferences from the whole log and ordering (most severe first); no host, no texts (diagnose-fix.h adds
 * them). May be called more than once. */
int vp_diag_settle(struct vp_diag *d);
/* Orders the findings again (after a join changed severities). */
void vp_diag_order(struct vp_diag *d);

const struct vp_finding *vp_diag_findings(const struct vp_diag *d, size_t *ret_n);
struct vp_finding *vp_diag_findings_mut(struct vp_diag *d, size_t *ret_n);
/* Framebuffers the log showed (FB_* bits). */
unsigned vp_diag_framebuffers(const struct vp_diag *d);
const struct vp_diag_stats *vp_diag_stats(const struct vp_diag *d);
bool vp_diag_has_error(const struct vp_diag *d);

/* Writes the catalog's regexes, one a line, as `grep -E -f` reads them (for the benchmark). */
int vp_diag_write_patterns(FILE *f);

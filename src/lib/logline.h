/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pure parser for one log line in any of the forms users paste or tools
 * keep: dmesg (with or without [timestamps], dmesg -T), journalctl short,
 * short-iso and short-monotonic, classic syslog, /dev/kmsg records, QEMU
 * and libvirt log lines, and virsh "error: ..." lines.
 *
 * vp_logline_parse() never allocates: the fields point into the caller's
 * line and carry their own lengths (the line need not be NUL-terminated).
 * A line it cannot make sense of as any structured form is returned as
 * VP_LOG_RAW with the whole line as the message, so a plain pasted message
 * ("vfio-pci 0000:01:00.0: BAR 0: can't reserve ...") is still diagnosed.
 * Lines that start like a structured form but are cut off or garbled
 * (a kmsg header without ';', a "[  12.3" without "]") and lines holding
 * NUL bytes are rejected with -EBADMSG; empty lines and kmsg continuation
 * lines (" SUBSYSTEM=pci") with -ENODATA. Callers skip both.
 */
#pragma once

#include <stddef.h>

enum vp_log_format {
	VP_LOG_RAW,          /* no recognised prefix; msg is the whole line */
	VP_LOG_DMESG,        /* "[    0.123456] msg" or "[Tue Nov 25 11:28:22 2026] msg" */
	VP_LOG_KMSG,         /* "6,1234,5678,-;msg" (/dev/kmsg, dmesg -r style with commas) */
	VP_LOG_SYSLOG,       /* "Nov 25 11:28:22 host ident[pid]: msg" (also journalctl short) */
	VP_LOG_ISO,          /* "2026-11-25T11:28:22+0000 host ident[pid]: msg" (journalctl short-iso) */
	VP_LOG_MONOTONIC,    /* "[    1.000000] host ident[pid]: msg" (journalctl short-monotonic) */
	VP_LOG_QEMU,         /* "2026-11-25T11:28:22.123456Z qemu-system-x86_64: msg" or "qemu-kvm: msg" */
	VP_LOG_LIBVIRT,      /* "2026-11-25 11:28:22.123+0000: 1234: error : func:12 : msg" */
	VP_LOG_VIRSH,        /* "error: msg" */
	_VP_LOG_FORMAT_MAX,
};

struct vp_logline {
	enum vp_log_format format;
	const char *ts;      /* timestamp text as written, NULL when the line has none */
	size_t ts_len;
	const char *ident;   /* "kernel", "libvirtd", "qemu-system-x86_64", "virsh"...; NULL when unknown */
	size_t ident_len;
	const char *msg;     /* the message; never NULL on success (may be empty) */
	size_t msg_len;
	int priority;        /* syslog level 0-7 where the form carries one, else -1 */
};

/*
 * Parses line[0..len) (a trailing "\n" or "\r\n" is ignored). Returns 0 and
 * fills *ret, or -ENODATA (nothing to diagnose) / -EBADMSG (truncated or
 * garbled); *ret is then zeroed. Never reads outside line[0..len).
 */
int vp_logline_parse(const char *line, size_t len, struct vp_logline *ret);

/* "raw", "dmesg", "kmsg", "syslog", "iso", "monotonic", "qemu", "libvirt", "virsh". */
const char *vp_log_format_to_string(enum vp_log_format f);

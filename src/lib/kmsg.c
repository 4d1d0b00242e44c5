/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel log buffer (see kmsg.h). Uses root for the path only. */
#include "kmsg.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define KMSG_MAX (64u << 20)

/* Hands the complete lines of buf[0..*have) to fn; keeps a partial last line. */
static int emit_lines(char *buf, size_t *have, int (*fn)(void *, const char *, size_t), void *ud, long *n)
{
	size_t start = 0;
	for (;;) {
		char *nl = memchr(buf + start, '\n', *have - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (buf + start));
		/* Continuation lines (" SUBSYSTEM=pci") belong to the record above. */
		if (len && buf[start] != ' ') {
			*nl = 0;
			int r = fn(ud, buf + start, len);
			if (r)
				return r;
			(*n)++;
		}
		start += len + 1;
	}
	memmove(buf, buf + start, *have - start);
	*have -= start;
	return 0;
}

long vp_kmsg_read(struct vp_root *root, int (*fn)(void *ud, const char *rec, size_t len), void *ud)
{
	_cleanup_close_ int fd = vp_root_openat(root, "dev/kmsg", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	/* A record is at most 8 KiB (CONSOLE_EXT_LOG_MAX); a plain file may hold partial lines per read. */
	char buf[16384];
	size_t have = 0, total = 0;
	long n = 0;
	bool skipping = false;  /* inside a line too long to be a record: drop up to its newline */
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (r < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue; /* EPIPE: records were overwritten; the next read gets the oldest left */
			if (errno == EAGAIN)
				break;    /* the newest record was read */
			return -errno;
		}
		if (r == 0)
			break;
		total += (size_t)r;
		if (skipping) {
			char *nl = memchr(buf + have, '\n', (size_t)r);
			if (!nl)
				continue;
			size_t rest = (size_t)r - (size_t)(nl + 1 - (buf + have));
			memmove(buf, nl + 1, rest);
			have = rest;
			skipping = false;
		} else
			have += (size_t)r;
		int e = emit_lines(buf, &have, fn, ud, &n);
		if (e)
			return e;
		if (have == sizeof(buf) - 1) {
			have = 0; /* a line longer than any record: garbage, dropped */
			skipping = true;
		}
		if (total > KMSG_MAX)
			break;
	}
	if (have) { /* a last line without its newline */
		buf[have++] = '\n';
		int e = emit_lines(buf, &have, fn, ud, &n);
		if (e)
			return e;
	}
	return n;
}

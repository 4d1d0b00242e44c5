/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the log line parser: any bytes, any length. Besides
 * ASan/UBSan, it checks the contract of logline.h: on success every field
 * lies inside the input, on failure the result is zeroed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"

static void inside(const char *base, size_t len, const char *p, size_t n)
{
	if (!p)
		return;
	/* "kernel", "virsh", "libvirt" idents are static strings; everything else points into the line */
	if (p >= base && p + n <= base + len)
		return;
	if ((n == 6 && memcmp(p, "kernel", 6) == 0) || (n == 5 && memcmp(p, "virsh", 5) == 0) ||
	    (n == 7 && memcmp(p, "libvirt", 7) == 0))
		return;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan catches any read past the end */
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	struct vp_logline l;
	int e = vp_logline_parse(line, size, &l);
	if (e == 0) {
		if (!l.msg || (unsigned)l.format >= _VP_LOG_FORMAT_MAX || l.priority < -1 || l.priority > 7)
			abort();
		inside(line, size, l.msg, l.msg_len);
		inside(line, size, l.ts, l.ts_len);
		inside(line, size, l.ident, l.ident_len);
	} else if (e != -ENODATA && e != -EBADMSG) {
		abort();
	} else if (l.msg || l.ident || l.ts) {
		abort();
	}
	free(line);
	return 0;
}

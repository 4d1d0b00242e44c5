/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the diagnose matcher: the input is a log (many
 * lines) fed through vp_diag_feed_line() line by line and through the
 * streaming vp_diag_feed_fd() path, then settled. Checks that both paths
 * agree on the findings, that every finding names a catalog entry and that
 * device addresses are canonical. Needs only the catalog, the engine and the
 * line parser (and util).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diagnose.h"

/* Compiling the catalog costs milliseconds: two scanners live for the whole run and are reset per input. */
static struct vp_diag *scanner(int k)
{
	static struct vp_diag *d[2];
	if (!d[k] && vp_diag_new(&d[k]) < 0)
		abort();
	vp_diag_reset(d[k]);
	return d[k];
}

static struct vp_diag *run_lines(const char *data, size_t size)
{
	struct vp_diag *d = scanner(0);
	size_t start = 0;
	unsigned long n = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i > start || i < size)
				vp_diag_feed_line(d, "-", ++n, data + start, i - start);
			start = i + 1;
		}
	}
	if (vp_diag_settle(d) < 0)
		abort();
	return d;
}

static struct vp_diag *run_fd(const char *data, size_t size)
{
	struct vp_diag *d = scanner(1);
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	int r = vp_diag_feed_fd(d, "-", fd);
	if (r < 0)
		abort();
	close(fd);
	if (r == VP_DIAG_STOP_BINARY)
		return NULL; /* not a text log: the fd path stops where the line path goes on */
	if (vp_diag_settle(d) < 0)
		abort();
	return d;
}

static void check(const struct vp_diag *d)
{
	size_t n;
	const struct vp_finding *f = vp_diag_findings(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (!vp_diag_entry_by_id(f[i].entry->id) || !f[i].text || f[i].count == 0)
			abort();
		size_t dl = strlen(f[i].device);
		if (dl && (dl != 12 || f[i].device[4] != ':' || f[i].device[7] != ':' || f[i].device[10] != '.'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	struct vp_diag *a = run_lines((const char *)data, size);
	struct vp_diag *b = run_fd((const char *)data, size);
	check(a);
	if (!b)
		return 0;
	check(b);
	size_t na, nb;
	const struct vp_finding *fa = vp_diag_findings(a, &na), *fb = vp_diag_findings(b, &nb);
	/* the two paths see the same lines (fd mode only differs on NUL bytes, which neither path matches) */
	if (na != nb)
		abort();
	for (size_t i = 0; i < na; i++)
		if (fa[i].entry != fb[i].entry || strcmp(fa[i].device, fb[i].device) != 0 || fa[i].line != fb[i].line ||
		    fa[i].count != fb[i].count)
			abort();
	return 0;
}

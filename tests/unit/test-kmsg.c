/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the kernel log reader (kmsg.c) on dev/kmsg as a plain file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "kmsg.h"
#include "util.h"

struct got {
	char **recs;
	int stop_after;  /* 0: never */
};

static int collect(void *ud, const char *rec, size_t len)
{
	struct got *g = ud;
	assert_int_equal(strlen(rec), len);
	vp_strv_push(&g->recs, rec);
	return g->stop_after && (int)vp_strv_len(g->recs) == g->stop_after ? -ECANCELED : 0;
}

static long read_tree(const char *kmsg, struct got *g)
{
	char *tree = vp_test_tree_from_text("kernel 6.8.0 running\n");
	if (kmsg)
		vp_test_write(tree, "dev/kmsg", kmsg);
	struct vp_root *r = NULL;
	assert_int_equal(vp_root_open(tree, &r), 0);
	long n = vp_kmsg_read(r, collect, g);
	vp_root_free(r);
	vp_test_tree_free(tree);
	return n;
}

/* Records come out whole and in order; " KEY=value" lines are left out; a last line without newline counts. */
static void test_records(void **state)
{
	struct got g = { 0 };
	long n = read_tree("6,1,0,-;Linux version 6.8.0\n"
			   "3,2,512,-;vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem 0xc0000000-0xcfffffff 64bit pref]\n"
			   " SUBSYSTEM=pci\n"
			   " DEVICE=+pci:0000:01:00.0\n"
			   "6,3,900,-;DMAR: IOMMU enabled", &g);
	assert_int_equal(n, 3);
	assert_int_equal(vp_strv_len(g.recs), 3);
	assert_string_equal(g.recs[0], "6,1,0,-;Linux version 6.8.0");
	assert_true(vp_startswith(g.recs[1], "3,2,512,-;vfio-pci 0000:01:00.0: BAR 1"));
	assert_string_equal(g.recs[2], "6,3,900,-;DMAR: IOMMU enabled");
	vp_strv_free(g.recs);
}

/* A record longer than the kernel ever writes is dropped; the rest is still read. */
static void test_overlong_line(void **state)
{
	size_t big = 40000;
	char *s = malloc(big + 64);
	memset(s, 'x', big);
	strcpy(s + big, "\n6,9,1,-;after the garbage\n");
	struct got g = { 0 };
	long n = read_tree(s, &g);
	free(s);
	assert_int_equal(n, 1);
	assert_string_equal(g.recs[0], "6,9,1,-;after the garbage");
	vp_strv_free(g.recs);
}

/* The callback can stop the read; its value comes back. No dev/kmsg: -ENOENT. */
static void test_stop_and_missing(void **state)
{
	struct got g = { .stop_after = 2 };
	assert_int_equal(read_tree("6,1,0,-;a\n6,2,0,-;b\n6,3,0,-;c\n", &g), -ECANCELED);
	assert_int_equal(vp_strv_len(g.recs), 2);
	vp_strv_free(g.recs);
	struct got none = { 0 };
	assert_int_equal(read_tree(NULL, &none), -ENOENT);
	assert_null(none.recs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_stop_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

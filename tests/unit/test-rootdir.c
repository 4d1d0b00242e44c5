/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the directory-relative readers of the root handle (vp_root_open_dir, vp_dir_*). */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root.h"
#include "util.h"

static char *tree;
static struct vp_root *root;
static int dfd = -1;

static void sh(const char *fmt, const char *arg)
{
	char *cmd = vp_strdup_printf(fmt, arg, arg, arg, arg, arg, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/vp-test-XXXXXX";
	tree = strdup(mkdtemp(tmpl));
	const char *d = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0";
	char *dir = vp_strdup_printf("%s/%s", tree, d);
	sh("mkdir -p %s/sub %s/../../../../bus/pci/devices %s/../../../../../etc", dir);
	sh("printf '0x10de\\n' > %s/vendor && printf '' > %s/empty && printf 'a\\0b' > %s/nul && mkfifo %s/fifo"
	   " && truncate -s 1G %s/big && ln -s vendor %s/link && mkdir %s/dir && printf 'DMA\\n' > %s/sub/type", dir);
	sh("ln -s ../../../../../etc %s/escape && printf 'secret\\n' > %s/../../../../../etc/passwd"
	   " && ln -s ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0 %s/../../../../bus/pci/devices/0000:01:00.0"
	   " && ln -s ../vendor %s/sub/up && ln -s sub %s/sublink", dir);
	free(dir);
	assert_int_equal(vp_root_open(tree, &root), 0);
	dfd = vp_root_open_dir(root, "sys/bus/pci/devices/0000:01:00.0");
	assert_true(dfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(dfd);
	vp_root_free(root);
	char *cmd = vp_strdup_printf("rm -rf '%s'", tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(tree);
	return 0;
}

static void test_read_attr(void **state)
{
	char buf[64];
	assert_int_equal(vp_dir_read_attr(dfd, "vendor", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "0x10de");
	assert_int_equal(vp_dir_read_attr(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(vp_dir_read_attr(dfd, "empty", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(vp_dir_read_attr(dfd, "nul", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vp_dir_read_attr(dfd, "fifo", buf, sizeof(buf)), -EBADFD); /* no hang */
	assert_int_equal(vp_dir_read_attr(dfd, "big", buf, sizeof(buf)), -EFBIG);  /* reads 64 bytes, not 1 GiB */
	assert_int_equal(vp_dir_read_attr(dfd, "link", buf, sizeof(buf)), -ELOOP); /* attributes are never links */
	assert_int_equal(vp_dir_read_attr(dfd, "dir", buf, sizeof(buf)), -EISDIR);
	/* Exactly size - 1 bytes fit; size bytes do not. */
	assert_int_equal(vp_dir_read_attr(dfd, "vendor", buf, 8), 6);
	assert_int_equal(vp_dir_read_attr(dfd, "vendor", buf, 7), -EFBIG);
	/* Names must be single components: no way out of the directory. */
	assert_int_equal(vp_dir_read_attr(dfd, "../vendor", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vp_dir_read_attr(dfd, "..", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vp_dir_read_attr(dfd, "escape", buf, sizeof(buf)), -ELOOP);
}

static void test_read_attr2(void **state)
{
	char buf[64];
	assert_int_equal(vp_dir_read_attr2(dfd, "sub", "type", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "DMA");
	/* No link is followed on the way or at the end. */
	assert_true(vp_dir_read_attr2(dfd, "sublink", "type", buf, sizeof(buf)) < 0);
	assert_true(vp_dir_read_attr2(dfd, "sub", "up", buf, sizeof(buf)) < 0);
	assert_true(vp_dir_read_attr2(dfd, "escape", "passwd", buf, sizeof(buf)) < 0);
	assert_int_equal(vp_dir_read_attr2(dfd, "..", "vendor", buf, sizeof(buf)), -EINVAL);
}

static void test_read_link(void **state)
{
	char buf[PATH_MAX];
	assert_int_equal(vp_dir_read_link(dfd, "link", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "vendor");
	assert_int_equal(vp_dir_read_link(dfd, "vendor", buf, sizeof(buf)), -ENOLINK);
	assert_int_equal(vp_dir_read_link(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(vp_dir_read_link(dfd, "link", buf, 4), -ENAMETOOLONG);
}

static void test_open_dir_stays_in_root(void **state)
{
	/* A link that climbs to the top resolves inside the root: this is the tree's etc, not /etc. */
	int fd = vp_root_open_dir(root, "sys/bus/pci/devices/0000:01:00.0/escape/../../../../../../../../etc");
	assert_true(fd >= 0);
	char buf[64];
	assert_int_equal(vp_dir_read_attr(fd, "passwd", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "secret");
	close(fd);
	assert_int_equal(vp_root_open_dir(root, "sys/bus/pci/devices/0000:01:00.0/vendor"), -ENOTDIR);
	assert_int_equal(vp_root_open_dir(root, "sys/bus/pci/devices/0000:09:00.0"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_attr),
		cmocka_unit_test(test_read_attr2),
		cmocka_unit_test(test_read_link),
		cmocka_unit_test(test_open_dir_stays_in_root),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

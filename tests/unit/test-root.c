/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the root handle: in-root resolution, limits, listings, atomic writes. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root.h"
#include "util.h"

static char *tree;

static int setup(void **state)
{
	char tmpl[] = "/tmp/vp-test-XXXXXX";
	tree = strdup(mkdtemp(tmpl));
	vp_test_write(tree, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor", "0x10de\n");
	vp_test_write(tree, "sys/kernel/iommu_groups/7/type", "DMA\n");
	vp_test_write(tree, "etc/secret", "inside\n");
	char *p = vp_strdup_printf("%s/sys/bus/pci/devices", tree);
	char *cmd = vp_strdup_printf("mkdir -p %s && ln -s ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0 %s/0000:01:00.0"
				     " && ln -s ../../../../kernel/iommu_groups/7 %s/../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group"
				     " && ln -s /etc/secret %s/abs && ln -s ../../../../../../../../etc/secret %s/up"
				     " && ln -s loop1 %s/loop2 && ln -s loop2 %s/loop1",
				     p, p, p, p, p, p, p);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = vp_strdup_printf("rm -rf '%s'", tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(tree);
	return 0;
}

static void test_read_through_relative_links(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	assert_false(vp_root_is_live(r));
	uint64_t v;
	assert_int_equal(vp_root_read_hex(r, "sys/bus/pci/devices/0000:01:00.0/vendor", 0xffff, &v), 0);
	assert_int_equal(v, 0x10de);
	char *g = NULL;
	assert_int_equal(vp_root_link_basename(r, "sys/bus/pci/devices/0000:01:00.0/iommu_group", &g), 0);
	assert_string_equal(g, "7");
	free(g);
	char *type = NULL;
	assert_int_equal(vp_root_read_str(r, "sys/bus/pci/devices/0000:01:00.0/iommu_group/type", &type), 0);
	assert_string_equal(type, "DMA");
	free(type);
	vp_root_free(r);
}

static void test_links_stay_inside(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	char *s = NULL;
	/* An absolute link and a link climbing above the root both land inside it. */
	assert_int_equal(vp_root_read_str(r, "sys/bus/pci/devices/abs", &s), 0);
	assert_string_equal(s, "inside");
	free(s);
	assert_int_equal(vp_root_read_str(r, "sys/bus/pci/devices/up", &s), 0);
	assert_string_equal(s, "inside");
	free(s);
	assert_int_equal(vp_root_read_str(r, "../../../../etc/secret", &s), 0);
	assert_string_equal(s, "inside");
	free(s);
	assert_int_equal(vp_root_read_str(r, "sys/bus/pci/devices/loop1", &s), -ELOOP);
	vp_root_free(r);
}

static void test_limits(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	char *p = vp_strdup_printf("%s/big", tree);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1LL << 30), 0);
	close(fd);
	char *s = NULL;
	assert_int_equal(vp_root_read_str(r, "big", &s), -EFBIG);
	unlink(p);
	free(p);
	p = vp_strdup_printf("%s/fifo", tree);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(vp_root_read_str(r, "fifo", &s), -EINVAL); /* never blocks */
	unlink(p);
	free(p);
	assert_int_equal(vp_root_read_str(r, "sys", &s), -EISDIR);
	assert_int_equal(vp_root_read_str(r, "missing", &s), -ENOENT);
	vp_root_free(r);
}

static void test_list_sorted(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	char **v = NULL;
	assert_int_equal(vp_root_list(r, "sys/bus/pci/devices", &v), 0);
	assert_string_equal(v[0], "0000:01:00.0");
	assert_string_equal(v[1], "abs");
	assert_string_equal(v[2], "loop1");
	vp_strv_free(v);
	vp_root_free(r);
}

/* The change lock: one holder at a time (flock is per open file, so this process can test it),
 * released by closing, and nothing is written to take it. */
static void test_lock(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	char *cmd = vp_strdup_printf("ls -A '%s' | wc -l > '%s.before'", tree, tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	int a = vp_root_lock(r);
	assert_true(a >= 0);
	assert_int_equal(vp_root_lock(r), -EBUSY);
	close(a);
	int b = vp_root_lock(r);
	assert_true(b >= 0);
	close(b);
	cmd = vp_strdup_printf("ls -A '%s' | wc -l | cmp -s - '%s.before' && rm '%s.before'", tree, tree, tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	vp_root_free(r);
}

static void test_write_atomic(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	assert_int_equal(vp_root_mkdir_p(r, "etc/modprobe.d", 0755), 0);
	assert_int_equal(vp_root_write_atomic(r, "etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:1e87\n", 31, 0644), 0);
	char *s = vp_test_read(tree, "etc/modprobe.d/vfio.conf");
	assert_string_equal(s, "options vfio-pci ids=10de:1e87\n");
	free(s);
	/* A symlinked target is refused, and the file it points to is untouched. */
	char *cmd = vp_strdup_printf("ln -s ../secret %s/etc/modprobe.d/link.conf", tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(vp_root_write_atomic(r, "etc/modprobe.d/link.conf", "x", 1, 0644), -ELOOP);
	s = vp_test_read(tree, "etc/secret");
	assert_string_equal(s, "inside\n");
	free(s);
	/* No temporary file is left behind. */
	char **v = NULL;
	assert_int_equal(vp_root_list(r, "etc/modprobe.d", &v), 0);
	assert_int_equal(vp_strv_len(v), 2);
	vp_strv_free(v);
	vp_root_free(r);
}

static void test_write_attr_trace(void **state)
{
	struct vp_root *r;
	assert_int_equal(vp_root_open(tree, &r), 0);
	vp_test_write(tree, "sys/bus/pci/drivers_probe", "");
	char tmpl[] = "/tmp/vp-trace-XXXXXX";
	int fd = mkstemp(tmpl);
	vp_root_set_write_trace(r, fd);
	assert_int_equal(vp_root_write_attr(r, "sys/bus/pci/drivers_probe", "0000:01:00.0"), 0);
	assert_int_equal(vp_root_write_attr(r, "sys/bus/pci/nonexistent", "x"), -ENOENT);
	close(fd);
	char *s = vp_test_read("/", tmpl + 1);
	assert_string_equal(s, "/sys/bus/pci/drivers_probe\t0000:01:00.0\n");
	free(s);
	unlink(tmpl);
	vp_root_free(r);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* vp_fds_close closes exactly the given descriptors: a run in one call, a set with gaps one by one,
 * never a descriptor in a gap; vp_dir_read_attr_keep leaves the attribute open for it. */
static void test_fds_close(void **state)
{
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY), c = open("/dev/null", O_RDONLY);
	int d = open("/dev/null", O_RDONLY);
	assert_true(a >= 0 && b == a + 1 && c == b + 1 && d == c + 1);
	int gap[] = { a, c, d, -1 };
	vp_fds_close(gap, 4);
	assert_false(fd_open(a));
	assert_true(fd_open(b)); /* in the gap: not ours */
	assert_false(fd_open(c));
	assert_false(fd_open(d));
	close(b);

	char dir[] = "/tmp/vp-fds-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/attr", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("flr bus\n", f);
	fclose(f);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	int fds[3] = { dfd, -1, -1 };
	char buf[32];
	assert_int_equal(vp_dir_read_attr_keep(dfd, "attr", buf, sizeof(buf), &fds[1]), 7);
	assert_string_equal(buf, "flr bus");
	assert_true(fds[1] >= 0 && fd_open(fds[1]));
	assert_int_equal(vp_dir_read_attr_keep(dfd, "absent", buf, sizeof(buf), &fds[2]), -ENOENT);
	assert_int_equal(fds[2], -1);
	int keep = fds[1];
	vp_fds_close(fds, 3);
	assert_false(fd_open(dfd));
	assert_false(fd_open(keep));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_through_relative_links), cmocka_unit_test(test_links_stay_inside),
		cmocka_unit_test(test_limits), cmocka_unit_test(test_list_sorted), cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_write_attr_trace), cmocka_unit_test(test_lock), cmocka_unit_test(test_fds_close),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

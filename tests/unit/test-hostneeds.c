/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for what the host needs (hostneeds.c): the walk from mounts, swap and default
 * routes to PCI functions, on trees built by mkhost.py and then damaged by hand: loops in
 * slaves/, garbage mountinfo and route lines, missing sysfs entries. Each must end in a
 * verdict (never a crash), and an untraceable device must make the verdict conservative.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "hostneeds.h"
#include "root.h"
#include "util.h"

/* A desktop: SATA 00:17.0, NVMe 02:00.0 behind root port 00:1b.0, two NICs, a GPU. */
static const char *const base =
	"cpu GenuineIntel vmx threads=4\n"
	"iommu intel ir=on units=1\n"
	"group 1\n"
	"00:02.0 [0300] 8086:3e98 driver=i915 boot_vga=1\n"
	"group 2\n"
	"00:17.0 [0106] 8086:a352 driver=ahci\n"
	"group 3\n"
	"00:1b.0 [0604] 8086:a340 sec=02 driver=pcieport\n"
	"group 4\n"
	"02:00.0 [0108] 144d:a808 driver=nvme\n"
	"group 5\n"
	"00:1f.6 [0200] 8086:15bc driver=e1000e\n"
	"group 6\n"
	"03:00.0 [0200] 10ec:8125 driver=r8169\n"
	"group 7\n"
	"04:00.0 [0108] 1c5c:174a driver=nvme\n"
	"disk nvme0n1 02:00.0 parts=3\n"
	"disk sda 00:17.0 parts=2\n"
	"disk nvme1n1 04:00.0 multipath\n"
	"netdev eno1 00:1f.6\n"
	"netdev enp3s0 03:00.0\n";

struct fx {
	char *tree;
	struct vp_root *root;
	struct vp_host *h;
};

static void build(struct fx *f, const char *extra)
{
	_cleanup_free_ char *desc = vp_strdup_printf("%s%s", base, extra);
	f->tree = vp_test_tree_from_text(desc);
	assert_non_null(f->tree);
}

static void load(struct fx *f)
{
	assert_int_equal(vp_root_open(f->tree, &f->root), 0);
	assert_int_equal(vp_host_load(f->root, 0, &f->h), 0);
}

static void done(struct fx *f)
{
	vp_host_free(f->h);
	vp_root_free(f->root);
	vp_test_tree_free(f->tree);
}

static char *of(struct fx *f, const char *addr)
{
	return vp_hostneeds_of(f->h, vp_host_dev(f->h, addr));
}

static void test_plain_nvme_root(void **state)
{
	struct fx f = { 0 };
	build(&f, "mount / nvme0n1p3 ext4\nmount /boot/efi nvme0n1p1 vfat\nswap /dev/sda2\nroute eno1\n");
	load(&f);
	_cleanup_free_ char *nvme = of(&f, "0000:02:00.0"), *sata = of(&f, "0000:00:17.0"), *nic = of(&f, "0000:00:1f.6");
	_cleanup_free_ char *other = of(&f, "0000:03:00.0"), *gpu = of(&f, "0000:00:02.0"), *bridge = of(&f, "0000:00:1b.0");
	assert_string_equal(nvme, "/ (ext4 on /dev/nvme0n1p3) and /boot/efi (vfat on /dev/nvme0n1p1)");
	assert_string_equal(sata, "swap on /dev/sda2");
	assert_string_equal(nic, "the default route (IPv4 via eno1)");
	assert_null(other);
	assert_null(gpu);
	assert_null(bridge); /* bridges are never handed over */
	/* the verdict: one refusal per needed function, none for the GPU; overridden: warnings */
	char *addrs[] = { "0000:02:00.0", "0000:03:00.0", NULL };
	_cleanup_strv_free_ char **ref = NULL, **warn = NULL;
	struct vp_needs_opts o = { 0 };
	assert_int_equal(vp_hostneeds_judge(f.h, addrs, &o, &ref, &warn), 1);
	assert_non_null(strstr(ref[0], "0000:02:00.0 (NVMe) is needed by the host for / (ext4 on /dev/nvme0n1p3)"));
	assert_null(warn);
	vp_strv_free(ref);
	ref = NULL;
	o.allow_host_device = true;
	assert_int_equal(vp_hostneeds_judge(f.h, addrs, &o, &ref, &warn), 0);
	assert_null(ref);
	assert_int_equal(vp_strv_len(warn), 1);
	done(&f);
}

static void test_lvm_on_luks_and_md(void **state)
{
	struct fx f = { 0 };
	build(&f, "dm dm-0 nvme0n1p3 name=luks-1\n"
		  "dm dm-1 dm-0 name=vg-root\n"
		  "md md0 nvme0n1p2 sda1\n"
		  "mount / dm-1 xfs\nmount /srv md0 ext4\n");
	load(&f);
	_cleanup_free_ char *nvme = of(&f, "0000:02:00.0"), *sata = of(&f, "0000:00:17.0");
	assert_string_equal(nvme, "/ (xfs on /dev/mapper/vg-root) and /srv (ext4 on /dev/md0)");
	assert_string_equal(sata, "/srv (ext4 on /dev/md0)");
	_cleanup_strv_free_ char **addrs = NULL;
	bool untraced = true;
	assert_int_equal(vp_hostneeds_trace_block(f.root, "dm-1", &addrs, &untraced), 0);
	assert_false(untraced);
	_cleanup_free_ char *j = vp_strv_join(addrs, " ");
	assert_string_equal(j, "0000:00:1b.0 0000:02:00.0"); /* the root port is on the way too */
	done(&f);
}

static void test_nvme_multipath_head(void **state)
{
	struct fx f = { 0 };
	build(&f, "mount /data nvme1n1 ext4\n");
	load(&f);
	_cleanup_free_ char *n1 = of(&f, "0000:04:00.0");
	assert_string_equal(n1, "/data (ext4 on /dev/nvme1n1)");
	/* older kernels: no multipath/ links, only the subsystem's controller links */
	_cleanup_free_ char *cmd = vp_strdup_printf("rm -rf %s/sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/multipath", f.tree);
	assert_int_equal(system(cmd), 0);
	_cleanup_strv_free_ char **addrs = NULL;
	bool untraced = true;
	assert_int_equal(vp_hostneeds_trace_block(f.root, "nvme1n1", &addrs, &untraced), 0);
	assert_false(untraced);
	assert_true(vp_strv_contains(addrs, "0000:04:00.0"));
	done(&f);
}

static void test_slave_loop_is_conservative(void **state)
{
	struct fx f = { 0 };
	build(&f, "dm dm-0 nvme0n1p3\ndm dm-1 dm-0\nmount / dm-1 ext4\n");
	/* dm-0's only slave becomes dm-1: a loop that leads to no device */
	_cleanup_free_ char *cmd = vp_strdup_printf("cd %s/sys/devices/virtual/block && rm dm-0/slaves/nvme0n1p3 && "
						    "ln -s ../../dm-1 dm-0/slaves/dm-1", f.tree);
	assert_int_equal(system(cmd), 0);
	load(&f);
	_cleanup_strv_free_ char **addrs = NULL;
	bool untraced = false;
	assert_int_equal(vp_hostneeds_trace_block(f.root, "dm-1", &addrs, &untraced), 0);
	assert_true(untraced);
	assert_null(addrs[0]);
	/* so every storage controller counts, and nothing else does */
	_cleanup_free_ char *nvme = of(&f, "0000:02:00.0"), *sata = of(&f, "0000:00:17.0"), *nic = of(&f, "0000:00:1f.6");
	assert_non_null(nvme);
	assert_non_null(strstr(nvme, "could not be traced"));
	assert_non_null(sata);
	assert_null(nic);
	done(&f);
}

static void test_missing_sysfs_entries(void **state)
{
	struct fx f = { 0 };
	build(&f, "mount / nvme0n1p3 ext4\nswap /dev/sdz9\nroute eno1\nroute eth7 ipv6\n");
	/* the root's block device lost its sys/dev/block link; eth7 has no sys/class/net entry */
	_cleanup_free_ char *cmd = vp_strdup_printf("rm %s/sys/dev/block/259:3", f.tree);
	assert_int_equal(system(cmd), 0);
	load(&f);
	_cleanup_free_ char *nvme = of(&f, "0000:02:00.0"), *nic = of(&f, "0000:03:00.0"), *eno1 = of(&f, "0000:00:1f.6");
	assert_non_null(strstr(nvme, "perhaps / (ext4 on /dev/nvme0n1p3)"));
	assert_non_null(strstr(nic, "perhaps the default route (IPv6 via eth7)")); /* conservative: every NIC */
	assert_non_null(strstr(eno1, "the default route (IPv4 via eno1)"));
	_cleanup_strv_free_ char **addrs = NULL;
	bool untraced = false;
	assert_int_equal(vp_hostneeds_trace_block(f.root, "no-such-disk", &addrs, &untraced), 0);
	assert_true(untraced);
	vp_strv_free(addrs);
	addrs = NULL;
	assert_int_equal(vp_hostneeds_trace_block(f.root, "../../etc", &addrs, &untraced), 0);
	assert_null(addrs[0]);
	done(&f);
}

static void test_garbage_lines(void **state)
{
	struct fx f = { 0 };
	build(&f, "mount / nvme0n1p3 ext4\nroute eno1\n");
	/* a truncated mountinfo line, binary junk, a route line with bad hex, a short ipv6 line */
	_cleanup_free_ char *mi = vp_test_read(f.tree, "proc/self/mountinfo");
	_cleanup_free_ char *bad = vp_strdup_printf("%s36 35 98:0 /mnt1\n\x01\x02 - - - -\n99 1 x:y / /a rw - ext4 /dev/sda1 rw\n", mi);
	vp_test_write(f.tree, "proc/self/mountinfo", bad);
	_cleanup_free_ char *rt = vp_test_read(f.tree, "proc/net/route");
	_cleanup_free_ char *badrt = vp_strdup_printf("%seno1\tZZZZ\t0\t0003\n", rt);
	vp_test_write(f.tree, "proc/net/route", badrt);
	vp_test_write(f.tree, "proc/net/ipv6_route", "0000 00 lo\n");
	load(&f);
	_cleanup_free_ char *nvme = of(&f, "0000:02:00.0"), *sata = of(&f, "0000:00:17.0"), *nic = of(&f, "0000:03:00.0");
	assert_non_null(strstr(nvme, "/ (ext4 on /dev/nvme0n1p3)")); /* the good lines still count */
	assert_non_null(strstr(sata, "3 lines unreadable"));           /* the bad ones make it conservative */
	assert_non_null(strstr(nic, "malformed line in /proc/net/route"));
	done(&f);
}

static void test_fallbacks_and_absence(void **state)
{
	struct fx f = { 0 };
	/* no mountinfo: /proc/mounts names the devices; a loop device on a file of /; a bridge over enp3s0 */
	build(&f, "loop loop0 /var/lib/images/disk.img\nmount / sda1 ext4\nmount /mnt/img loop0 ext4\n"
		  "netdev br0 virtual brif=enp3s0\nroute br0 ipv6\n");
	_cleanup_free_ char *cmd = vp_strdup_printf("rm %s/proc/self/mountinfo", f.tree);
	assert_int_equal(system(cmd), 0);
	load(&f);
	_cleanup_free_ char *sata = of(&f, "0000:00:17.0"), *nic = of(&f, "0000:03:00.0"), *nvme = of(&f, "0000:02:00.0");
	assert_string_equal(sata, "/ (ext4 on /dev/sda1) and /mnt/img (ext4 on /dev/loop0)");
	assert_string_equal(nic, "the default route (IPv6 via br0)");
	assert_null(nvme);
	done(&f);

	/* a tree without any of these inputs has no facts and no verdict */
	struct fx g = { .tree = vp_test_tree_from_text("cpu GenuineIntel vmx\niommu intel ir=on units=1\ngroup 1\n"
						      "02:00.0 [0108] 144d:a808 driver=nvme\n") };
	assert_non_null(g.tree);
	load(&g);
	assert_false(vp_hostneeds_have_mounts(g.h));
	assert_false(vp_hostneeds_have_routes(g.h));
	_cleanup_free_ char *n2 = of(&g, "0000:02:00.0");
	assert_null(n2);
	done(&g);
}

static void test_display_verdict(void **state)
{
	struct fx f = { 0 };
	build(&f, "");
	load(&f);
	char *addrs[] = { "0000:00:02.0", NULL };
	_cleanup_strv_free_ char **ref = NULL, **warn = NULL;
	struct vp_needs_opts o = { .boot_vga = true, .last_display = true };
	assert_int_equal(vp_hostneeds_judge(f.h, addrs, &o, &ref, &warn), 2); /* the boot display, and the last one */
	assert_non_null(strstr(ref[0], "0000:00:02 is the boot display"));
	assert_non_null(strstr(ref[1], "without any display device"));
	vp_strv_free(ref);
	ref = NULL;
	o.allow_host_gpu = true;
	assert_int_equal(vp_hostneeds_judge(f.h, addrs, &o, &ref, &warn), 0);
	assert_int_equal(vp_strv_len(warn), 2);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_nvme_root),
		cmocka_unit_test(test_lvm_on_luks_and_md),
		cmocka_unit_test(test_nvme_multipath_head),
		cmocka_unit_test(test_slave_loop_is_conservative),
		cmocka_unit_test(test_missing_sysfs_entries),
		cmocka_unit_test(test_garbage_lines),
		cmocka_unit_test(test_fallbacks_and_absence),
		cmocka_unit_test(test_display_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the handed-over set (handover.c): taking vfio-pilot's kernel
 * arguments back out of boot configuration text, word by word, leaving the
 * rest of each line (quotes, other words, spacing) as it was.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "handover.h"
#include "util.h"

static void check(const char *in, const char *prefix, char *const *words, const char *want)
{
	char *got = vp_handover_drop_words(in, prefix, words);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_grub_line(void **state)
{
	(void)state;
	char *const w[] = { "vfio-pci.ids=10de:1b80,10de:10f0", NULL };
	/* appended by vfio-pilot: the blank before it goes too */
	check("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet vfio-pci.ids=10de:1b80,10de:10f0\"\n", "GRUB_CMDLINE_LINUX", w,
	      "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	/* first word of the value: the blank after it goes */
	check("GRUB_CMDLINE_LINUX=\"vfio-pci.ids=10de:1b80,10de:10f0 splash\"\n", "GRUB_CMDLINE_LINUX", w,
	      "GRUB_CMDLINE_LINUX=\"splash\"\n");
	/* single quotes and an unquoted value */
	check("GRUB_CMDLINE_LINUX='vfio-pci.ids=10de:1b80,10de:10f0'\n", "GRUB_CMDLINE_LINUX", w, "GRUB_CMDLINE_LINUX=''\n");
	check("GRUB_CMDLINE_LINUX=vfio-pci.ids=10de:1b80,10de:10f0\n", "GRUB_CMDLINE_LINUX", w, "GRUB_CMDLINE_LINUX=\n");
	/* other lines, comments and the user's similar words stay */
	check("# GRUB_CMDLINE_LINUX=\"vfio-pci.ids=10de:1b80,10de:10f0\"\nGRUB_TIMEOUT=5\n", "GRUB_CMDLINE_LINUX", w,
	      "# GRUB_CMDLINE_LINUX=\"vfio-pci.ids=10de:1b80,10de:10f0\"\nGRUB_TIMEOUT=5\n");
	check("GRUB_CMDLINE_LINUX=\"vfio-pci.ids=10de:1b80,10de:10f0,1002:73ff\"\n", "GRUB_CMDLINE_LINUX", w,
	      "GRUB_CMDLINE_LINUX=\"vfio-pci.ids=10de:1b80,10de:10f0,1002:73ff\"\n");
	check("GRUB_CMDLINE_LINUX=\"xvfio-pci.ids=10de:1b80,10de:10f0\"\n", "GRUB_CMDLINE_LINUX", w,
	      "GRUB_CMDLINE_LINUX=\"xvfio-pci.ids=10de:1b80,10de:10f0\"\n");
}

static void test_several_words(void **state)
{
	(void)state;
	char *const w[] = { "intel_iommu=on", "vfio-pci.ids=1234:5678", "rd.driver.pre=vfio_pci", NULL };
	check("root=UUID=1 ro quiet intel_iommu=on vfio-pci.ids=1234:5678 rd.driver.pre=vfio_pci\n", NULL, w,
	      "root=UUID=1 ro quiet\n");
	/* a word that appears twice goes twice; a file without a final newline keeps that */
	check("options a intel_iommu=on b intel_iommu=on", "options", w, "options a b");
	/* BLS: only the options line */
	check("title intel_iommu=on\noptions ro intel_iommu=on\n", "options", w, "title intel_iommu=on\noptions ro\n");
	check("", NULL, w, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_line),
		cmocka_unit_test(test_several_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the planner: command-line words, device selection, modules per kernel, binding by address. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "plan.h"
#include "util.h"

static void test_cmdline_words(void **state)
{
	char **w = NULL;
	assert_int_equal(vp_cmdline_split("ro  quiet\tfoo=\"a b\" vfio_pci.ids=10de:1e87 intel_iommu=on,sm_on", &w), 0);
	assert_int_equal(vp_strv_len(w), 5);
	assert_string_equal(w[2], "foo=\"a b\"");
	assert_true(vp_cmdline_has(w, "vfio-pci.ids=10de:1e87")); /* - and _ alike in the key */
	assert_false(vp_cmdline_has(w, "vfio-pci.ids=10de:1e88"));
	assert_true(vp_cmdline_has(w, "intel_iommu=on"));         /* one of a comma list */
	assert_true(vp_cmdline_has(w, "quiet"));
	assert_false(vp_cmdline_has(w, "iommu=pt"));
	vp_strv_free(w);
}

struct built {
	char *tree;
	struct vp_root *root;
	struct vp_host *h;
	struct vp_plan *p;
};

static void build(struct built *b, const char *host, bool text, char *const *devs, const struct vp_plan_opts *extra)
{
	b->tree = text ? vp_test_tree_from_text(host) : vp_test_tree(host);
	assert_int_equal(vp_root_open(b->tree, &b->root), 0);
	assert_int_equal(vp_host_load(b->root, VP_HOST_MODULES, &b->h), 0);
	struct vp_plan_opts o = extra ? *extra : (struct vp_plan_opts){ 0 };
	o.devices = devs;
	char *err = NULL;
	assert_int_equal(vp_plan_build(b->root, b->h, &o, &b->p, &err), 0);
	assert_null(err);
}

static void done(struct built *b)
{
	vp_plan_free(b->p);
	vp_host_free(b->h);
	vp_root_free(b->root);
	vp_test_tree_free(b->tree);
}

static void test_fedora_card(void **state)
{
	struct built b;
	build(&b, "fedora-igpu-rtx", false, (char *[]){ "10de:1e87", NULL }, NULL);
	assert_null(b.p->blockers);
	assert_int_equal(vp_strv_len(b.p->addrs), 4); /* the whole Turing card */
	assert_false(b.p->by_address);
	char *ids = vp_strv_join(b.p->ids, ",");
	assert_string_equal(ids, "10de:1e87,10de:10f8,10de:1ad8,10de:1ad9");
	free(ids);
	assert_true(vp_strv_contains(b.p->kargs, "intel_iommu=on"));       /* Fedora needs it ... */
	assert_false(vp_strv_contains(b.p->kargs_missing, "intel_iommu=on")); /* ... and already has it */
	assert_true(vp_strv_contains(b.p->kargs, "rd.driver.pre=vfio_pci"));
	assert_false(vp_strv_contains(b.p->kargs, "iommu=pt"));
	assert_false(vp_strv_contains(b.p->softdeps, "drm"));
	assert_true(vp_strv_contains(b.p->softdeps, "nvidia") && vp_strv_contains(b.p->softdeps, "nouveau"));
	assert_true(vp_strv_contains(b.p->softdeps, "snd_hda_intel"));
	done(&b);

	build(&b, "fedora-igpu-rtx", false, (char *[]){ "00:02.0", NULL }, NULL);
	assert_non_null(b.p->blockers); /* the boot display */
	assert_non_null(strstr(b.p->blockers[0], "boot display"));
	assert_true(vp_changeset_empty(b.p->cs));
	done(&b);
}

static void test_modules_per_kernel(void **state)
{
	const char *mixed = "os ID=arch NAME=Arch\nkernel 6.1.50-1-lts running\nkernel 6.8.9-arch1-1\ncpu AuthenticAMD svm\n"
			    "iommu amd\ngrub arch\ninitramfs mkinitcpio\ngroup 0\n00:02.0 [0300] 1002:15bf driver=amdgpu boot_vga=1\n"
			    "group 1\n01:00.0 [0300] 1002:73bf driver=amdgpu\n01:00.1 [0403] 1002:ab28 driver=snd_hda_intel\n";
	struct built b;
	build(&b, mixed, true, (char *[]){ "01:00.0", NULL }, NULL);
	assert_null(b.p->blockers);
	assert_int_equal(b.p->n_kernels, 2);
	char *m = vp_strv_join(b.p->modules, " ");
	assert_string_equal(m, "vfio_pci vfio vfio_iommu_type1"); /* vfio_virqfd is gone in 6.8 */
	free(m);
	assert_false(vp_strv_contains(b.p->kargs, "amd_iommu=on"));
	assert_false(vp_strv_contains(b.p->kargs, "rd.driver.pre=vfio_pci")); /* mkinitcpio, not dracut */
	done(&b);

	const char *old = "os ID=debian NAME=Debian\nkernel 6.1.0-21-amd64 running\ncpu GenuineIntel vmx\niommu intel\n"
			  "grub debian\ninitramfs initramfs-tools\ngroup 0\n00:02.0 [0300] 8086:3e98 driver=i915 boot_vga=1\n"
			  "group 1\n01:00.0 [0300] 10de:1b80 driver=nouveau\n01:00.1 [0403] 10de:10f0 driver=snd_hda_intel\n";
	struct vp_plan_opts o = { .iommu_pt = true };
	build(&b, old, true, (char *[]){ "01:00.0", NULL }, &o);
	m = vp_strv_join(b.p->modules, " ");
	assert_string_equal(m, "vfio_pci vfio vfio_iommu_type1 vfio_virqfd");
	free(m);
	/* no kernel config says VT-d is on by default: the distribution's name decides nothing */
	assert_true(vp_strv_contains(b.p->kargs, "intel_iommu=on"));
	assert_true(vp_strv_contains(b.p->kargs, "iommu=pt"));       /* asked for */
	done(&b);

	/* Debian's kernel config (DEFAULT_ON_INTGPU_OFF) in the module directory: not added */
	char *withcfg = vp_strdup_printf("%sfile usr/lib/modules/6.1.0-21-amd64/config\n| CONFIG_INTEL_IOMMU=y\n"
					 "| CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y\n", old);
	build(&b, withcfg, true, (char *[]){ "01:00.0", NULL }, &o);
	assert_false(vp_strv_contains(b.p->kargs, "intel_iommu=on"));
	done(&b);
	free(withcfg);
}

static void test_identical_cards_bind_by_address(void **state)
{
	struct built b;
	build(&b, "two-identical-gpus", false, (char *[]){ "0c:00.0", NULL }, NULL);
	assert_null(b.p->blockers);
	assert_true(b.p->by_address);
	assert_int_equal(vp_strv_len(b.p->ids), 0);
	for (size_t i = 0; b.p->kargs[i]; i++)
		assert_null(strstr(b.p->kargs[i], "vfio-pci.ids"));
	char *conf = NULL;
	assert_int_equal(vp_changeset_read(b.p->cs, VP_PLAN_MODPROBE, &conf, NULL), 1);
	assert_non_null(strstr(conf, "*) for d in 0000:0c:00.0 0000:0c:00.1; do echo vfio-pci > "
				     "/sys/bus/pci/devices/$d/driver_override; done ;; esac"));
	assert_null(strstr(conf, "options vfio-pci ids="));
	free(conf);
	done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_words),
		cmocka_unit_test(test_fedora_card),
		cmocka_unit_test(test_modules_per_kernel),
		cmocka_unit_test(test_identical_cards_bind_by_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

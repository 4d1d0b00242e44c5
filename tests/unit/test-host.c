/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the host model: cards, group verdicts, device attributes, modules, cmdline, os-release. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "root.h"
#include "util.h"

static struct vp_host *load(const char *tree, unsigned flags)
{
	struct vp_root *r = NULL;
	struct vp_host *h = NULL;
	assert_int_equal(vp_root_open(tree, &r), 0);
	assert_int_equal(vp_host_load(r, flags, &h), 0);
	vp_root_free(r);
	return h;
}

static const struct vp_pci_dev *dev(const struct vp_host *h, const char *addr)
{
	const struct vp_pci_dev *d = vp_host_dev(h, addr);
	assert_non_null(d);
	return d;
}

static void test_turing_card_and_groups(void **state)
{
	char *tree = vp_test_tree("fedora-igpu-rtx");
	struct vp_host *h = load(tree, 0);

	/* A Turing GeForce is one card of four functions: VGA, HDMI audio, USB, UCSI. */
	const struct vp_card *c = vp_host_card_of(h, dev(h, "0000:01:00.3"));
	assert_non_null(c);
	assert_string_equal(c->slot, "0000:01:00");
	assert_int_equal(c->n_devs, 4);
	assert_true(c->display);
	assert_false(c->boot_vga);
	assert_int_equal(c->vendor, 0x10de);
	/* The bridge of group 1 is in no card. */
	assert_null(vp_host_card_of(h, dev(h, "0000:00:01.0")));

	/* Group 1: root port + the four functions: isolated (bridges do not count), not viable (nvidia...). */
	const struct vp_group *g = vp_host_group(h, 1);
	assert_non_null(g);
	assert_int_equal(g->n_devs, 5);
	assert_string_equal(g->devs[0]->addr, "0000:00:01.0");
	assert_true(g->isolated);
	assert_false(g->viable);
	assert_string_equal(h->cards[g->card].slot, "0000:01:00");
	assert_string_equal(h->default_domain, "DMA-FQ");
	assert_int_equal(dev(h, "0000:01:00.0")->revision, 0xa1);
	assert_string_equal(dev(h, "0000:01:00.0")->parent, "0000:00:01.0");
	assert_null(dev(h, "0000:00:01.0")->parent);
	/* Group 6: a root port on pcieport only: viable (pcieport manages DMA), not isolated (no endpoint). */
	g = vp_host_group(h, 6);
	assert_true(g->viable);
	assert_false(g->isolated);
	assert_int_equal(g->card, -1);

	/* boot_vga exists only on VGA-class functions. */
	assert_int_equal(dev(h, "0000:00:02.0")->boot_vga, 1);
	assert_int_equal(dev(h, "0000:01:00.0")->boot_vga, 0);
	assert_int_equal(dev(h, "0000:01:00.1")->boot_vga, -1);
	assert_true(vp_host_card_of(h, dev(h, "0000:00:02.0"))->boot_vga);

	/* reset_method is a list; absent means unknown/none. */
	const struct vp_pci_dev *d = dev(h, "0000:01:00.0");
	assert_non_null(d->reset_methods);
	assert_string_equal(d->reset_methods[0], "flr");
	assert_string_equal(d->reset_methods[1], "bus");
	assert_null(d->reset_methods[2]);
	assert_null(dev(h, "0000:00:14.0")->reset_methods);

	/* ids, class, driver, parent bridge, unbound device */
	assert_int_equal(d->vendor, 0x10de);
	assert_int_equal(d->device, 0x1e87);
	assert_int_equal(d->subsys_vendor, 0x1043);
	assert_int_equal(d->subsys_device, 0x866a);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->revision, 0xa1);
	assert_string_equal(d->driver, "nvidia");
	assert_string_equal(d->parent, "0000:00:01.0");
	assert_null(dev(h, "0000:00:01.0")->parent);
	assert_null(dev(h, "0000:00:14.2")->driver);
	assert_true(dev(h, "0000:00:14.2")->driver_known);
	assert_null(d->driver_override);
	assert_int_equal(d->iommu_group, 1);

	assert_true(vp_host_iommu_active(h));
	assert_int_equal(h->iommu_vendor, VP_IOMMU_INTEL);
	assert_int_equal(h->cpu_vendor, VP_CPU_INTEL);
	assert_int_equal(h->cpu_vmx, VP_TRI_YES);
	assert_int_equal(h->irq_remapping, VP_TRI_YES);
	assert_string_equal(h->kernel_release, "6.8.5-301.fc40.x86_64");
	assert_null(h->notes);
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_apu_other_vendor_functions(void **state)
{
	char *tree = vp_test_tree("amd-apu-shared-group");
	struct vp_host *h = load(tree, 0);
	/* 05:00.0/.1 (1002) are the card; the 1022 PSP/USB/audio functions of the same slot are not. */
	const struct vp_card *c = vp_host_card_of(h, dev(h, "0000:05:00.0"));
	assert_int_equal(c->n_devs, 2);
	assert_int_equal(c->vendor, 0x1002);
	assert_ptr_equal(vp_host_card_of(h, dev(h, "0000:05:00.1")), c);
	for (const char *const *a = (const char *const[]){ "0000:05:00.2", "0000:05:00.3", "0000:05:00.4", "0000:05:00.6", NULL }; *a; a++)
		assert_null(vp_host_card_of(h, dev(h, *a)));
	/* So their shared group is not isolated. */
	assert_false(vp_host_group(h, 6)->isolated);
	assert_int_equal(h->iommu_vendor, VP_IOMMU_AMD);
	assert_int_equal(h->cpu_svm, VP_TRI_YES);
	/* The RX 6800 XT behind its own switch: bridges do not spoil isolation. */
	assert_true(vp_host_group(h, 12)->isolated);
	assert_string_equal(dev(h, "0000:0c:00.0")->parent, "0000:0b:00.0");
	vp_host_free(h);
	vp_test_tree_free(tree);

	/* Each function in its own group: a lone non-card function is isolated, with no card. */
	tree = vp_test_tree("amd-ryzen-apu");
	h = load(tree, 0);
	const struct vp_group *g = vp_host_group(h, dev(h, "0000:07:00.3")->iommu_group);
	assert_true(g->isolated);
	assert_int_equal(g->card, -1);
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_viable_when_bound_to_vfio(void **state)
{
	char *tree = vp_test_tree("already-bound");
	struct vp_host *h = load(tree, 0);
	const struct vp_group *g = vp_host_group(h, 1);
	assert_true(g->viable);
	assert_true(g->isolated);
	assert_string_equal(dev(h, "0000:01:00.0")->driver, "vfio-pci");
	assert_string_equal(dev(h, "0000:01:00.0")->driver_override, "vfio-pci");
	assert_true(h->vfio_pci_loaded);
	assert_true(vp_driver_is_dma_safe("vfio-pci"));
	assert_true(vp_driver_is_dma_safe("pci-stub"));
	assert_true(vp_driver_is_dma_safe("pcieport"));
	assert_true(vp_driver_is_dma_safe(NULL));
	assert_false(vp_driver_is_dma_safe("snd_hda_intel"));
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_sriov_and_mdev(void **state)
{
	char *tree = vp_test_tree_from_text(
		"kernel 6.8.0-31-generic running\n"
		"cpu GenuineIntel vmx\n"
		"iommu intel\n"
		"group 1\n"
		"00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n"
		"group 2\n"
		"00:01.0 [0604] 8086:1901 sec=01 driver=pcieport\n"
		"01:00.0 [0200] 8086:1572 driver=i40e sriov=8/2 vf=8086:154c vfdriver=iavf reset=flr\n"
		"mdev 00:02.0 i915-GVTg_V5_4 avail=2 api=vfio-pci name=GVTg_V5_4\n");
	struct vp_host *h = load(tree, 0);
	const struct vp_pci_dev *pf = dev(h, "0000:01:00.0");
	assert_int_equal(pf->sriov_totalvfs, 8);
	assert_int_equal(pf->sriov_numvfs, 2);
	assert_null(pf->physfn);
	const struct vp_pci_dev *vf = dev(h, "0000:01:02.0");
	assert_string_equal(vf->physfn, "0000:01:00.0");
	assert_string_equal(vf->driver, "iavf");
	assert_int_equal(vf->sriov_totalvfs, -1);
	assert_true(vf->iommu_group >= 0 && vf->iommu_group != pf->iommu_group);
	const struct vp_pci_dev *igd = dev(h, "0000:00:02.0");
	assert_int_equal(igd->n_mdev_types, 1);
	assert_string_equal(igd->mdev_types[0].id, "i915-GVTg_V5_4");
	assert_string_equal(igd->mdev_types[0].device_api, "vfio-pci");
	assert_int_equal(igd->mdev_types[0].available_instances, 2);
	vp_host_free(h);
	vp_test_tree_free(tree);
}

/* The driver comes from uevent's DRIVER= (no line: none); the driver link only when uevent is unusable. */
static void test_driver_sources(void **state)
{
	char *tree = vp_test_tree_from_text(
		"kernel 6.8.0-31-generic running\n"
		"cpu GenuineIntel vmx\n"
		"iommu intel\n"
		"group 1\n"
		"01:00.0 [0300] 10de:2204 driver=nvidia\n"
		"01:00.1 [0403] 10de:1aef driver=snd_hda_intel\n"
		"group 2\n"
		"02:00.0 [0108] 144d:a808\n");
	const char *gpu = "sys/bus/pci/devices/0000:01:00.0/", *aud = "sys/bus/pci/devices/0000:01:00.1/";
	char *p;
	/* The GPU's uevent says vfio-pci (its link still says nvidia): uevent wins. */
	vp_test_write(tree, (p = vp_strdup_printf("%suevent", gpu)), "DRIVER=vfio-pci\nPCI_CLASS=30000\nPCI_ID=10DE:2204\nPCI_SUBSYS_ID=1043:87B3\n");
	free(p);
	/* The audio function's uevent lacks PCI_SUBSYS_ID: not usable, so the link decides. */
	vp_test_write(tree, (p = vp_strdup_printf("%suevent", aud)), "DRIVER=bogus\nPCI_CLASS=40300\nPCI_ID=10DE:1AEF\n");
	free(p);
	struct vp_host *h = load(tree, 0);
	assert_string_equal(dev(h, "0000:01:00.0")->driver, "vfio-pci");
	assert_string_equal(dev(h, "0000:01:00.1")->driver, "snd_hda_intel");
	assert_true(dev(h, "0000:02:00.0")->driver_known);
	assert_null(dev(h, "0000:02:00.0")->driver);
	vp_host_free(h);
	vp_test_tree_free(tree);
}

/* The host's default domain type comes from the lowest group number, not the first name listed. */
static void test_default_domain(void **state)
{
	char *tree = vp_test_tree_from_text(
		"kernel 6.8.0-31-generic running\n"
		"cpu GenuineIntel vmx\n"
		"iommu intel\n"
		"group 10 type=identity\n"
		"01:00.0 [0300] 10de:2204 driver=nvidia\n"
		"group 9 type=DMA\n"
		"00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n");
	struct vp_host *h = load(tree, 0);
	assert_string_equal(h->default_domain, "DMA"); /* group 9: "10" sorts first as a name */
	vp_host_free(h);
	vp_test_tree_free(tree);

	tree = vp_test_tree_from_text(
		"kernel 6.8.0-31-generic running\n"
		"cmdline BOOT_IMAGE=/vmlinuz ro iommu=pt\n"
		"cpu GenuineIntel vmx\n"
		"iommu intel\n"
		"group 3\n"
		"00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n");
	h = load(tree, 0);
	assert_string_equal(h->default_domain, "identity");
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static enum vp_mod_state vfio_state(const char *desc_extra, bool remove_modules)
{
	char *desc = vp_strdup_printf("%s\ncpu GenuineIntel vmx\niommu intel\ngroup 1\n00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n", desc_extra);
	char *tree = vp_test_tree_from_text(desc);
	free(desc);
	if (remove_modules) {
		char *cmd = vp_strdup_printf("rm -rf '%s/lib/modules' '%s/usr/lib/modules'", tree, tree);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	struct vp_host *h = load(tree, VP_HOST_MODULES);
	enum vp_mod_state s = h->vfio_pci;
	vp_host_free(h);
	vp_test_tree_free(tree);
	return s;
}

static void test_vfio_module_state_via_libkmod(void **state)
{
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=module", false), VP_MOD_MODULE);
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=builtin", false), VP_MOD_BUILTIN);
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=none", false), VP_MOD_MISSING);
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=module", true), VP_MOD_UNKNOWN);
	/* Loaded now (sys/module/vfio_pci with initstate) even without module files: it exists. */
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=module\nloaded vfio_pci vfio", true), VP_MOD_MODULE);
	/* Built in (sys/module/vfio_pci without initstate) and no module files. */
	assert_int_equal(vfio_state("kernel 6.8.0-31-generic running vfio=builtin", true), VP_MOD_BUILTIN);
}

static void test_cmdline_parsing(void **state)
{
	char *tree = vp_test_tree_from_text(
		"cmdline BOOT_IMAGE=/vmlinuz ro quiet intel_iommu=off intel_iommu=on,igfx_off iommu=pt intel_iommu_x=1 flag"
		" vfio-pci.ids=10de:2204,10de:1aef -- init_arg intel_iommu=off\n"
		"cpu GenuineIntel vmx\niommu intel\ngroup 1\n00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n");
	struct vp_host *h = load(tree, 0);
	assert_string_equal(vp_host_cmdline_get(h, "intel_iommu"), "on,igfx_off"); /* last wins; after -- is init's */
	assert_string_equal(vp_host_cmdline_get(h, "iommu"), "pt");
	assert_string_equal(vp_host_cmdline_get(h, "flag"), "");
	assert_string_equal(vp_host_cmdline_get(h, "vfio-pci.ids"), "10de:2204,10de:1aef");
	assert_null(vp_host_cmdline_get(h, "amd_iommu"));
	assert_null(vp_host_cmdline_get(h, "intel"));
	assert_string_equal(vp_host_cmdline_get(h, "intel_iommu_x"), "1");
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_os_release_and_firmware(void **state)
{
	char *tree = vp_test_tree_from_text(
		"os ID=fedora VERSION_ID=40 NAME=\"Fedora Linux\" VARIANT_ID=silverblue PRETTY_NAME=\"Fedora Linux 40 (Silverblue)\"\n"
		"ostree\ncpu GenuineIntel vmx\niommu none acpi=yes\ngroup none\n00:02.0 [0300] 8086:3e92 driver=i915 boot_vga=1\n");
	struct vp_host *h = load(tree, 0);
	assert_string_equal(h->os.id, "fedora");
	assert_string_equal(h->os.version_id, "40");
	assert_string_equal(h->os.name, "Fedora Linux");
	assert_string_equal(h->os.variant_id, "silverblue");
	assert_string_equal(h->os.pretty_name, "Fedora Linux 40 (Silverblue)");
	assert_true(h->ostree_booted);
	assert_false(vp_host_iommu_active(h));
	assert_int_equal(h->acpi_dmar, VP_TRI_YES);
	assert_int_equal(h->acpi_ivrs, VP_TRI_NO);
	assert_int_equal(dev(h, "0000:00:02.0")->iommu_group, -1);
	vp_host_free(h);

	/* No etc/os-release: usr/lib/os-release is read, single quotes stripped. A kernel config decides VT-d's default. */
	char *cmd = vp_strdup_printf("cd '%s' && rm -f etc/os-release && mkdir -p usr/lib && printf \"ID='debian'\\nVERSION_ID=\\\"12\\\"\\n\" > usr/lib/os-release"
				     " && printf 'CONFIG_INTEL_IOMMU=y\\nCONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y\\n' > boot/config-$(cat proc/sys/kernel/osrelease)"
				     " && rm -rf sys/firmware", tree);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	h = load(tree, 0);
	assert_string_equal(h->os.id, "debian");
	assert_string_equal(h->os.version_id, "12");
	assert_int_equal(h->intel_iommu_default_on, VP_TRI_YES);
	assert_int_equal(h->acpi_dmar, VP_TRI_UNKNOWN);
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_uevent_fallback_and_garbage(void **state)
{
	char *tree = vp_test_tree("fedora-igpu-rtx");
	const char *d = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0";
	/* Without uevent the single attributes give the same facts. */
	char *p = vp_strdup_printf("%s/%s/uevent", tree, d);
	assert_int_equal(unlink(p), 0);
	free(p);
	struct vp_host *h = load(tree, 0);
	assert_int_equal(dev(h, "0000:01:00.0")->vendor, 0x10de);
	assert_int_equal(dev(h, "0000:01:00.0")->class_code, 0x030000);
	assert_null(h->notes);
	vp_host_free(h);
	/* Garbage everywhere: unknown values and one note per file, never a failure. */
	char *rel = vp_strdup_printf("%s/uevent", d);
	vp_test_write(tree, rel, "PCI_ID=zz\n");
	free(rel);
	rel = vp_strdup_printf("%s/vendor", d);
	vp_test_write(tree, rel, "0x1x\n");
	free(rel);
	rel = vp_strdup_printf("%s/revision", d);
	vp_test_write(tree, rel, "");
	free(rel);
	h = load(tree, 0);
	assert_int_equal(dev(h, "0000:01:00.0")->vendor, -1);
	assert_int_equal(dev(h, "0000:01:00.0")->device, 0x1e87);
	assert_int_equal(dev(h, "0000:01:00.0")->revision, -1);
	assert_int_equal(vp_strv_len(h->notes), 2);
	assert_string_equal(h->notes[0], "/sys/bus/pci/devices/0000:01:00.0/vendor: invalid content, treated as unknown");
	assert_string_equal(h->notes[1], "/sys/bus/pci/devices/0000:01:00.0/revision: empty, treated as unknown");
	assert_null(vp_host_card_of(h, dev(h, "0000:01:00.0"))); /* unknown vendor: in no card */
	vp_host_free(h);
	vp_test_tree_free(tree);
}

static void test_class_helpers(void **state)
{
	assert_true(vp_class_is_bridge(0x060400));
	assert_true(vp_class_is_bridge(0x060100));
	assert_false(vp_class_is_bridge(0x030000));
	assert_false(vp_class_is_bridge(-1));
	assert_true(vp_class_is_display(0x030200));
	assert_string_equal(vp_class_short(0x030000), "VGA");
	assert_string_equal(vp_class_short(0x030200), "3D");
	assert_string_equal(vp_class_short(0x040300), "Audio");
	assert_string_equal(vp_class_short(-1), "unknown");
	assert_string_equal(vp_iommu_vendor_to_string(VP_IOMMU_AMD), "amd");
	assert_null(vp_iommu_vendor_to_string(VP_IOMMU_NONE));
	assert_string_equal(vp_mod_state_to_string(VP_MOD_BUILTIN), "builtin");
}

static void test_input_tables_complete(void **state)
{
	for (size_t i = 0; i < _VP_IN_MAX; i++) {
		assert_non_null(vp_host_inputs[i].path);
		assert_true(vp_host_inputs[i].path[0] != '/');
	}
	for (size_t i = 0; i < _VP_PA_MAX; i++) {
		assert_non_null(vp_pci_dev_attrs[i].path);
		assert_null(strchr(vp_pci_dev_attrs[i].path, '/'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_turing_card_and_groups),
		cmocka_unit_test(test_apu_other_vendor_functions),
		cmocka_unit_test(test_viable_when_bound_to_vfio),
		cmocka_unit_test(test_sriov_and_mdev),
		cmocka_unit_test(test_default_domain),
		cmocka_unit_test(test_driver_sources),
		cmocka_unit_test(test_vfio_module_state_via_libkmod),
		cmocka_unit_test(test_cmdline_parsing),
		cmocka_unit_test(test_os_release_and_firmware),
		cmocka_unit_test(test_uevent_fallback_and_garbage),
		cmocka_unit_test(test_class_helpers),
		cmocka_unit_test(test_input_tables_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

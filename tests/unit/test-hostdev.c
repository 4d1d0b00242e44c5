/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for <hostdev> XML and attach/detach. XML is checked against
 * libvirt's schema with virt-xml-validate; attach/detach run the real libvirt
 * client against the test driver (test:///ABS/node.xml), whose state lives in
 * this process's connection, so every check uses that one connection.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "hostdev.h"
#include "root.h"
#include "select.h"
#include "util.h"
#include "virt.h"

struct fx {
	char *tree;
	struct vp_root *root;
	struct vp_host *h;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->tree = vp_test_tree("fedora-igpu-rtx");
	assert_int_equal(vp_root_open(f->tree, &f->root), 0);
	assert_int_equal(vp_host_load(f->root, 0, &f->h), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	vp_host_free(f->h);
	vp_root_free(f->root);
	vp_test_tree_free(f->tree);
	free(f);
	return 0;
}

static int plan(struct fx *f, const char *dev, const struct vp_hostdev_opts *o, struct vp_hostdev **hds, size_t *n,
		char **err)
{
	char *args[] = { (char *)dev, NULL };
	char **slots = NULL, *e = NULL;
	assert_int_equal(vp_select_cards(f->h, args, &slots, &e), 0);
	int r = vp_hostdev_plan(f->h, slots, o, hds, n, err);
	vp_strv_free(slots);
	return r;
}

/* Wraps hostdevs in a minimal domain and runs virt-xml-validate; returns its exit status. */
static int validate(const char *tree, const char *hostdevs)
{
	char *path = vp_strdup_printf("%s/dom.xml", tree);
	char *xml = vp_strdup_printf("<domain type='kvm'>\n  <name>t</name>\n  <memory>1048576</memory>\n"
				     "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n%s  </devices>\n"
				     "</domain>\n", hostdevs);
	vp_test_write("/", path, xml);
	char *cmd = vp_strdup_printf("virt-xml-validate '%s' domain >/dev/null 2>&1", path);
	int rc = system(cmd);
	free(cmd);
	free(xml);
	free(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *format_all(const struct vp_hostdev *hds, size_t n)
{
	struct vp_buf b = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *x = vp_hostdev_format(&hds[i], 4);
		vp_buf_puts(&b, x);
		free(x);
	}
	return vp_buf_steal(&b);
}

static void test_plan_and_validate(void **state)
{
	struct fx *f = *state;
	struct vp_hostdev *hds = NULL;
	size_t n = 0;
	char *err = NULL;
	struct vp_hostdev_opts o = { .guest_slot = 6, .rom_file = "/usr/share/vgabios/tu104.rom",
				     .rom_bar = VP_ROM_BAR_DEFAULT };
	assert_int_equal(plan(f, "01:00.1", &o, &hds, &n, &err), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(hds[i].guest_slot, 6);
		assert_int_equal(hds[i].guest_function, (int)i);
		assert_int_equal(hds[i].multifunction, i == 0);
		assert_int_equal(hds[i].rom_file != NULL, i == 0); /* only the VGA function */
	}
	char *x = vp_hostdev_format(&hds[0], 0);
	assert_string_equal(x,
			    "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
			    "  <driver name=\"vfio\"/>\n"
			    "  <source>\n"
			    "    <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/>\n"
			    "  </source>\n"
			    "  <rom file=\"/usr/share/vgabios/tu104.rom\"/>\n"
			    "  <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x06\" function=\"0x0\" multifunction=\"on\"/>\n"
			    "</hostdev>\n");
	free(x);
	char *all = format_all(hds, n);
	assert_int_equal(validate(f->tree, all), 0);
	free(all);
	free(hds);

	/* No guest slot, rom bar off: valid too, and the UEFI caveat comes with it. */
	o = (struct vp_hostdev_opts){ .guest_slot = -1, .rom_bar = VP_ROM_BAR_OFF };
	assert_int_equal(plan(f, "0000:01:00.0", &o, &hds, &n, &err), 0);
	all = format_all(hds, n);
	assert_non_null(strstr(all, "<rom bar=\"off\"/>"));
	assert_null(strstr(all, "<address type="));
	assert_int_equal(validate(f->tree, all), 0);
	free(all);
	free(hds);
	char **notes = vp_hostdev_notes(&o);
	assert_non_null(notes[0]);
	assert_non_null(strstr(notes[0], "UEFI"));
	vp_strv_free(notes);

	/* The validator does reject what libvirt rejects (a relative ROM path). */
	assert_int_equal(validate(f->tree, "<hostdev mode='subsystem' type='pci' managed='yes'><source><address "
					   "domain='0' bus='1' slot='0' function='0'/></source><rom file='gpu.rom'/>"
					   "</hostdev>\n"),
			 3);
}

static void test_plan_errors(void **state)
{
	struct fx *f = *state;
	struct vp_hostdev *hds = NULL;
	size_t n = 0;
	char *err = NULL;
	struct vp_hostdev_opts o = { .guest_slot = -1, .rom_file = "gpu.rom", .rom_bar = VP_ROM_BAR_DEFAULT };
	assert_int_equal(plan(f, "01:00.0", &o, &hds, &n, &err), -EINVAL);
	assert_non_null(strstr(err, "absolute path"));
	free(err);
	o = (struct vp_hostdev_opts){ .guest_slot = 0, .rom_bar = VP_ROM_BAR_DEFAULT };
	assert_int_equal(plan(f, "01:00.0", &o, &hds, &n, &err), -EINVAL);
	free(err);
	o.guest_slot = 32;
	assert_int_equal(plan(f, "01:00.0", &o, &hds, &n, &err), -EINVAL);
	free(err);
	o = (struct vp_hostdev_opts){ .guest_slot = -1, .rom_file = "/x.rom", .rom_bar = VP_ROM_BAR_OFF };
	assert_int_equal(plan(f, "01:00.0", &o, &hds, &n, &err), -EINVAL);
	assert_non_null(strstr(err, "contradict"));
	free(err);
	/* Two cards from slot 31 do not fit. */
	char *two[] = { "0000:00:02", "0000:01:00", NULL };
	o = (struct vp_hostdev_opts){ .guest_slot = 31, .rom_bar = VP_ROM_BAR_DEFAULT };
	assert_int_equal(vp_hostdev_plan(f->h, two, &o, &hds, &n, &err), -EINVAL);
	free(err);
	o.guest_slot = 30;
	assert_int_equal(vp_hostdev_plan(f->h, two, &o, &hds, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(hds[0].guest_slot, 30); /* 00:02.0 */
	assert_false(hds[0].multifunction);      /* a single function */
	assert_int_equal(hds[1].guest_slot, 31);
	free(hds);
}

static const char node_xml[] =
	"<node>\n"
	"  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
	"    <name>win11</name><memory>4194304</memory>\n"
	"    <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
	"    <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/win11.qcow2'/>"
	"<target dev='vda' bus='virtio'/></disk></devices>\n"
	"    <test:runstate>5</test:runstate>\n"
	"  </domain>\n"
	"  <domain type='test'>\n"
	"    <name>nas</name><memory>1048576</memory>\n"
	"    <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
	"    <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>"
	"<address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></source></hostdev></devices>\n"
	"  </domain>\n"
	"</node>\n";

static char **inactive_addrs(struct vp_virt *v, const char *dom)
{
	char *xml = NULL, **a = NULL;
	assert_int_equal(v->ops->get_xml(v, dom, true, &xml), 0);
	assert_true(vp_virt_xml_hostdev_addrs(xml, &a) >= 0);
	free(xml);
	return a;
}

static void test_attach_detach_test_driver(void **state)
{
	struct fx *f = *state;
	char *node = vp_strdup_printf("%s/node.xml", f->tree);
	vp_test_write("/", node, node_xml);
	char *uri = vp_strdup_printf("test://%s", node);
	struct vp_virt *v = NULL;
	assert_int_equal(vp_virt_open(uri, false, &v), 0);

	struct vp_hostdev *hds = NULL;
	size_t n = 0;
	char *err = NULL, **added = NULL;
	bool live = true;
	struct vp_hostdev_opts o = { .guest_slot = 6, .rom_bar = VP_ROM_BAR_DEFAULT };
	assert_int_equal(plan(f, "01:00.0", &o, &hds, &n, &err), 0);
	assert_int_equal(vp_domain_attach(v, "win11", hds, n, true, &added, &live, &err), 0);
	assert_false(live); /* not running: nothing to hot-plug */
	assert_int_equal(vp_strv_len(added), 4);
	vp_strv_free(added);
	char **a = inactive_addrs(v, "win11");
	assert_int_equal(vp_strv_len(a), 4);
	assert_string_equal(a[0], "0000:01:00.0");
	assert_string_equal(a[3], "0000:01:00.3");
	vp_strv_free(a);
	/* The disk is still there, the guest address and driver came through. */
	char *xml = NULL;
	assert_int_equal(v->ops->get_xml(v, "win11", true, &xml), 0);
	assert_non_null(strstr(xml, "win11.qcow2"));
	assert_non_null(strstr(xml, "slot='0x06' function='0x0' multifunction='on'"));
	assert_non_null(strstr(xml, "<driver name='vfio'/>"));
	free(xml);
	/* And the domain starts on the test driver. */
	assert_int_equal(v->ops->start(v, "win11"), 0);
	assert_int_equal(v->ops->is_active(v, "win11"), 1);

	/* Duplicates are refused. */
	assert_int_equal(vp_domain_attach(v, "win11", hds, n, false, &added, &live, &err), -EEXIST);
	assert_non_null(strstr(err, "already has a hostdev for 0000:01:00.0"));
	free(err);
	free(hds);

	/* The NVMe drive belongs to 'nas'. */
	assert_int_equal(plan(f, "02:00.0", &(struct vp_hostdev_opts){ .guest_slot = -1, .rom_bar = -1 }, &hds, &n, &err), 0);
	assert_int_equal(vp_domain_attach(v, "win11", hds, n, false, &added, &live, &err), -EBUSY);
	assert_non_null(strstr(err, "domain 'nas' (running)"));
	free(err);
	free(hds);

	/* --live on a running domain: the test driver cannot hot-plug; the definition is restored. */
	assert_int_equal(plan(f, "03:00.0", &(struct vp_hostdev_opts){ .guest_slot = -1, .rom_bar = -1 }, &hds, &n, &err), 0);
	int e = vp_domain_attach(v, "nas", hds, n, true, &added, &live, &err);
	assert_int_equal(e, -EOPNOTSUPP);
	assert_non_null(strstr(err, "virDomainAttachDeviceFlags"));
	assert_non_null(strstr(err, "previous definition was restored"));
	free(err);
	a = inactive_addrs(v, "nas");
	assert_int_equal(vp_strv_len(a), 1);
	assert_string_equal(a[0], "0000:02:00.0");
	vp_strv_free(a);
	free(hds);

	/* Unknown domain. */
	assert_int_equal(vp_domain_attach(v, "nope", NULL, 0, false, &added, &live, &err), -ENOENT);
	assert_non_null(strstr(err, "no libvirt domain named 'nope'"));
	free(err);

	/* detach removes exactly the card's functions. */
	char *addrs[] = { "0000:01:00.0", "0000:01:00.1", "0000:01:00.2", "0000:01:00.3", NULL };
	char **removed = NULL;
	assert_int_equal(vp_domain_detach(v, "win11", addrs, false, &removed, &live, &err), 0);
	assert_int_equal(vp_strv_len(removed), 4);
	vp_strv_free(removed);
	a = inactive_addrs(v, "win11");
	assert_int_equal(vp_strv_len(a), 0);
	vp_strv_free(a);
	assert_int_equal(vp_domain_detach(v, "win11", addrs, false, &removed, &live, &err), 0);
	assert_int_equal(vp_strv_len(removed), 0);
	vp_strv_free(removed);

	vp_virt_free(v);
	free(uri);
	free(node);
}

static void test_xml_addrs_reader(void **state)
{
	(void)state;
	char **a = NULL;
	assert_int_equal(vp_virt_xml_hostdev_addrs("<domain><devices>"
						   "<hostdev type='usb'><source><vendor id='0x1'/></source></hostdev>"
						   "<hostdev type='pci'><source><address bus='1' slot='0' function='1'/></source></hostdev>"
						   "<hostdev type='pci'><source><address domain='0x0001' bus='0x0a' slot='0x1f' function='0x7'/></source></hostdev>"
						   "<hostdev type='pci'><source><address bus='0x100' slot='0' function='0'/></source></hostdev>"
						   "</devices></domain>", &a),
			 2);
	assert_string_equal(a[0], "0000:01:00.1");
	assert_string_equal(a[1], "0001:0a:1f.7");
	vp_strv_free(a);
	assert_int_equal(vp_virt_xml_hostdev_addrs("<domain><devices", &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_and_validate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_detach_test_driver, setup, teardown),
		cmocka_unit_test(test_xml_addrs_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

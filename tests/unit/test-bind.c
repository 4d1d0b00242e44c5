/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for bind/unbind on fixture roots. The sysfs control files of a
 * fixture are ordinary files, so a small kernel simulator (the after_write
 * hook) does what the kernel would: unbind removes the driver link,
 * drivers_probe binds the override driver (or the device's own driver when
 * no override is set), DRIVER/bind binds that driver. The write trace of the
 * root records exactly what was written, in order.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind.h"
#include "host.h"
#include "root.h"
#include "select.h"
#include "util.h"

struct sim {
	const char *tree;
	const char *probe_fails;  /* vfio-pci's probe fails for this address */
	const char *stubborn;     /* the host driver of this address does not come back */
	int writes;
};

/* The original drivers of fedora-igpu-rtx's RTX card: the "id tables" of the simulated kernel. */
static const char *native_driver(const char *addr)
{
	static const char *const map[][2] = {
		{ "0000:01:00.0", "nvidia" }, { "0000:01:00.1", "snd_hda_intel" },
		{ "0000:01:00.2", "xhci_hcd" }, { "0000:01:00.3", "nvidia-gpu" },
		{ "0000:00:14.0", "xhci_hcd" }, { "0000:00:02.0", "i915" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(map[i][0], addr))
			return map[i][1];
	return NULL;
}

static char *dev_dir(const char *tree, const char *addr)
{
	char *p = vp_strdup_printf("%s/sys/bus/pci/devices/%s", tree, addr);
	char *real = realpath(p, NULL);
	free(p);
	assert_non_null(real);
	return real;
}

static void set_driver(const char *tree, const char *addr, const char *drv)
{
	char *dir = dev_dir(tree, addr);
	char *link = vp_strdup_printf("%s/driver", dir);
	unlink(link);
	if (drv) {
		/* A relative link like the kernel's: up to the root, then sys/bus/pci/drivers/NAME. */
		const char *rel = dir + strlen(tree) + 1;
		struct vp_buf b = { 0 };
		for (const char *p = rel; *p; p++)
			if (*p == '/')
				vp_buf_puts(&b, "../");
		vp_buf_printf(&b, "../sys/bus/pci/drivers/%s", drv);
		assert_int_equal(symlink(b.data, link), 0);
		vp_buf_free(&b);
	}
	free(link);
	free(dir);
}

static char *get_driver(const char *tree, const char *addr)
{
	char *p = vp_strdup_printf("%s/sys/bus/pci/devices/%s/driver", tree, addr);
	char buf[256];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	free(p);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return strdup(strrchr(buf, '/') + 1);
}

static int kernel(void *ud, const char *rel, const char *value)
{
	struct sim *s = ud;
	char addr[VP_PCI_ADDR_LEN];
	s->writes++;
	if (vp_startswith(rel, "sys/bus/pci/devices/") && strstr(rel, "/driver/unbind")) {
		set_driver(s->tree, value, NULL);
	} else if (vp_startswith(rel, "sys/bus/pci/drivers/") && strstr(rel, "/unbind")) {
		set_driver(s->tree, value, NULL);
	} else if (streq(rel, "sys/bus/pci/drivers_probe")) {
		assert_int_equal(vp_pci_addr_parse(value, addr), 0);
		char *ovp = vp_strdup_printf("sys/bus/pci/devices/%s/driver_override", addr);
		char *ov = vp_test_read(s->tree, ovp);
		free(ovp);
		vp_strstrip_tail(ov);
		char *cur = get_driver(s->tree, addr);
		if (!cur) {
			if (streq(ov, "vfio-pci") && s->probe_fails && streq(s->probe_fails, addr))
				; /* vfio-pci's probe fails for this device */
			else if (*ov && !streq(ov, "(null)"))
				set_driver(s->tree, addr, ov);
			else if (!(s->stubborn && streq(s->stubborn, addr)))
				set_driver(s->tree, addr, native_driver(addr));
		}
		free(cur);
		free(ov);
	} else if (vp_startswith(rel, "sys/bus/pci/drivers/") && strstr(rel, "/bind")) {
		char drv[64];
		assert_int_equal(sscanf(rel, "sys/bus/pci/drivers/%63[^/]/bind", drv), 1);
		if (!(s->stubborn && streq(s->stubborn, value)))
			set_driver(s->tree, value, drv);
	}
	return 0;
}

struct fx {
	char *tree;
	char trace[64];
	int tfd;
	struct vp_root *root;
	struct sim sim;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->tree = vp_test_tree("fedora-igpu-rtx");
	/* vfio-pci "loaded": its driver directory exists, as after modprobe. */
	vp_test_write(f->tree, "sys/bus/pci/drivers/vfio-pci/bind", "");
	vp_test_write(f->tree, "sys/bus/pci/drivers/vfio-pci/unbind", "");
	vp_test_write(f->tree, "sys/module/vfio_pci/initstate", "live\n");
	snprintf(f->trace, sizeof(f->trace), "/tmp/vp-trace-XXXXXX");
	f->tfd = mkstemp(f->trace);
	assert_true(f->tfd >= 0);
	assert_int_equal(vp_root_open(f->tree, &f->root), 0);
	vp_root_set_write_trace(f->root, f->tfd);
	f->sim.tree = f->tree;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	vp_root_free(f->root);
	close(f->tfd);
	unlink(f->trace);
	vp_test_tree_free(f->tree);
	free(f);
	return 0;
}

static char *trace_take(struct fx *f)
{
	char *t = vp_test_read("/", f->trace);
	assert_int_equal(ftruncate(f->tfd, 0), 0);
	lseek(f->tfd, 0, SEEK_SET);
	return t;
}

/* Loads the host afresh and runs bind or unbind on one DEVICE argument. */
static enum vp_bind_result run(struct fx *f, const char *device, struct vp_bind_opts *o, struct vp_bind_report *rep)
{
	struct vp_host *h = NULL;
	assert_int_equal(vp_host_load(f->root, 0, &h), 0);
	char *args[] = { (char *)device, NULL };
	char **slots = NULL, *err = NULL;
	assert_int_equal(vp_select_cards(h, args, &slots, &err), 0);
	o->after_write = kernel;
	o->ud = &f->sim;
	assert_int_equal(vp_bind_plan(h, slots, o, rep), 0);
	assert_int_equal(vp_bind_run(f->root, h, o, rep), 0);
	vp_strv_free(slots);
	vp_host_free(h);
	return rep->result;
}

#define D "/sys/bus/pci/devices/"
#define P "/sys/bus/pci/drivers_probe\t"

static const char bind_trace[] =
	D "0000:01:00.0/driver_override\tvfio-pci\n" D "0000:01:00.0/driver/unbind\t0000:01:00.0\n" P "0000:01:00.0\n"
	D "0000:01:00.1/driver_override\tvfio-pci\n" D "0000:01:00.1/driver/unbind\t0000:01:00.1\n" P "0000:01:00.1\n"
	D "0000:01:00.2/driver_override\tvfio-pci\n" D "0000:01:00.2/driver/unbind\t0000:01:00.2\n" P "0000:01:00.2\n"
	D "0000:01:00.3/driver_override\tvfio-pci\n" D "0000:01:00.3/driver/unbind\t0000:01:00.3\n" P "0000:01:00.3\n";

static void test_bind_then_unbind(void **state)
{
	struct fx *f = *state;
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;

	assert_int_equal(run(f, "01:00.0", &o, &rep), VP_BIND_OK);
	char *t = trace_take(f);
	assert_string_equal(t, bind_trace);
	free(t);
	for (size_t i = 0; i < rep.n_devs; i++) {
		assert_string_equal(rep.devs[i].result, "bound");
		assert_string_equal(rep.devs[i].driver_after, "vfio-pci");
	}
	vp_bind_report_free(&rep);
	char *drv = NULL, *ov = NULL;
	assert_int_equal(vp_bind_state_get(f->root, "0000:01:00.3", &drv, &ov), 1);
	assert_string_equal(drv, "nvidia-gpu");
	assert_null(ov);
	free(drv);

	/* Again: idempotent, nothing written. */
	assert_int_equal(run(f, "0000:01:00.1", &o, &rep), VP_BIND_OK);
	t = trace_take(f);
	assert_string_equal(t, "");
	free(t);
	for (size_t i = 0; i < rep.n_devs; i++)
		assert_string_equal(rep.devs[i].result, "already");
	vp_bind_report_free(&rep);

	/* unbind: clear override, release from vfio-pci, probe; the old drivers come back. */
	o.unbind = true;
	assert_int_equal(run(f, "10de:1e87", &o, &rep), VP_BIND_OK);
	t = trace_take(f);
	const char *want =
		D "0000:01:00.0/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.0\n" P "0000:01:00.0\n"
		D "0000:01:00.1/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.1\n" P "0000:01:00.1\n"
		D "0000:01:00.2/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.2\n" P "0000:01:00.2\n"
		D "0000:01:00.3/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.3\n" P "0000:01:00.3\n";
	assert_string_equal(t, want);
	free(t);
	for (size_t i = 0; i < rep.n_devs; i++) {
		assert_string_equal(rep.devs[i].result, "returned");
		assert_string_equal(rep.devs[i].driver_after, native_driver(rep.devs[i].addr));
		assert_string_equal(rep.devs[i].previous, native_driver(rep.devs[i].addr));
	}
	vp_bind_report_free(&rep);
	assert_int_equal(vp_bind_state_get(f->root, "0000:01:00.0", &drv, &ov), 0);
}

static void test_bind_probe_fails_undo(void **state)
{
	struct fx *f = *state;
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;
	f->sim.probe_fails = "0000:01:00.2";

	enum vp_bind_result res = run(f, "01:00.0", &o, &rep);
	for (size_t i = 0; res != VP_BIND_ROLLED_BACK && i < rep.n_steps; i++)
		print_message("%s %s %d %s %s\n", rep.steps[i].device, rep.steps[i].step, rep.steps[i].status,
			      rep.steps[i].detail, rep.steps[i].error);
	assert_int_equal(res, VP_BIND_ROLLED_BACK);
	char *t = trace_take(f);
	const char *want =
		D "0000:01:00.0/driver_override\tvfio-pci\n" D "0000:01:00.0/driver/unbind\t0000:01:00.0\n" P "0000:01:00.0\n"
		D "0000:01:00.1/driver_override\tvfio-pci\n" D "0000:01:00.1/driver/unbind\t0000:01:00.1\n" P "0000:01:00.1\n"
		D "0000:01:00.2/driver_override\tvfio-pci\n" D "0000:01:00.2/driver/unbind\t0000:01:00.2\n" P "0000:01:00.2\n"
		/* undo, newest first: .2 is unbound (probe failed), .1 and .0 are on vfio-pci */
		D "0000:01:00.2/driver_override\t\n\n" P "0000:01:00.2\n"
		"/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.1\n" D "0000:01:00.1/driver_override\t\n\n" P "0000:01:00.1\n"
		"/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.0\n" D "0000:01:00.0/driver_override\t\n\n" P "0000:01:00.0\n";
	assert_string_equal(t, want);
	free(t);
	assert_string_equal(rep.devs[0].result, "rolled-back");
	assert_string_equal(rep.devs[2].result, "rolled-back");
	assert_string_equal(rep.devs[3].result, "not-run");
	for (size_t i = 0; i < rep.n_devs; i++)
		assert_string_equal(rep.devs[i].driver_after, native_driver(rep.devs[i].addr));
	bool saw_failed_verify = false;
	for (size_t i = 0; i < rep.n_steps; i++)
		if (streq(rep.steps[i].step, "verify") && rep.steps[i].status == VP_STEP_FAILED)
			saw_failed_verify = streq(rep.steps[i].device, "0000:01:00.2");
	assert_true(saw_failed_verify);
	vp_bind_report_free(&rep);
	/* Nothing remembered: the card was rolled back. */
	char *drv = NULL;
	assert_int_equal(vp_bind_state_get(f->root, "0000:01:00.0", &drv, NULL), 0);
	assert_int_equal(vp_bind_state_get(f->root, "0000:01:00.3", &drv, NULL), 0); /* not reached, not kept */
	char *ov = vp_test_read(f->tree, "sys/bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(ov, "\n");
	free(ov);
}

static void test_bind_unwritable_control_file(void **state)
{
	struct fx *f = *state;
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;
	/* A directory where 01:00.1's driver_override should be: the write fails with EISDIR. */
	char *p = vp_strdup_printf("%s/sys/bus/pci/devices/0000:01:00.1/driver_override", f->tree);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);

	assert_int_equal(run(f, "01:00.3", &o, &rep), VP_BIND_ROLLED_BACK);
	char *t = trace_take(f);
	const char *want =
		D "0000:01:00.0/driver_override\tvfio-pci\n" D "0000:01:00.0/driver/unbind\t0000:01:00.0\n" P "0000:01:00.0\n"
		"/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.0\n" D "0000:01:00.0/driver_override\t\n\n" P "0000:01:00.0\n";
	assert_string_equal(t, want);
	free(t);
	assert_string_equal(rep.devs[0].result, "rolled-back");
	assert_string_equal(rep.devs[1].result, "failed");
	assert_string_equal(rep.devs[0].driver_after, "nvidia");
	bool found = false;
	for (size_t i = 0; i < rep.n_steps; i++)
		if (rep.steps[i].status == VP_STEP_FAILED) {
			assert_string_equal(rep.steps[i].step, "driver_override");
			assert_string_equal(rep.steps[i].error, strerror(EISDIR));
			found = true;
		}
	assert_true(found);
	vp_bind_report_free(&rep);
}

static void test_unbind_driver_does_not_return(void **state)
{
	struct fx *f = *state;
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;
	assert_int_equal(run(f, "01:00.0", &o, &rep), VP_BIND_OK);
	vp_bind_report_free(&rep);
	free(trace_take(f));

	/* xhci_hcd refuses 01:00.2 (probe and explicit bind): unbind fails there and the card goes back to vfio-pci. */
	f->sim.stubborn = "0000:01:00.2";
	o.unbind = true;
	assert_int_equal(run(f, "01:00.0", &o, &rep), VP_BIND_ROLLED_BACK);
	char *t = trace_take(f);
	const char *want =
		D "0000:01:00.0/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.0\n" P "0000:01:00.0\n"
		D "0000:01:00.1/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.1\n" P "0000:01:00.1\n"
		D "0000:01:00.2/driver_override\t\n\n/sys/bus/pci/drivers/vfio-pci/unbind\t0000:01:00.2\n" P "0000:01:00.2\n"
		"/sys/bus/pci/drivers/xhci_hcd/bind\t0000:01:00.2\n"
		/* undo, newest first */
		D "0000:01:00.2/driver_override\tvfio-pci\n" P "0000:01:00.2\n"
		D "0000:01:00.1/driver_override\tvfio-pci\n" D "0000:01:00.1/driver/unbind\t0000:01:00.1\n" P "0000:01:00.1\n"
		D "0000:01:00.0/driver_override\tvfio-pci\n" D "0000:01:00.0/driver/unbind\t0000:01:00.0\n" P "0000:01:00.0\n";
	assert_string_equal(t, want);
	free(t);
	for (size_t i = 0; i < rep.n_devs; i++)
		assert_string_equal(rep.devs[i].driver_after, "vfio-pci");
	vp_bind_report_free(&rep);
	/* Still remembered, so a later unbind can return them. */
	char *drv = NULL;
	assert_int_equal(vp_bind_state_get(f->root, "0000:01:00.2", &drv, NULL), 1);
	assert_string_equal(drv, "xhci_hcd");
	free(drv);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct vp_host *h = NULL;
	assert_int_equal(vp_host_load(f->root, 0, &h), 0);
	char *slots_vga[] = { "0000:00:02", NULL };
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;

	assert_int_equal(vp_bind_plan(h, slots_vga, &o, &rep), 0);
	assert_int_equal(rep.result, VP_BIND_REFUSED);
	assert_non_null(strstr(rep.refusals[0], "boot VGA"));
	assert_int_equal(vp_bind_run(f->root, h, &o, &rep), 0);
	assert_int_equal(rep.n_steps, 0);
	vp_bind_report_free(&rep);

	o.allow_host_gpu = true;
	assert_int_equal(vp_bind_plan(h, slots_vga, &o, &rep), 0);
	assert_int_equal(rep.result, VP_BIND_OK);
	vp_bind_report_free(&rep);

	/* A running libvirt domain holds 01:00.1; a shut-off one only earns a note. */
	struct vp_virt_hostdev used[] = { { .domain = "win11", .addr = "0000:01:00.1", .running = true },
					  { .domain = "spare", .addr = "0000:01:00.0", .running = false } };
	char *slots_gpu[] = { "0000:01:00", NULL };
	o = (struct vp_bind_opts){ .used = used, .n_used = 2 };
	assert_int_equal(vp_bind_plan(h, slots_gpu, &o, &rep), 0);
	assert_int_equal(rep.result, VP_BIND_REFUSED);
	assert_int_equal(vp_strv_len(rep.refusals), 1);
	assert_non_null(strstr(rep.refusals[0], "running libvirt domain 'win11'"));
	assert_non_null(strstr(rep.notes[0], "'spare'"));
	vp_bind_report_free(&rep);

	/* unbind is refused for a running domain's device too. */
	o.unbind = true;
	assert_int_equal(vp_bind_plan(h, slots_gpu, &o, &rep), 0);
	assert_int_equal(rep.result, VP_BIND_REFUSED);
	vp_bind_report_free(&rep);
	vp_host_free(h);
}

static void test_whole_group_skips_bridges(void **state)
{
	(void)state;
	char *tree = vp_test_tree_from_text(
		"cpu GenuineIntel vmx\n"
		"iommu intel\n"
		"group 0\n00:00.0 [0600] 8086:3e30\n"
		"group 1\n"
		"00:01.0 [0604] 8086:1901 sec=01 driver=pcieport\n"
		"01:00.0 [0300] 1002:73bf driver=amdgpu\n"
		"01:00.1 [0403] 1002:ab28 driver=snd_hda_intel\n"
		"00:14.0 [0c03] 8086:a36d driver=xhci_hcd\n"
		"group 2\n00:02.0 [0300] 8086:3e98 driver=i915 boot_vga=1\n");
	struct vp_root *root = NULL;
	struct vp_host *h = NULL;
	assert_int_equal(vp_root_open(tree, &root), 0);
	assert_int_equal(vp_host_load(root, 0, &h), 0);
	char *slots[] = { "0000:01:00", NULL };
	struct vp_bind_opts o = { 0 };
	struct vp_bind_report rep;
	assert_int_equal(vp_bind_plan(h, slots, &o, &rep), 0);
	assert_int_equal(rep.n_devs, 2);
	assert_int_equal(rep.result, VP_BIND_OK);
	assert_non_null(rep.notes);
	assert_non_null(strstr(rep.notes[0], "0000:00:14.0 (driver xhci_hcd)"));
	vp_bind_report_free(&rep);

	o.whole_group = true;
	assert_int_equal(vp_bind_plan(h, slots, &o, &rep), 0);
	assert_int_equal(rep.n_devs, 3);
	assert_string_equal(rep.devs[0].addr, "0000:00:14.0");
	assert_string_equal(rep.devs[1].addr, "0000:01:00.0");
	assert_string_equal(rep.devs[2].addr, "0000:01:00.1");
	assert_null(rep.notes);
	vp_bind_report_free(&rep);
	vp_host_free(h);
	vp_root_free(root);
	vp_test_tree_free(tree);
}

static void test_libvirt_usage(void **state)
{
	struct fx *f = *state;
	struct vp_host *h = NULL;
	assert_int_equal(vp_host_load(f->root, 0, &h), 0);
	char *node = vp_strdup_printf("%s/node.xml", f->tree);
	vp_test_write("/", node,
		      "<node>\n"
		      " <domain type='test'><name>win11</name><memory>1048576</memory><os><type>hvm</type></os>\n"
		      "  <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>\n"
		      "   <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source></hostdev></devices>\n"
		      " </domain>\n"
		      "</node>\n");
	char *uri = vp_strdup_printf("test://%s", node);
	struct vp_virt_hostdev *used = NULL;
	size_t n = 0;
	char *note = NULL;
	assert_int_equal(vp_bind_libvirt_usage(f->root, h, uri, &used, &n, &note), 0);
	assert_null(note);
	assert_int_equal(n, 1);
	assert_string_equal(used[0].domain, "win11");
	assert_string_equal(used[0].addr, "0000:01:00.1");
	assert_true(used[0].running);
	vp_virt_hostdevs_free(used, n);

	/* An unreachable connection is reported, not fatal. */
	assert_int_equal(vp_bind_libvirt_usage(f->root, h, "test:///nonexistent/node.xml", &used, &n, &note), 0);
	assert_int_equal(n, 0);
	assert_non_null(strstr(note, "could not check libvirt domains on test:///nonexistent/node.xml"));
	free(note);
	/* Under --root without a URI nothing is asked. */
	assert_int_equal(vp_bind_libvirt_usage(f->root, h, NULL, &used, &n, &note), 0);
	assert_non_null(strstr(note, "not checked"));
	free(note);
	free(uri);
	free(node);
	vp_host_free(h);
}

/* The CLI refuses bind and unbind without root (exit 4) before touching anything. */
static void test_cli_needs_root(void **state)
{
	struct fx *f = *state;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	/* build/tests/unit/test-bind -> build/src/cli/vfio-pilot */
	char *bin = vp_strdup_printf("%s/../../src/cli/vfio-pilot", dirname(self));
	assert_int_equal(access(bin, X_OK), 0);
	char *cmd = vp_strdup_printf("chmod -R a+rX '%s/..' && %s '%s' --root '%s' %%s 01:00.0 >/dev/null 2>&1",
				     f->tree, geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups" : "",
				     bin, f->tree);
	for (int i = 0; i < 2; i++) {
		char *c = vp_strdup_printf(cmd, i ? "unbind" : "bind");
		int rc = system(c);
		assert_true(WIFEXITED(rc));
		assert_int_equal(WEXITSTATUS(rc), 4);
		free(c);
	}
	char *ov = vp_test_read(f->tree, "sys/bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(ov, "(null)\n");
	free(ov);
	assert_int_equal(vp_root_exists(f->root, VP_BIND_STATE), 0);
	free(cmd);
	free(bin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_then_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_probe_fails_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_unwritable_control_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind_driver_does_not_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libvirt_usage, setup, teardown),
		cmocka_unit_test(test_whole_group_skips_bridges),
		cmocka_unit_test_setup_teardown(test_cli_needs_root, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

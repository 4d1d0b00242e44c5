/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot bind|unbind DEVICE...: move cards to vfio-pci now, or give them back. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/bind.h"
#include "../lib/select.h"
#include "../lib/util.h"

static int run(const struct vp_opts *o, int argc, char *argv[], bool unbind)
{
	const char *name = unbind ? "unbind" : "bind";
	static const struct option longopts[] = {
		{ "whole-group", no_argument, NULL, 'g' },
		{ "allow-host-gpu", no_argument, NULL, 'A' },
		{ "allow-host-device", no_argument, NULL, 'D' },
		{ "connect", required_argument, NULL, 'c' },
		{ "trace-writes", required_argument, NULL, 'T' }, /* hidden: tests record every sysfs write */
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vp_bind_opts bo = { .unbind = unbind };
	const char *uri = NULL, *trace = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			bo.whole_group = true;
			break;
		case 'A':
			if (unbind) {
				vp_cli_error("unbind: unknown option '--allow-host-gpu'");
				return vp_cli_usage(name);
			}
			bo.allow_host_gpu = true;
			break;
		case 'D':
			if (unbind) {
				vp_cli_error("unbind: unknown option '--allow-host-device'");
				return vp_cli_usage(name);
			}
			bo.allow_host_device = true;
			break;
		case 'c':
			uri = optarg;
			break;
		case 'T':
			trace = optarg;
			break;
		case 'h':
			printf("usage: vfio-pilot [--root DIR] [--json] %s DEVICE... [--whole-group]%s [--connect URI]\n\n",
			       name, unbind ? "" : " [--allow-host-gpu] [--allow-host-device]");
			if (unbind)
				printf("Gives every function of each card back to the host: clears driver_override, unbinds\n"
				       "vfio-pci and lets the kernel probe, returning the driver each device had before bind.\n");
			else
				printf("Moves every function of each card to vfio-pci now: loads vfio-pci, writes\n"
				       "driver_override, unbinds the current driver, probes, and verifies. The previous\n"
				       "drivers are remembered for `unbind`. If a step fails, that card's steps are undone.\n"
				       "  --whole-group     also the other endpoints of the cards' IOMMU groups (never bridges)\n"
				       "  --allow-host-gpu  allow binding the boot VGA device or the last display\n"
				       "  --allow-host-device  allow binding storage or a NIC the host uses (mounts, swap,\n"
				       "                    default route)\n");
			printf("  --connect URI     libvirt connection to check for running domains (default: libvirt's)\n"
			       "Needs root. Exit: 0 done, 2 bad input, 3 a step failed and was undone, 4 not root,\n"
			       "5 refused (bridge, boot VGA, last display, a device the host needs, used by a running\n"
			       "domain, no IOMMU group).\n");
			return VP_EXIT_OK;
		default:
			return vp_cli_opt_error(name, argc, argv, "h", longopts);
		}
	}
	if (optind >= argc) {
		vp_cli_error("%s: name at least one DEVICE (0000:01:00.0, 01:00.0 or 10de:2204)", name);
		return vp_cli_usage(name);
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, 0, &root, &h);
	if (r)
		return r;
	_cleanup_strv_free_ char **slots = NULL;
	_cleanup_free_ char *err = NULL;
	int e = vp_select_cards(h, argv + optind, &slots, &err);
	if (e < 0) {
		vp_cli_error("%s: %s", name, err ? err : "invalid device");
		return e == -EPERM ? VP_EXIT_REFUSED : VP_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		vp_cli_error("%s needs root: it writes to /sys/bus/pci; run it with sudo", name);
		return VP_EXIT_PERM;
	}
	_cleanup_close_ int lock = -1;
	if ((r = vp_cli_lock(name, root, &lock)))
		return r;

	struct vp_virt_hostdev *used = NULL;
	size_t n_used = 0;
	_cleanup_free_ char *vnote = NULL;
	vp_bind_libvirt_usage(root, h, uri, &used, &n_used, &vnote);
	bo.used = used;
	bo.n_used = n_used;
	bo.libvirt_note = vnote;
	bo.verify_wait_ms = vp_root_is_live(root) ? 3000 : 0;

	_cleanup_close_ int tfd = -1;
	if (trace) {
		tfd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (tfd < 0) {
			vp_cli_error("%s: cannot open '%s' for the write trace: %m", name, trace);
			vp_virt_hostdevs_free(used, n_used);
			return VP_EXIT_USAGE;
		}
		vp_root_set_write_trace(root, tfd);
	}

	struct vp_bind_report rep;
	e = vp_bind_plan(h, slots, &bo, &rep);
	if (e >= 0)
		e = vp_bind_run(root, h, &bo, &rep);
	vp_virt_hostdevs_free(used, n_used);
	if (e < 0) {
		vp_bind_report_free(&rep);
		vp_cli_error("%s: %s", name, strerror(-e));
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_bind_render(&rep, doc);
	int rc = VP_EXIT_OK;
	if (rep.result == VP_BIND_REFUSED) {
		_cleanup_free_ char *all = vp_strv_join(rep.refusals, "; ");
		vp_cli_error("%s refused: %s", name, all ? all : "");
		rc = VP_EXIT_REFUSED;
		if (o->format == VP_FORMAT_JSON)
			vp_cli_render(o, doc);
	} else {
		r = vp_cli_render(o, doc);
		if (rep.result == VP_BIND_ROLLED_BACK || rep.result == VP_BIND_ROLLBACK_FAILED) {
			const struct vp_bind_step *f = NULL;
			for (size_t i = 0; i < rep.n_steps && !f; i++)
				if (rep.steps[i].status == VP_STEP_FAILED)
					f = &rep.steps[i];
			vp_cli_error("%s: step '%s'%s%s failed (%s); %s", name, f ? f->step : "?",
				     f && f->device ? " for " : "", f && f->device ? f->device : "",
				     f && f->error ? f->error : "?",
				     rep.result == VP_BIND_ROLLED_BACK ? "that card's steps were undone"
								       : "undoing failed too; check `vfio-pilot list`");
			rc = rep.result == VP_BIND_ROLLED_BACK ? VP_EXIT_ROLLBACK : VP_EXIT_FAIL;
		} else if (r) {
			rc = r;
		}
	}
	vp_bind_report_free(&rep);
	return rc;
}

int cmd_bind(const struct vp_opts *o, int argc, char *argv[])
{
	return run(o, argc, argv, false);
}

int cmd_unbind(const struct vp_opts *o, int argc, char *argv[])
{
	return run(o, argc, argv, true);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot attach|detach DOMAIN DEVICE...: edit a libvirt domain's hostdevs through the libvirt API. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "xmlopts.h"
#include "../lib/hostdev.h"
#include "../lib/select.h"
#include "../lib/util.h"
#include "../lib/virt.h"

static int exit_for(int e)
{
	switch (e) {
	case -ENOENT:
		return VP_EXIT_USAGE;
	case -EBUSY:
	case -EEXIST:
		return VP_EXIT_REFUSED;
	case -ENOTRECOVERABLE:
		return VP_EXIT_FAIL;
	default:
		return VP_EXIT_ROLLBACK;
	}
}

/* detach also accepts addresses that are no longer on this host. */
static int detach_addrs(const struct vp_host *h, char *const *args, char ***ret)
{
	_cleanup_strv_free_ char **out = NULL;
	for (size_t i = 0; args[i]; i++) {
		char *one[2] = { args[i], NULL };
		_cleanup_strv_free_ char **slots = NULL;
		_cleanup_free_ char *err = NULL;
		char addr[VP_PCI_ADDR_LEN];
		int e = vp_select_cards(h, one, &slots, &err);
		if (e == -ENOENT && vp_pci_addr_parse(args[i], addr) == 0) {
			if (!vp_strv_contains(out, addr))
				vp_strv_push(&out, addr);
			continue;
		}
		if (e < 0) {
			vp_cli_error("detach: %s", err ? err : "invalid device");
			return e == -EPERM ? VP_EXIT_REFUSED : VP_EXIT_USAGE;
		}
		for (size_t s = 0; slots[s]; s++) {
			const struct vp_card *c = vp_host_card(h, slots[s]);
			for (size_t j = 0; c && j < c->n_devs; j++)
				if (!vp_strv_contains(out, c->devs[j]->addr))
					vp_strv_push(&out, c->devs[j]->addr);
		}
	}
	*ret = TAKE_PTR(out);
	return VP_EXIT_OK;
}

static int run(const struct vp_opts *o, int argc, char *argv[], bool detach)
{
	const char *name = detach ? "detach" : "attach";
	static const struct option attach_opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		VP_HOSTDEV_LONGOPTS,
		{ 0 },
	};
	static const struct option detach_opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vp_hostdev_opts ho = { .guest_slot = -1, .rom_bar = VP_ROM_BAR_DEFAULT };
	const char *uri = NULL;
	bool live = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", detach ? detach_opts : attach_opts, NULL)) != -1) {
		int r;
		switch (c) {
		case 'c':
			uri = optarg;
			break;
		case 'l':
			live = true;
			break;
		case 'h':
			printf("usage: vfio-pilot [--root DIR] [--json] %s DOMAIN DEVICE... [--connect URI] [--live]%s\n\n",
			       name, detach ? "" : " [--guest-slot N] [--rom-file PATH | --rom-bar on|off]");
			printf("%s every function of each card %s the persistent definition of the libvirt\n"
			       "domain (through the libvirt API: read the inactive XML, edit it, define it).\n"
			       "  --connect URI  libvirt connection (default: libvirt's, e.g. qemu:///system)\n"
			       "  --live         also %s the running domain now\n%s",
			       detach ? "Removes" : "Adds", detach ? "from" : "to", detach ? "unplug from" : "hot-plug into",
			       detach ? "" : "  The hostdev options are those of `vfio-pilot xml`.\n");
			return VP_EXIT_OK;
		case '?':
		case ':':
			return vp_cli_opt_error(name, argc, argv, "h", detach ? detach_opts : attach_opts);
		default:
			r = vp_cli_hostdev_option(name, c, optarg, &ho);
			if (r >= 0)
				return r;
		}
	}
	if (argc - optind < 2) {
		vp_cli_error("%s: name a DOMAIN and at least one DEVICE", name);
		return vp_cli_usage(name);
	}
	const char *domain = argv[optind];
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, 0, &root, &h);
	if (r)
		return r;

	_cleanup_free_ struct vp_hostdev *hds = NULL;
	size_t n = 0;
	_cleanup_strv_free_ char **notes = NULL, **addrs = NULL;
	if (detach)
		r = detach_addrs(h, argv + optind + 1, &addrs);
	else
		r = vp_cli_hostdev_plan(name, root, h, argv + optind + 1, &ho, &hds, &n, &notes);
	if (r)
		return r;

	_cleanup_(vp_virt_freep) struct vp_virt *v = NULL;
	int e = vp_virt_open(uri, false, &v);
	if (e < 0) {
		vp_cli_error("%s: cannot connect to libvirt%s%s: %s", name, uri ? " at " : "", uri ? uri : "",
			     vp_virt_error(v));
		return VP_EXIT_USAGE;
	}
	_cleanup_strv_free_ char **changed = NULL;
	_cleanup_free_ char *err = NULL;
	bool did_live = false;
	e = detach ? vp_domain_detach(v, domain, addrs, live, &changed, &did_live, &err)
		   : vp_domain_attach(v, domain, hds, n, live, &changed, &did_live, &err);
	if (e < 0) {
		vp_cli_error("%s: %s", name, err ? err : strerror(-e));
		return exit_for(e);
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_doc_json(doc, "domain", json_object_new_string(domain));
	json_object *arr = json_object_new_array();
	for (size_t i = 0; changed[i]; i++)
		json_object_array_add(arr, json_object_new_string(changed[i]));
	vp_doc_json(doc, detach ? "removed" : "added", arr);
	vp_doc_json(doc, "live", json_object_new_boolean(did_live));
	int active = v->ops->is_active(v, domain);
	if (changed[0] && live && active == 0)
		vp_strv_push(&notes, "the domain is not running, so --live had nothing to do");
	else if (changed[0] && !did_live && active == 1)
		vp_strv_push(&notes, detach ? "the domain is running and keeps the devices until it stops (--live unplugs them now)"
					    : "the domain is running and gets the devices at its next start (--live hot-plugs them now)");
	_cleanup_free_ char *list = vp_strv_join(changed, ", ");
	if (changed[0])
		vp_doc_para(doc, 2, "%s %s domain '%s': %s", detach ? "Removed from" : "Added to",
			    did_live ? "the running domain and the persistent definition of" : "the persistent definition of",
			    domain, list ? list : "");
	else
		vp_doc_para(doc, 2, "Domain '%s' has no hostdev for those devices; nothing removed.", domain);
	vp_doc_notes(doc, "notes", notes);
	return vp_cli_render(o, doc);
}

int cmd_attach(const struct vp_opts *o, int argc, char *argv[])
{
	return run(o, argc, argv, false);
}

int cmd_detach(const struct vp_opts *o, int argc, char *argv[])
{
	return run(o, argc, argv, true);
}

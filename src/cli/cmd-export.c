/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot export kubevirt|nova|proxmox [DEVICE...]: scheduler configuration for the cards. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../lib/handover.h"
#include "../lib/export.h"
#include "../lib/util.h"

/* The handed-over set (handover.h): the devices of the newest applied transaction. */
static char **handed_over(struct vp_root *root)
{
	struct vp_handover st = { 0 };
	if (vp_handover_load(root, &st) < 0)
		return NULL;
	char **out = TAKE_PTR(st.devices);
	vp_handover_done(&st);
	return out;
}

int cmd_export(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "patch", no_argument, NULL, 'p' },
		{ "external-provider", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vp_export_opts eo = { .yaml = true };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: vfio-pilot [--root DIR] [--json] export kubevirt|nova|proxmox [DEVICE...]\n"
			       "         [--format yaml|json] [--patch] [--external-provider] [--node NAME]\n\n"
			       "Prints the cards handed over (or the DEVICEs named) as a scheduler's configuration:\n"
			       "  kubevirt  permittedHostDevices.pciHostDevices of the KubeVirt CR (--patch: a merge patch;\n"
			       "            --format json: JSON instead of YAML; --external-provider: a device plugin\n"
			       "            other than KubeVirt's own allocates them)\n"
			       "  nova      the [pci] section of nova.conf: device_spec and alias entries\n"
			       "  proxmox   cluster resource mappings for /etc/pve/mapping/pci.cfg (--node NAME: the\n"
			       "            node, default this host's name)\n"
			       "Notes on what is still to do go to stderr; stdout holds only the configuration.\n");
			return VP_EXIT_OK;
		case 'n': eo.node = optarg; break;
		case 'p': eo.patch = true; break;
		case 'x': eo.external_provider = true; break;
		case 'f':
			if (streq(optarg, "yaml"))
				eo.yaml = true;
			else if (streq(optarg, "json"))
				eo.yaml = false;
			else {
				vp_cli_error("export: --format takes yaml or json, not '%s'", optarg);
				return VP_EXIT_USAGE;
			}
			break;
		default:
			vp_cli_error("export: %s '%s'", c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return vp_cli_usage("export");
		}
	}
	if (optind >= argc) {
		vp_cli_error("export: name the scheduler: kubevirt, nova or proxmox");
		return vp_cli_usage("export");
	}
	if (vp_export_kind_from_string(argv[optind], &eo.kind) < 0) {
		vp_cli_error("export: unknown scheduler '%s'; choose kubevirt, nova or proxmox", argv[optind]);
		return VP_EXIT_USAGE;
	}
	if ((eo.patch || !eo.yaml || eo.external_provider) && eo.kind != VP_EXPORT_KUBEVIRT) {
		vp_cli_error("export: --patch, --format and --external-provider are for kubevirt only");
		return VP_EXIT_USAGE;
	}
	if (eo.node && eo.kind != VP_EXPORT_PROXMOX) {
		vp_cli_error("export: --node is for proxmox only");
		return VP_EXIT_USAGE;
	}
	eo.devices = argv + optind + 1;
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, VP_HOST_NAMES, &root, &h);
	if (r)
		return r;
	_cleanup_strv_free_ char **handed = handed_over(root);
	_cleanup_(vp_export_freep) struct vp_export *e = NULL;
	_cleanup_free_ char *err = NULL;
	int e_ = vp_export_build(root, h, handed, &eo, &e, &err);
	if (e_ < 0) {
		vp_cli_error("export: %s", err ? err : strerror(-e_));
		return e_ == -EPERM ? VP_EXIT_REFUSED : VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	static const char *const kinds[] = { "kubevirt", "nova", "proxmox" };
	vp_doc_json(doc, "kind", json_object_new_string(kinds[eo.kind]));
	json_object *devs = json_object_new_array();
	for (size_t i = 0; i < e->n_fns; i++) {
		json_object *d = json_object_new_object();
		vp_row_str(d, "address", e->fns[i].dev->addr);
		char id[10];
		snprintf(id, sizeof(id), "%04x:%04x", e->fns[i].dev->vendor & 0xffff, e->fns[i].dev->device & 0xffff);
		vp_row_str(d, "id", id);
		vp_row_str(d, "name", e->fns[i].name);
		vp_row_str(d, "device_type", e->fns[i].device_type);
		json_object_array_add(devs, d);
	}
	vp_doc_json(doc, "devices", devs);
	vp_doc_json(doc, "config", json_object_get(e->config));
	vp_doc_json(doc, "text", json_object_new_string(e->text));
	vp_doc_json(doc, "notes", vp_json_strv(e->notes));
	size_t n = strlen(e->text);
	vp_doc_text(doc, "%.*s", (int)(n && e->text[n - 1] == '\n' ? n - 1 : n), e->text);
	if (o->format != VP_FORMAT_JSON)
		for (size_t i = 0; e->notes[i]; i++)
			fprintf(stderr, "note: %s\n", e->notes[i]);
	return vp_cli_render(o, doc);
}

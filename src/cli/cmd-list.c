/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot list: IOMMU groups and devices. */
#include "cli.h"
#include "../lib/list.h"

static struct vp_doc *kept_doc;
static struct vp_host *kept_host;

int cmd_list(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("list", argc, argv);
	if (r >= 0)
		return r;
	if (argc > 1) {
		vp_cli_error("list: unexpected argument '%s'", argv[1]);
		return vp_cli_usage("list");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, VP_HOST_NAMES, &root, &h);
	if (r)
		return r;
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_doc_set_format(doc, o->format);
	vp_list_render(h, doc);
	r = vp_cli_render(o, doc);
	/* The process ends now: on a host of thousands of devices, freeing the ~100k blocks of the
	 * model and the document one by one took longer than the exit that releases them at once.
	 * Kept reachable, so leak checkers do not count them as lost. */
	kept_doc = TAKE_PTR(doc);
	kept_host = TAKE_PTR(h);
	return r;
}

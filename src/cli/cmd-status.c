/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot status: the last transaction against the running host (after the reboot). */
#include <string.h>

#include "cli.h"
#include "../lib/util.h"

int cmd_status(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("status", argc, argv);
	if (r >= 0)
		return r;
	if (argc > 1) {
		vp_cli_error("status: unexpected argument '%s'", argv[1]);
		return vp_cli_usage("status");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	if ((r = vp_cli_load_last_txn("status", o, &root, &h, &t)))
		return r;
	if (!t) {
		vp_cli_error("status: no applied transaction to verify; run `vfio-pilot apply` first (`vfio-pilot history` lists them)");
		return VP_EXIT_FAIL;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	int fails = vp_plan_status(root, h, t, doc);
	{ /* the way back, and whether the fallback entry is there (recipe.c) */
		struct vp_platform plat;
		_cleanup_strv_free_ char **kargs = NULL;
		vp_cli_txn_platform(root, h, t, &plat, &kargs);
		vp_cli_recipe(root, h, &plat, kargs, NULL, doc);
	}
	r = vp_cli_render(o, doc);
	return r ? r : fails ? VP_EXIT_FAIL : VP_EXIT_OK;
}

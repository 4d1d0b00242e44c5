/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot status: the last transaction against the running host (after the reboot). */
#include <string.h>
#include <unistd.h>

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
	{ /* a transaction a kill left half-way is finished first (as root), or named */
		struct vp_txn **v = NULL;
		size_t n = 0;
		bool unfinished = false;
		if (vp_txn_list(root, &v, &n) == 0)
			for (size_t i = 0; i < n; i++) {
				if (vp_txn_state_unfinished(v[i]->state) || v[i]->run_pid > 0) {
					unfinished = true;
					if (geteuid() != 0)
						vp_cli_error("status: transaction %s was interrupted (state %s); `sudo vfio-pilot undo` "
							     "finishes it", v[i]->id, v[i]->state);
				} else if (streq(v[i]->state, "rollback-failed") || streq(v[i]->state, "undo-failed")) {
					vp_cli_error("status: transaction %s is %s; `sudo vfio-pilot undo %s` retries what is left",
						     v[i]->id, v[i]->state, v[i]->id);
				}
			}
		vp_txn_list_free(v, n);
		if (unfinished && geteuid() == 0) {
			_cleanup_close_ int lock = -1;
			if ((r = vp_cli_lock("status", root, &lock)))
				return r;
			vp_cli_signals();
			struct vp_txn_report rep = { .progress = vp_cli_progress() };
			r = vp_cli_recover("status", root, &rep);
			vp_txn_report_done(&rep);
			if (r >= 0)
				return r;
			t = vp_txn_free(t);
			if (vp_txn_last_applied(root, &t) < 0)
				t = NULL;
		}
	}
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

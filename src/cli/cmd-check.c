/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot check [DEVICE...]: host readiness. DEVICEs name the cards to hand over. */
#include <string.h>

#include "cli.h"
#include "../lib/checks.h"
#include "../lib/select.h"
#include "../lib/util.h"

int cmd_check(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("check", argc, argv);
	if (r >= 0)
		return r;
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, VP_HOST_NAMES | VP_HOST_MODULES, &root, &h);
	if (r)
		return r;

	_cleanup_strv_free_ char **targets = NULL;
	if (argc > 1) {
		_cleanup_free_ char *err = NULL;
		if (vp_select_cards(h, argv + 1, &targets, &err) < 0) {
			vp_cli_error("check: %s", err ? err : "invalid device");
			return VP_EXIT_USAGE;
		}
	}
	struct vp_platform p;
	vp_platform_detect(root, h, &p);
	struct vp_check_report rep;
	if (vp_checks_run(h, &p, targets, &rep) < 0) {
		vp_cli_error("check: out of memory");
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_check_report_render(&rep, doc);
	bool failed = vp_check_report_failed(&rep);
	vp_check_report_free(&rep);
	r = vp_cli_render(o, doc);
	return r ? r : failed ? VP_EXIT_FAIL : VP_EXIT_OK;
}

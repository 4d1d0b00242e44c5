/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot check [DEVICE...]: host readiness. DEVICEs name the cards to hand over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/checks.h"
#include "../lib/rom.h"
#include "../lib/select.h"
#include "../lib/util.h"

int cmd_check(const struct vp_opts *o, int argc, char *argv[])
{
	/* -q/--quiet: only the checks that did not pass. The DEVICEs stay in argv[1..]; "--" ends the options. */
	bool quiet = false;
	int n = 1, nopt = argc;
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--")) {
			nopt = n;
			for (i++; i < argc; i++)
				argv[n++] = argv[i];
			break;
		}
		if (streq(argv[i], "-q") || streq(argv[i], "--quiet"))
			quiet = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	if (nopt > n)
		nopt = n;
	argc = n;
	int r = vp_cli_no_options("check", nopt, argv);
	if (r == VP_EXIT_OK)
		printf("  -q, --quiet   print only the checks that did not pass\n");
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
	if (targets) { /* card.rom reads the named cards' ROMs from sysfs: only as root */
		int lv;
		char *sum, *fix;
		if (vp_rom_check(root, h, targets, geteuid() == 0, &lv, &sum, &fix) < 0 ||
		    vp_check_report_add(&rep, "card.rom", "UEFI image in the ROM", (enum vp_level)lv, sum, fix) < 0) {
			vp_check_report_free(&rep);
			vp_cli_error("check: out of memory");
			return VP_EXIT_USAGE;
		}
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	struct vp_check_report shown = rep;
	_cleanup_free_ struct vp_check_result *kept = NULL;
	if (quiet && (kept = calloc(rep.n ? rep.n : 1, sizeof(*kept)))) {
		shown = (struct vp_check_report){ .results = kept, .n = 0 };
		for (size_t i = 0; i < rep.n; i++)
			if (rep.results[i].level != VP_LEVEL_PASS)
				kept[shown.n++] = rep.results[i];
	}
	vp_check_report_render(&shown, doc);
	bool failed = vp_check_report_failed(&rep);
	vp_check_report_free(&rep);
	r = vp_cli_render(o, doc);
	return r ? r : failed ? VP_EXIT_FAIL : VP_EXIT_OK;
}

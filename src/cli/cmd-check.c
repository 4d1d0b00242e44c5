/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot check [DEVICE...]: host readiness. DEVICEs name the cards to hand over. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/checks.h"
#include "../lib/rom.h"
#include "../lib/hostneeds.h"
#include "../lib/select.h"
#include "../lib/util.h"

/* An overridden refusal stays visible as a warning rather than a failure. */
static void downgrade(struct vp_check_report *rep, const char *id)
{
	for (size_t i = 0; i < rep->n; i++)
		if (streq(rep->results[i].id, id) && rep->results[i].level == VP_LEVEL_FAIL)
			rep->results[i].level = VP_LEVEL_WARN;
}

int cmd_check(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "allow-host-device", no_argument, NULL, 'D' },
		{ "allow-host-gpu", no_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool quiet = false; /* -q/--quiet: only the checks that did not pass */
	struct vp_needs_opts no = { .boot_vga = true, .last_display = true };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'D': no.allow_host_device = true; break;
		case 'A': no.allow_host_gpu = true; break;
		case 'q': quiet = true; break;
		case 'h':
			vp_cli_no_options("check", 2, (char *[]){ "check", "--help", NULL });
			printf("\nWith DEVICEs, also judges handing them over: a device the host needs (its mounts, swap,\n"
			       "default route, boot display or last display) is refused with exit 5, as plan, apply and bind do.\n"
			       "  --allow-host-device  report storage or a NIC the host uses as a warning instead\n"
			       "  --allow-host-gpu     report the boot display or the last display as a warning instead\n"
			       "  -q, --quiet          print only the checks that did not pass\n");
			return VP_EXIT_OK;
		default:
			return vp_cli_opt_error("check", argc, argv, "hq", longopts);
		}
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, VP_HOST_NAMES | VP_HOST_MODULES, &root, &h);
	if (r)
		return r;

	_cleanup_strv_free_ char **targets = NULL, **refusals = NULL, **warnings = NULL;
	if (optind < argc) {
		_cleanup_free_ char *err = NULL;
		if (vp_select_cards(h, argv + optind, &targets, &err) < 0) {
			vp_cli_error("check: %s", err ? err : "invalid device");
			return VP_EXIT_USAGE;
		}
		/* the same judgment as plan, apply and bind (hostneeds.c) */
		_cleanup_strv_free_ char **addrs = NULL;
		for (size_t i = 0; targets && targets[i]; i++) {
			const struct vp_card *card = vp_host_card(h, targets[i]);
			for (size_t f = 0; card && f < card->n_devs; f++)
				vp_strv_push(&addrs, card->devs[f]->addr);
		}
		vp_hostneeds_judge(h, addrs, &no, &refusals, &warnings);
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
	if (no.allow_host_device)
		downgrade(&rep, "host.needs");
	if (no.allow_host_gpu)
		downgrade(&rep, "host.display");
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
	for (size_t i = 0; warnings && warnings[i]; i++)
		fprintf(stderr, "vfio-pilot: check: warning: %s\n", warnings[i]);
	if (!r && refusals) {
		for (size_t i = 0; refusals[i]; i++)
			vp_cli_error("check: refused: %s", refusals[i]);
		return VP_EXIT_REFUSED;
	}
	return r ? r : failed ? VP_EXIT_FAIL : VP_EXIT_OK;
}

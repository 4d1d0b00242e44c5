/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot apply [--yes] DEVICE...: the plan, applied as one journaled transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/bootcfg.h"
#include "../lib/exec.h"
#include "../lib/handover.h"
#include "../lib/util.h"

long long vp_cli_now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;
	if (s && vp_parse_uint(s, (uint64_t)1 << 40, &v) == 0)
		return (long long)v;
	return (long long)time(NULL);
}

void vp_cli_left_to_do(const char *cmd, const char *id, char *const *errors)
{
	fprintf(stderr, "vfio-pilot: %s: left to do for transaction %s:\n", cmd, id ? id : "?");
	for (size_t i = 0; errors && errors[i]; i++)
		fprintf(stderr, "  - %s\n", errors[i]);
	fprintf(stderr,
		"  Fix the cause, then run `vfio-pilot undo %s`: it retries what is left (every file is judged by its\n"
		"  content, so finished steps are not redone). Without vfio-pilot: sh /%s/%s/undo.sh (man 8 vfio-pilot, RESCUE).\n",
		id ? id : "", VP_TXN_DIR, id ? id : "ID");
}

/* Recovery of an interrupted transaction, reported in text and JSON. */
int vp_cli_recover(const char *cmd, struct vp_root *root, struct vp_txn_report *rep)
{
	if (!rep->progress)
		rep->progress = vp_cli_progress();
	int e = vp_txn_recover(root, (time_t)vp_cli_now(), rep);
	if (rep->reaped)
		fprintf(stderr, "vfio-pilot: %s: %d process%s of an interrupted run %s still running; ended %s first\n", cmd,
			rep->reaped, rep->reaped == 1 ? "" : "es", rep->reaped == 1 ? "was" : "were", rep->reaped == 1 ? "it" : "them");
	for (size_t i = 0; rep->recovered && rep->recovered[i]; i++)
		fprintf(stderr, "vfio-pilot: %s: transaction %s was interrupted; rolled it back from its journal first\n", cmd,
			rep->recovered[i]);
	for (size_t i = 0; rep->finished_undo && rep->finished_undo[i]; i++)
		fprintf(stderr, "vfio-pilot: %s: the undo of transaction %s was interrupted; finished it from its journal first\n",
			cmd, rep->finished_undo[i]);
	if (e < 0) {
		vp_cli_error("%s: finishing an interrupted transaction failed: %s", cmd,
			     rep->rollback_errors && rep->rollback_errors[0] ? rep->rollback_errors[0] : strerror(-e));
		const char *id = rep->finished_undo && rep->finished_undo[0] ? rep->finished_undo[0]
				 : rep->recovered && rep->recovered[0]   ? rep->recovered[0]
									 : NULL;
		vp_cli_left_to_do(cmd, id, rep->rollback_errors);
		return VP_EXIT_ROLLBACK;
	}
	return -1;
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static bool confirm(size_t n)
{
	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "Apply these %zu changes? Type 'yes' to continue: ", n);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return streq(line, "yes\n") || streq(line, "yes");
}

/* --dry-run: the plan as apply (or release) would make it; changes nothing, needs no root. */
static int dry_run(const struct vp_opts *o, const char *cmdname, struct vp_plan_opts *po)
{
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, VP_HOST_MODULES, &root, &h);
	if (r)
		return r;
	_cleanup_(vp_plan_freep) struct vp_plan *p = NULL;
	r = vp_cli_plan_build(o, cmdname, po, root, h, &p);
	if (r >= 0)
		return r;
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_plan_render(p, doc);
	r = vp_cli_render(o, doc);
	return r ? r : p->blockers ? VP_EXIT_REFUSED : VP_EXIT_OK;
}

int cmd_apply(const struct vp_opts *o, int argc, char *argv[])
{
	return vp_cli_apply(o, "apply", argc, argv, false);
}

/* Undoes the pin transaction pin_id when what followed it changed nothing, and says so. */
static void unpin(struct vp_root *root, const char *cmdname, const char *pin_id, time_t now)
{
	struct vp_txn_report ur = { .progress = vp_cli_progress() };
	if (vp_txn_undo(root, pin_id, now, &ur) == 0)
		vp_cli_error("%s: /%s, written first (transaction %s), is removed again", cmdname, VP_KERNEL_CMDLINE, pin_id);
	else
		vp_cli_error("%s: /%s, written first (transaction %s), stays: `vfio-pilot undo %s` removes it", cmdname,
			     VP_KERNEL_CMDLINE, pin_id, pin_id);
	vp_txn_report_done(&ur);
}

/*
 * /etc/kernel/cmdline is absent: writes the host's own line to it as transaction *ret_id, then
 * builds the plan again (the file now exists, so the plan modifies it and its undo keeps the
 * line). -1 to go on, else the exit code.
 */
static int pin_kernel_cmdline(const struct vp_opts *o, const char *cmdname, struct vp_plan_opts *po,
			      struct vp_root *root, struct vp_host *h, struct vp_plan **p, const struct vp_apply_opts *ao,
			      char **ret_id)
{
	_cleanup_(vp_changeset_freep) struct vp_changeset *cs = NULL;
	struct vp_txn_report rep = { .progress = vp_cli_progress() };
	int e = vp_handover_pin(root, VP_KERNEL_CMDLINE, (*p)->pin_kernel_cmdline, &cs);
	if (e == 0)
		e = vp_changeset_apply(cs, ao, &rep);
	if (e < 0) {
		vp_cli_error("%s: cannot write /%s first: %s; nothing was changed", cmdname, VP_KERNEL_CMDLINE,
			     e == -ESTALE ? "it changed since it was read" : rep.failed_step ? rep.failed_step : strerror(-e));
		vp_txn_report_done(&rep);
		return e == -ESTALE ? VP_EXIT_REFUSED : VP_EXIT_FAIL;
	}
	*ret_id = TAKE_PTR(rep.id);
	vp_txn_report_done(&rep);
	*p = vp_plan_free(*p);
	int r = vp_cli_plan_build(o, cmdname, po, root, h, p);
	if (r < 0 && ((*p)->blockers || (*p)->pin_kernel_cmdline)) {
		vp_cli_error("%s: the plan changed after /%s was written (transaction %s); run `vfio-pilot plan` again",
			     cmdname, VP_KERNEL_CMDLINE, *ret_id);
		r = VP_EXIT_FAIL;
	}
	if (r >= 0)
		unpin(root, cmdname, *ret_id, ao->now);
	return r;
}

int vp_cli_apply(const struct vp_opts *o, const char *cmdname, int argc, char *argv[], bool release)
{
	struct vp_plan_opts po;
	bool yes = false;
	int first;
	int r = vp_cli_plan_opts(cmdname, argc, argv, &po, &yes, &first);
	if (r >= 0)
		return r;
	po.devices = argv + first;
	po.release = release;
	if (po.dry_run)
		return dry_run(o, cmdname, &po);
	if (geteuid() != 0) {
		vp_cli_error("%s changes the boot configuration and needs root; run it with sudo%s", cmdname,
			     release ? "" : " (`vfio-pilot plan` shows the same changes without root)");
		return VP_EXIT_PERM;
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	r = vp_cli_load(o, VP_HOST_MODULES, &root, &h);
	if (r)
		return r;
	_cleanup_close_ int lock = -1;
	if ((r = vp_cli_lock(cmdname, root, &lock)))
		return r;
	vp_cli_signals();
	struct vp_txn_report rep = { .progress = vp_cli_progress() };
	r = vp_cli_recover(cmdname, root, &rep);
	if (r >= 0) {
		vp_txn_report_done(&rep);
		return r;
	}
	_cleanup_(vp_plan_freep) struct vp_plan *p = NULL;
	r = vp_cli_plan_build(o, cmdname, &po, root, h, &p);
	if (r >= 0) {
		vp_txn_report_done(&rep);
		return r;
	}
	bool json = o->format == VP_FORMAT_JSON;
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_plan_render(p, doc);
	if (p->blockers) {
		json_object *t = json_object_new_object();
		json_object_object_add(t, "result", json_object_new_string("refused"));
		vp_doc_json(doc, "transaction", t);
		vp_txn_report_done(&rep);
		r = vp_cli_render(o, doc);
		return r ? r : vp_plan_firmware_only(p) ? VP_EXIT_FAIL : VP_EXIT_REFUSED;
	}
	size_t n = vp_changeset_n(p->cs);
	if (!json) {
		if ((r = vp_cli_render(o, doc)))
			return r;
		fputc('\n', stdout);
		vp_doc_free(doc);
		doc = vp_doc_new();
	}
	if (n && !yes && !confirm(n)) {
		vp_txn_report_done(&rep);
		vp_cli_error("%s: not confirmed; nothing was changed (add --yes to %s without a terminal)", cmdname, cmdname);
		return VP_EXIT_USAGE;
	}
	/* the result: JSON "transaction"; text, when it worked, one sentence (errors go to stderr) */
	static const struct vp_col txn_cols[] = {
		{ "summary", "", VP_COL_TEXT_ONLY },     { "id", NULL, VP_COL_JSON_ONLY },
		{ "result", NULL, VP_COL_JSON_ONLY },    { "ran", NULL, VP_COL_JSON_ONLY },
		{ "recovered", NULL, VP_COL_JSON_ONLY }, { "error", NULL, VP_COL_JSON_ONLY },
		{ "left", NULL, VP_COL_JSON_ONLY },
	};
	_cleanup_free_ char *summary = NULL;
	const char *result;
	int code = VP_EXIT_OK;
	struct vp_apply_opts ao = { .now = (time_t)vp_cli_now(), .crash_after = -1 };
	_cleanup_free_ char *pin_id = NULL;
	if (p->pin_kernel_cmdline) {
		/* the host's own line first, in a transaction of its own (plan.h: pin_kernel_cmdline) */
		if ((r = pin_kernel_cmdline(o, cmdname, &po, root, h, &p, &ao, &pin_id)) >= 0) {
			vp_txn_report_done(&rep);
			return r;
		}
		n = vp_changeset_n(p->cs);
	}
	int e = vp_changeset_apply(p->cs, &ao, &rep);
	if (e == 0 && n == 0) {
		result = "unchanged";
		summary = vp_strdup_printf("Nothing changed: the host is already configured for %s.",
					   p->addrs[0] ? p->addrs[0] : "this plan");
	} else if (e == 0) {
		result = "applied";
		if (pin_id) /* text only, as before (the JSON does not name the pinning transaction) */
			vp_doc_para(doc, 2, "Wrote /%s with the host's own command line first (transaction %s; undo it after "
					    "the next one to remove the file).", VP_KERNEL_CMDLINE, pin_id);
		summary = vp_strdup_printf("Applied transaction %s (%zu changes). Reboot, then run `vfio-pilot status`; "
					   "`vfio-pilot undo %s` reverts it.", rep.id, n, rep.id);
	} else if (e == -ESTALE) {
		result = "refused";
		vp_cli_error("%s: %s changed since it was read; nothing was changed, run %s again", cmdname,
			     rep.stale_path ? rep.stale_path : "a file", cmdname);
		code = VP_EXIT_REFUSED;
	} else if (e == -ECANCELED || e == -ENOTRECOVERABLE) {
		result = e == -ECANCELED ? "rolled-back" : "rollback-failed";
		/* the failed step's last lines were shown by the progress printer */
		if (e == -ECANCELED) {
			vp_cli_error("%s: %s; every change was rolled back (transaction %s)", cmdname, rep.failed_step, rep.id);
		} else {
			vp_cli_error("%s: %s, and the rollback failed too", cmdname, rep.failed_step);
			vp_cli_left_to_do(cmdname, rep.id, rep.rollback_errors);
		}
		code = VP_EXIT_ROLLBACK;
	} else {
		result = "failed";
		vp_cli_error("%s: cannot write the journal under /%s: %s; nothing was changed", cmdname, VP_TXN_DIR, strerror(-e));
		code = VP_EXIT_FAIL;
	}
	/* the passthrough transaction changed nothing in the end (refused, rolled back, no journal): the
	 * line written first goes too; after a failed rollback it stays for `undo` to sort out */
	if (pin_id && e < 0 && e != -ENOTRECOVERABLE)
		unpin(root, cmdname, pin_id, ao.now);
	json_object *t = vp_doc_record_cols(doc, "transaction", NULL, txn_cols, ARRAY_SIZE(txn_cols));
	if (summary)
		vp_row_str(t, "summary", summary);
	vp_row_str(t, "id", rep.id);
	vp_row_str(t, "result", result);
	vp_row_take(t, "ran", strv_json(rep.ran));
	vp_row_take(t, "recovered", strv_json(rep.recovered));
	vp_row_str(t, "error", rep.failed_step);
	if (e == -ENOTRECOVERABLE) /* what is left for `undo ID` (or by hand) */
		vp_row_take(t, "left", strv_json(rep.rollback_errors));
	if ((e == 0) && !p->no_bootloader && p->addrs[0]) /* the way back (recipe.c) */
		vp_cli_recipe(root, h, &p->platform, p->kargs, NULL, doc);
	vp_txn_report_done(&rep);
	r = vp_cli_render(o, doc);
	return r ? r : code;
}

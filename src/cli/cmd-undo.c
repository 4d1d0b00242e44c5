/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot undo [ID]: restore the state before a transaction, byte for byte. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/util.h"

int cmd_undo(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("undo", argc, argv);
	if (r >= 0)
		return r;
	int first = argc > 1 && streq(argv[1], "--") ? 2 : 1;
	if (argc - first > 1) {
		vp_cli_error("undo: one transaction id at most (see `vfio-pilot history`)");
		return vp_cli_usage("undo");
	}
	const char *id = argc > first ? argv[first] : NULL;
	if (geteuid() != 0) {
		vp_cli_error("undo changes the boot configuration and needs root; run it with sudo");
		return VP_EXIT_PERM;
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(o->root, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	/* from a live USB (--root): refuse a wrong root, bind /proc /sys /dev /run for the commands (rescue.c) */
	_cleanup_(vp_cli_rescue_end) struct vp_cli_rescue rescue = { .verbose = o->verbose };
	if ((r = vp_cli_rescue_begin("undo", root, &rescue)) >= 0)
		return r;
	_cleanup_close_ int lock = -1;
	if ((r = vp_cli_lock("undo", root, &lock)))
		return r;
	vp_cli_signals();
	struct vp_txn_report rep = { .progress = vp_cli_progress() };
	r = vp_cli_recover("undo", root, &rep);
	if (r >= 0) {
		vp_txn_report_done(&rep);
		return r;
	}
	bool recovered = (rep.recovered && rep.recovered[0]) || (rep.finished_undo && rep.finished_undo[0]);
	/* the job this undo was asked for may be the interrupted one it just finished: then it is done */
	bool finished = recovered && (!id || vp_strv_contains(rep.recovered, id) || vp_strv_contains(rep.finished_undo, id));
	if (finished) {
		_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
		const char *fid = rep.finished_undo && rep.finished_undo[0] ? rep.finished_undo[0] : rep.recovered[0];
		vp_doc_text(doc, "Finished the interrupted transaction %s from its journal: the files are as they were before it. "
				 "Reboot to return to the previous boot configuration.", fid);
		json_object *t = json_object_new_object();
		json_object_object_add(t, "id", json_object_new_string(fid));
		json_object_object_add(t, "result", json_object_new_string("recovered"));
		json_object *ran = json_object_new_array();
		for (size_t i = 0; rep.ran && rep.ran[i]; i++)
			json_object_array_add(ran, json_object_new_string(rep.ran[i]));
		json_object_object_add(t, "ran", ran);
		vp_doc_json(doc, "transaction", t);
		vp_txn_report_done(&rep);
		r = vp_cli_render(o, doc);
		return r ? r : VP_EXIT_OK;
	}
	vp_txn_report_done(&rep);
	e = vp_txn_undo(root, id, (time_t)vp_cli_now(), &rep);
	int code = VP_EXIT_OK;
	const char *result = "undone";
	if (e == -ENOENT || e == -EINVAL) {
		if (recovered) {
			result = "nothing";
		} else {
			if (id)
				vp_cli_error("undo: no transaction '%s'; `vfio-pilot history` lists them", id);
			else
				vp_cli_error("undo: no applied transaction to undo; `vfio-pilot history` lists them");
			vp_txn_report_done(&rep);
			return VP_EXIT_USAGE;
		}
	} else if (e == -EALREADY) {
		vp_cli_error("undo: transaction %s is not applied (see `vfio-pilot history`); nothing to undo", rep.id);
		vp_txn_report_done(&rep);
		return VP_EXIT_USAGE;
	} else if (e == -EBUSY) {
		vp_cli_error("undo: transaction %s was applied after %s; undo %s first", rep.failed_step, rep.id, rep.failed_step);
		vp_txn_report_done(&rep);
		return VP_EXIT_REFUSED;
	} else if (e == -ESTALE) {
		vp_cli_error("undo: %s changed since transaction %s wrote it; undo refuses to overwrite it. Put back the content "
			     "vfio-pilot wrote (saved under /%s/%s/new/) or edit the file by hand", rep.stale_path, rep.id, VP_TXN_DIR, rep.id);
		vp_txn_report_done(&rep);
		return VP_EXIT_REFUSED;
	} else if (e == -ECANCELED) {
		vp_cli_error("undo: %s", rep.failed_step);
		vp_cli_left_to_do("undo", rep.id, rep.rollback_errors);
		result = "undo-failed";
		code = VP_EXIT_ROLLBACK;
	} else if (e < 0) {
		vp_cli_error("undo: %s", strerror(-e));
		vp_txn_report_done(&rep);
		return VP_EXIT_FAIL;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	if (e == 0)
		vp_doc_text(doc, "Undid transaction %s: its files are restored%s. Reboot to return to the previous boot configuration.",
			    rep.id, rep.ran && rep.ran[0] ? " and its commands reverted" : "");
	json_object *t = json_object_new_object();
	json_object_object_add(t, "id", rep.id ? json_object_new_string(rep.id) : NULL);
	json_object_object_add(t, "result", json_object_new_string(result));
	json_object *ran = json_object_new_array();
	for (size_t i = 0; rep.ran && rep.ran[i]; i++)
		json_object_array_add(ran, json_object_new_string(rep.ran[i]));
	json_object_object_add(t, "ran", ran);
	vp_doc_json(doc, "transaction", t);
	if (rep.ran && rep.ran[0]) {
		struct vp_buf b = { 0 };
		vp_buf_puts(&b, "Ran:");
		for (size_t i = 0; rep.ran[i]; i++)
			vp_buf_printf(&b, "\n  %s", rep.ran[i]);
		_cleanup_free_ char *s = vp_buf_steal(&b);
		vp_doc_text(doc, "%s", s ? s : "");
	}
	vp_txn_report_done(&rep);
	r = vp_cli_render(o, doc);
	return r ? r : code;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot history: the transactions in the journal, oldest first. */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../lib/util.h"

static const struct vp_col cols[] = {
	{ "id", NULL, 0 },
	{ "created", NULL, 0 },
	{ "state", NULL, 0 },
	{ "devices", NULL, 0 },
	{ "bind", NULL, VP_COL_JSON_ONLY },
	{ "kernel_args", NULL, VP_COL_JSON_ONLY },
	{ "files", NULL, 0 },
	{ "commands", NULL, 0 },
	{ "rebuild", NULL, VP_COL_TEXT_ONLY },
	{ "rebuild_wall_s", NULL, VP_COL_JSON_ONLY },
	{ "changes", NULL, VP_COL_JSON_ONLY },
};

int cmd_history(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("history", argc, argv);
	if (r >= 0)
		return r;
	if (argc > 1) {
		vp_cli_error("history: unexpected argument '%s'", argv[1]);
		return vp_cli_usage("history");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(o->root, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	struct vp_txn **v = NULL;
	size_t n = 0;
	if ((e = vp_txn_list(root, &v, &n)) < 0) {
		vp_cli_error("history: cannot read /%s: %s", VP_TXN_DIR, strerror(-e));
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	struct vp_table *t = vp_doc_table(doc, "transactions", NULL, cols, ARRAY_SIZE(cols), VP_STYLE_TABLE);
	for (size_t i = 0; i < n; i++) {
		struct vp_txn *x = v[i];
		json_object *row = vp_table_row(t);
		char when[32] = "-";
		time_t tt = (time_t)x->created;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object *devs = NULL, *args = NULL, *bind = NULL;
		json_object_object_get_ex(x->meta, "devices", &devs);
		json_object_object_get_ex(x->meta, "kernel_args", &args);
		json_object_object_get_ex(x->meta, "bind", &bind);
		size_t files = 0, cmds = 0;
		json_object *ch = json_object_new_array();
		for (size_t k = 0; k < x->n_changes; k++) {
			const struct vp_change *c = &x->changes[k];
			json_object *co = json_object_new_object();
			if (c->kind == VP_CHANGE_FILE) {
				files++;
				json_object_object_add(co, "kind", json_object_new_string("file"));
				_cleanup_free_ char *lp = vp_strdup_printf("/%s", c->path);
				json_object_object_add(co, "path", json_object_new_string(lp ? lp : ""));
				json_object_object_add(co, "action", json_object_new_string(vp_file_action_to_string(c->action)));
			} else {
				cmds++;
				json_object_object_add(co, "kind", json_object_new_string("command"));
				json_object *a = json_object_new_array();
				for (size_t q = 0; c->argv[q]; q++)
					json_object_array_add(a, json_object_new_string(c->argv[q]));
				json_object_object_add(co, "argv", a);
			}
			json_object_array_add(ch, co);
		}
		vp_row_str(row, "id", x->id);
		vp_row_str(row, "created", when);
		vp_row_str(row, "state", x->state);
		vp_row_take(row, "devices", devs ? json_object_get(devs) : json_object_new_array());
		vp_row_str(row, "bind", bind ? json_object_get_string(bind) : NULL);
		vp_row_take(row, "kernel_args", args ? json_object_get(args) : json_object_new_array());
		vp_row_int(row, "files", (long long)files);
		vp_row_int(row, "commands", (long long)cmds);
		/* the initramfs rebuild step's wall time (whole seconds, from the journal's command_wall_s) */
		json_object *walls = NULL;
		json_object_object_get_ex(x->meta, "command_wall_s", &walls);
		long long rebuild = -1;
		for (size_t k = 0, ci = 0; walls && k < x->n_changes; k++) {
			const struct vp_change *c = &x->changes[k];
			if (c->kind != VP_CHANGE_COMMAND)
				continue;
			json_object *w = json_object_array_get_idx(walls, ci++);
			const char *a0 = c->argv[0];
			bool rb = streq(a0, "dracut") || streq(a0, "mkinitcpio") || streq(a0, "update-initramfs") ||
				  (streq(a0, "rpm-ostree") && c->argv[1] && vp_startswith(c->argv[1], "initramfs"));
			if (rb && w)
				rebuild = (rebuild < 0 ? 0 : rebuild) + json_object_get_int64(w);
		}
		_cleanup_free_ char *rs = rebuild >= 0 ? vp_strdup_printf("%llds", rebuild) : NULL;
		vp_row_str(row, "rebuild", rs ? rs : "-");
		vp_row_int_opt(row, "rebuild_wall_s", rebuild);
		vp_row_take(row, "changes", ch);
	}
	if (n == 0)
		vp_doc_text(doc, "No transactions yet.");
	vp_txn_list_free(v, n);
	return vp_cli_render(o, doc);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot recover: the way back from a black screen for this host's boot loader (docs/rescue.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../lib/recipe.h"
#include "../lib/util.h"

void vp_cli_recipe(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat, char *const *kargs,
		   const char *planned_title, struct vp_doc *doc)
{
	struct vp_recipe r;
	if (vp_recipe_build(root, h, plat, kargs, planned_title, &r) == 0)
		vp_recipe_render(&r, doc);
	vp_recipe_done(&r);
}

int vp_cli_load_last_txn(const char *cmd, const struct vp_opts *o, struct vp_root **ret_root, struct vp_host **ret_host,
			 struct vp_txn **ret_t)
{
	int r = vp_cli_load(o, 0, ret_root, ret_host);
	if (r)
		return r;
	*ret_t = NULL;
	int e = vp_txn_last_applied(*ret_root, ret_t);
	if (e < 0 && e != -ENOENT) {
		vp_cli_error("%s: cannot read the journal under /%s: %s", cmd, VP_TXN_DIR, strerror(-e));
		return VP_EXIT_USAGE;
	}
	return VP_EXIT_OK;
}

/* The platform a transaction was made for (its boot loader), else the detected one; kernel_args from its meta. */
void vp_cli_txn_platform(struct vp_root *root, const struct vp_host *h, const struct vp_txn *t, struct vp_platform *plat,
			 char ***ret_kargs)
{
	vp_platform_detect(root, h, plat);
	*ret_kargs = NULL;
	if (!t || !t->meta)
		return;
	json_object *boot = NULL, *args = NULL;
	if (json_object_object_get_ex(t->meta, "bootloader", &boot)) {
		enum vp_bootloader b = vp_bootloader_from_string(json_object_get_string(boot));
		if (b != _VP_BOOT_MAX)
			plat->bootloader = b;
	}
	if (json_object_object_get_ex(t->meta, "kernel_args", &args) && json_object_is_type(args, json_type_array)) {
		char **v = calloc(1, sizeof(char *));
		for (size_t i = 0; v && i < json_object_array_length(args); i++)
			vp_strv_push(&v, json_object_get_string(json_object_array_get_idx(args, i)));
		*ret_kargs = v;
	}
}

int vp_cli_rescue_begin(const char *cmd, struct vp_root *root, struct vp_cli_rescue *c)
{
	if (vp_root_is_live(root))
		return -1;
	_cleanup_free_ char *why = NULL;
	int e = vp_rescue_check(root, &why);
	if (e < 0) {
		vp_cli_error("%s: %s", cmd, why ? why : strerror(-e));
		return VP_EXIT_USAGE;
	}
	e = vp_rescue_enter(root, &c->r, &why);
	if (e < 0) {
		vp_cli_error("%s: %s; nothing was changed (run it as root on the live system)", cmd, why ? why : strerror(-e));
		return VP_EXIT_USAGE;
	}
	c->active = true;
	if (c->verbose) {
		_cleanup_free_ char *j = vp_strv_join(c->r.names, " ");
		fprintf(stderr, "vfio-pilot: %s: bound %s into %s for the commands run chrooted there\n", cmd, j ? j : "",
			vp_root_path(root));
	}
	return -1;
}

void vp_cli_rescue_end(struct vp_cli_rescue *c)
{
	if (!c->active)
		return;
	_cleanup_free_ char *j = vp_strv_join(c->r.names, " ");
	_cleanup_free_ char *root = c->r.root ? strdup(c->r.root) : NULL;
	_cleanup_free_ char *err = NULL;
	if (vp_rescue_leave(&c->r, &err) < 0)
		vp_cli_error("warning: %s (the mounts live in a private namespace and vanish with this process)", err ? err : "");
	else if (c->verbose)
		fprintf(stderr, "vfio-pilot: unbound %s from %s\n", j ? j : "", root ? root : "");
	c->active = false;
}

int cmd_recover(const struct vp_opts *o, int argc, char *argv[])
{
	int r = vp_cli_no_options("recover", argc, argv);
	if (r >= 0)
		return r;
	if (argc > 1) {
		vp_cli_error("recover: unexpected argument '%s'", argv[1]);
		return vp_cli_usage("recover");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	_cleanup_(vp_txn_freep) struct vp_txn *t = NULL;
	if ((r = vp_cli_load_last_txn("recover", o, &root, &h, &t)))
		return r;
	struct vp_platform plat;
	_cleanup_strv_free_ char **kargs = NULL;
	vp_cli_txn_platform(root, h, t, &plat, &kargs);
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	/* the transaction the recipe undoes: JSON its id, arguments and undo.sh; text one line */
	static const struct vp_col txn_cols[] = {
		{ "summary", "", VP_COL_TEXT_ONLY },
		{ "id", NULL, VP_COL_JSON_ONLY },
		{ "kernel_args", NULL, VP_COL_JSON_ONLY },
		{ "undo_sh", NULL, VP_COL_JSON_ONLY },
	};
	json_object *txn = vp_doc_record_cols(doc, "transaction", NULL, txn_cols, ARRAY_SIZE(txn_cols));
	_cleanup_free_ char *k = kargs ? vp_strv_join(kargs, " ") : NULL;
	_cleanup_free_ char *summary = t ? vp_strdup_printf("Last applied transaction: %s (kernel arguments: %s)", t->id,
							    k && *k ? k : "none")
					 : strdup("No applied transaction on this host: the recipe below is the general one.");
	vp_row_str(txn, "summary", summary);
	vp_row_str(txn, "id", t ? t->id : NULL);
	vp_row_take(txn, "kernel_args", t ? json_object_get(json_object_object_get(t->meta, "kernel_args")) : NULL);
	_cleanup_free_ char *undo_sh = t ? vp_strdup_printf("/%s/%s/undo.sh", VP_TXN_DIR, t->id) : NULL;
	vp_row_str(txn, "undo_sh", undo_sh);
	struct vp_recipe rec;
	if (vp_recipe_build(root, h, &plat, kargs, NULL, &rec) == 0) {
		/* from a live USB, the transaction's undo.sh first: it needs nothing but a shell (undosh.h) */
		char *usb = t ? vp_strdup_printf(
					"no menu, or no way in? Boot a live USB and mount the installed root at /mnt/sysroot (with "
					"its /boot and EFI partition), bind /proc, /sys and /dev into it, and run `sh "
					"/mnt/sysroot/%s/%s/undo.sh /mnt/sysroot`: it needs nothing but a shell. Where vfio-pilot is "
					"installed, `sudo vfio-pilot --root /mnt/sysroot undo` does the same (man 8 vfio-pilot, RESCUE)",
					VP_TXN_DIR, t->id)
			      : NULL;
		if (usb) {
			free(rec.live_usb);
			rec.live_usb = usb;
		}
		vp_recipe_render(&rec, doc);
	}
	vp_recipe_done(&rec);
	return vp_cli_render(o, doc);
}

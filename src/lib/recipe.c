/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recovery recipe (see recipe.h and docs/rescue.md). */
#include "recipe.h"

#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "output.h"
#include "bootcfg.h"
#include "util.h"

void vp_recipe_done(struct vp_recipe *r)
{
	vp_fallback_done(&r->fallback);
	free(r->menu);
	free(r->pick);
	free(r->edit);
	free(r->edit_why_not);
	vp_strv_free(r->remove);
	vp_strv_free(r->add);
	free(r->then);
	free(r->live_usb);
	*r = (struct vp_recipe){ 0 };
}

/* "editor no" in the loader.conf of systemd-boot (or kernelstub's) disables the `e` key (bootcfg.c reads it). */
static bool sdboot_editor_off(struct vp_root *root, char **ret_path)
{
	for (size_t i = 0; vp_bls_dirs[i]; i++) {
		const char *dir = vp_bls_dirs[i], *slash = strrchr(dir, '/');
		_cleanup_free_ char *conf = vp_strdup_printf("%.*s/loader.conf", (int)(slash - dir), dir);
		if (!conf || vp_root_exists(root, conf) <= 0)
			continue;
		_cleanup_free_ char *v = vp_loader_conf_get(root, dir, "editor");
		if (v && (streq(v, "no") || streq(v, "0") || streq(v, "false") || streq(v, "off"))) {
			*ret_path = vp_strdup_printf("/%s", conf);
			return true;
		}
		return false;
	}
	return false;
}

int vp_recipe_build(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat, char *const *kargs,
		    const char *planned_title, struct vp_recipe *r)
{
	*r = (struct vp_recipe){ .bootloader = plat->bootloader };
	vp_fallback_inspect(root, h, plat, &r->fallback);

	/* the words for one boot */
	for (size_t i = 0; kargs && kargs[i]; i++)
		if (vp_fallback_drops(kargs[i]))
			vp_strv_push(&r->remove, kargs[i]);
	if (!kargs)
		for (size_t i = 0; h->cmdline_words && h->cmdline_words[i]; i++)
			if (vp_fallback_drops(h->cmdline_words[i]))
				vp_strv_push(&r->remove, h->cmdline_words[i]);
	if (!r->remove)
		vp_strv_push(&r->remove, "vfio-pci.ids=...");
	for (size_t i = 0; vp_fallback_add_words[i]; i++)
		vp_strv_push(&r->add, vp_fallback_add_words[i]);

	const char *grub_edit = "highlight the normal entry, press e, go to the line that starts with `linux`, delete %s, "
				"add %s at its end, then press Ctrl-x (or F10) to boot";
	const char *sd_edit = "highlight the normal entry, press e, delete %s from the line, add %s at its end, then "
			      "press Enter to boot";
	const char *edit = NULL;
	switch (plat->bootloader) {
	case VP_BOOT_GRUBBY:
		r->menu = strdup("show the GRUB menu: hold Shift, or press Esc or F8 repeatedly, while the machine starts "
				 "(Fedora hides the menu after a good boot)");
		edit = grub_edit;
		break;
	case VP_BOOT_GRUB:
		r->menu = strdup("show the GRUB menu: hold Shift while the machine starts (BIOS), or press Esc repeatedly (UEFI)");
		edit = grub_edit;
		break;
	case VP_BOOT_RPM_OSTREE:
		r->menu = strdup("show the GRUB menu: hold Shift, or press Esc or F8 repeatedly, while the machine starts");
		r->pick = strdup("pick the entry that ends in \"(ostree:1)\": the deployment from before the change. It shares "
				 "/etc with the new one, so edit its kernel line as below too");
		edit = "highlight that entry, press e, go to the line that starts with `linux`, delete %s where present, add %s "
		       "at its end, then press Ctrl-x (or F10) to boot";
		break;
	case VP_BOOT_SYSTEMD_BOOT:
	case VP_BOOT_KERNELSTUB:
		r->menu = strdup("show the systemd-boot menu: press Space repeatedly while the machine starts");
		edit = sd_edit;
		if (sdboot_editor_off(root, &r->edit_why_not)) {
			char *p = r->edit_why_not;
			r->edit_why_not = vp_strdup_printf("%s sets `editor no`, so the kernel line cannot be edited at the menu", p);
			free(p);
			edit = NULL;
		}
		break;
	default:
		r->menu = strdup("show your boot loader's menu while the machine starts");
		edit = "edit the normal entry's kernel line: delete %s, add %s, and boot it";
		break;
	}
	if (!r->fallback.present && planned_title && !r->pick) {
		r->pick = vp_strdup_printf("pick \"%s\" (apply adds it): it boots without vfio-pci, so the host drivers keep "
					   "the cards", planned_title);
	} else if (r->fallback.present && !r->pick) {
		if (plat->bootloader == VP_BOOT_GRUB)
			r->pick = vp_strdup_printf("pick an entry that ends in \"%s\" (one per installed kernel, newest first): it "
						   "boots without vfio-pci, so the host drivers keep the cards", VP_FALLBACK_TITLE_SUFFIX);
		else
			r->pick = vp_strdup_printf("pick \"%s\": it boots without vfio-pci, so the host drivers keep the cards",
						   r->fallback.title ? r->fallback.title : VP_FALLBACK_TITLE_SUFFIX);
	}
	if (edit) {
		_cleanup_free_ char *rm = vp_strv_join(r->remove, " ");
		_cleanup_free_ char *ad = vp_strv_join(r->add, " ");
		r->edit = vp_strdup_printf(edit, rm ? rm : "", ad ? ad : "");
	}
	r->then = strdup("sudo vfio-pilot undo");
	r->live_usb = strdup("no menu, or no way in? Boot a live USB, mount the installed root at /mnt/sysroot (with its "
			     "/boot and EFI partition) and run `sudo vfio-pilot --root /mnt/sysroot undo` (man 8 vfio-pilot, RESCUE)");
	if (!r->menu || !r->then || !r->live_usb || !r->remove || !r->add)
		return -ENOMEM;
	return 0;
}

/* The pick names an entry apply is about to add: the "no entry" note would contradict it. */
static bool planned_title_shown(const struct vp_recipe *r)
{
	return !r->fallback.present && r->pick && strstr(r->pick, "(apply adds it)");
}

/*
 * The recipe as one record: its JSON (docs/json.md, "recovery") and its text steps come from the
 * same fields; the text-only fields are the sentences that frame them. The renderer numbers the
 * steps, capitalises and ends the sentences, and wraps them at the terminal's width.
 */
static const struct vp_col recipe_cols[] = {
	{ "bootloader", NULL, VP_COL_JSON_ONLY },
	{ "fallback_entry", "Fallback boot entry", VP_COL_TEXT_ONLY },
	{ "menu", "", VP_COL_STEP | VP_COL_SENTENCE },
	{ "pick", "", VP_COL_STEP | VP_COL_SENTENCE },
	{ "edit_or", "Or, for one boot", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_SENTENCE },
	{ "edit_then", "Then", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_SENTENCE },
	{ "edit_step", "For one boot", VP_COL_TEXT_ONLY | VP_COL_STEP | VP_COL_SENTENCE },
	{ "fallback_note", "", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_PARENS | VP_COL_SENTENCE },
	{ "edit_why_not", "No one-boot edit", VP_COL_TEXT_ONLY | VP_COL_STEP_MORE | VP_COL_PARENS | VP_COL_SENTENCE },
	{ "fallback", NULL, VP_COL_JSON_ONLY },
	{ "one_boot", NULL, VP_COL_JSON_ONLY },
	{ "then", NULL, VP_COL_JSON_ONLY },
	{ "then_step", "Once the desktop is back", VP_COL_TEXT_ONLY | VP_COL_STEP | VP_COL_SENTENCE },
	{ "live_usb", "", VP_COL_SENTENCE },
};

void vp_recipe_render(const struct vp_recipe *r, struct vp_doc *doc)
{
	const struct vp_fallback *f = &r->fallback;
	_cleanup_free_ char *title = vp_strdup_printf("If the host comes up to a black screen (boot loader: %s):",
						      vp_bootloader_to_string(r->bootloader));
	json_object *o = vp_doc_record_cols(doc, "recovery", title ? title : "", recipe_cols, ARRAY_SIZE(recipe_cols));
	vp_row_str(o, "bootloader", vp_bootloader_to_string(r->bootloader));
	_cleanup_free_ char *entry = f->present ? vp_strdup_printf("present, %s", f->path ? f->path : "") : NULL;
	vp_row_str(o, "fallback_entry", f->present	      ? entry
					: planned_title_shown(r) ? "apply adds it"
					: f->possible		      ? "none"
								      : "not possible with this boot loader");
	vp_row_str(o, "menu", r->menu);
	vp_row_str(o, "pick", r->pick);
	if (r->pick && r->edit) {
		if (r->bootloader == VP_BOOT_RPM_OSTREE)
			vp_row_str(o, "edit_then", r->edit);
		else
			vp_row_str(o, "edit_or", r->edit);
	} else if (r->edit) {
		vp_row_str(o, "edit_step", r->edit);
	}
	if (f->note && r->bootloader != VP_BOOT_RPM_OSTREE && !planned_title_shown(r))
		vp_row_str(o, "fallback_note", f->note);
	if (!r->edit && r->edit_why_not)
		vp_row_str(o, "edit_why_not", r->edit_why_not);

	json_object *fb = json_object_new_object();
	vp_row_bool(fb, "possible", f->possible);
	vp_row_bool(fb, "present", f->present);
	vp_row_str(fb, "path", f->path);
	vp_row_str(fb, "title", f->title);
	vp_row_str(fb, "kernel", f->kernel);
	vp_row_strv(fb, "kernel_args", f->kernel_args);
	vp_row_str(fb, "note", f->note);
	vp_row_take(o, "fallback", fb);
	json_object *one = json_object_new_object();
	vp_row_bool(one, "possible", r->edit != NULL);
	vp_row_str(one, "how", r->edit ? r->edit : r->edit_why_not);
	vp_row_strv(one, "remove", r->remove);
	vp_row_strv(one, "add", r->add);
	vp_row_take(o, "one_boot", one);
	vp_row_str(o, "then", r->then);
	_cleanup_free_ char *then = vp_strdup_printf("`%s`, then reboot", r->then);
	vp_row_str(o, "then_step", then);
	vp_row_str(o, "live_usb", r->live_usb);
}

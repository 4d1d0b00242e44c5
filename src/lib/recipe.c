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

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* The pick names an entry apply is about to add: the "no entry" note would contradict it. */
static bool planned_title_shown(const struct vp_recipe *r)
{
	return !r->fallback.present && r->pick && strstr(r->pick, "(apply adds it)");
}

void vp_recipe_render(const struct vp_recipe *r, struct vp_doc *doc)
{
	const struct vp_fallback *f = &r->fallback;
	json_object *fb = json_object_new_object();
	json_object_object_add(fb, "possible", json_object_new_boolean(f->possible));
	json_object_object_add(fb, "present", json_object_new_boolean(f->present));
	json_object_object_add(fb, "path", str_or_null(f->path));
	json_object_object_add(fb, "title", str_or_null(f->title));
	json_object_object_add(fb, "kernel", str_or_null(f->kernel));
	json_object_object_add(fb, "kernel_args", vp_json_strv(f->kernel_args));
	json_object_object_add(fb, "note", str_or_null(f->note));
	json_object *one = json_object_new_object();
	json_object_object_add(one, "possible", json_object_new_boolean(r->edit != NULL));
	json_object_object_add(one, "how", str_or_null(r->edit ? r->edit : r->edit_why_not));
	json_object_object_add(one, "remove", vp_json_strv(r->remove));
	json_object_object_add(one, "add", vp_json_strv(r->add));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "bootloader", json_object_new_string(vp_bootloader_to_string(r->bootloader)));
	json_object_object_add(o, "menu", json_object_new_string(r->menu));
	json_object_object_add(o, "pick", str_or_null(r->pick));
	json_object_object_add(o, "fallback", fb);
	json_object_object_add(o, "one_boot", one);
	json_object_object_add(o, "then", json_object_new_string(r->then));
	json_object_object_add(o, "live_usb", json_object_new_string(r->live_usb));
	vp_doc_json(doc, "recovery", o);

	struct vp_buf b = { 0 };
	unsigned n = 1;
	vp_buf_printf(&b, "If the host comes up to a black screen (boot loader: %s):\n", vp_bootloader_to_string(r->bootloader));
	if (f->present)
		vp_buf_printf(&b, "  Fallback boot entry: present, %s\n", f->path ? f->path : "");
	else if (planned_title_shown(r))
		vp_buf_puts(&b, "  Fallback boot entry: apply adds it\n");
	else
		vp_buf_printf(&b, "  Fallback boot entry: %s\n", f->possible ? "none" : "not possible with this boot loader");
	vp_buf_printf(&b, "  %u. %c%s.\n", n++, r->menu[0] >= 'a' && r->menu[0] <= 'z' ? r->menu[0] - 32 : r->menu[0], r->menu + 1);
	if (r->pick) {
		vp_buf_printf(&b, "  %u. %c%s.\n", n, r->pick[0] >= 'a' && r->pick[0] <= 'z' ? r->pick[0] - 32 : r->pick[0], r->pick + 1);
		if (r->edit)
			vp_buf_printf(&b, "     %s: %s.\n", r->bootloader == VP_BOOT_RPM_OSTREE ? "Then" : "Or, for one boot", r->edit);
		n++;
	} else if (r->edit) {
		vp_buf_printf(&b, "  %u. For one boot: %s.\n", n++, r->edit);
	}
	if (f->note && r->bootloader != VP_BOOT_RPM_OSTREE && !(planned_title_shown(r)))
		vp_buf_printf(&b, "     (%s.)\n", f->note);
	if (!r->edit && r->edit_why_not)
		vp_buf_printf(&b, "     (No one-boot edit: %s.)\n", r->edit_why_not);
	vp_buf_printf(&b, "  %u. Once the desktop is back: `%s`, then reboot.\n", n, r->then);
	vp_buf_printf(&b, "  %c%s.", r->live_usb[0] - 32, r->live_usb + 1);
	_cleanup_free_ char *t = vp_buf_steal(&b);
	vp_doc_text(doc, "%s", t ? t : "");
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ROMs on the host (see rom.h): the sysfs read, the rendering, OVMF detection and the card.rom check. */
#include "rom.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "reset.h"
#include "util.h"

const char *vp_rom_advice(const struct vp_pci_dev *d)
{
	if (d && d->boot_vga == 1)
		return "this is the boot GPU: the firmware copied (shadowed) its ROM to system memory at boot and the kernel "
		       "does not expose it; dump the ROM while another GPU is primary (switch the primary display in the firmware "
		       "setup, or move the card to another slot), or use the card vendor's ROM file, then check it with "
		       "`vfio-pilot rom --file FILE`";
	return "unbind the card's host driver (vfio-pilot bind) and try again; if it still fails, use the card vendor's ROM file "
	       "and check it with `vfio-pilot rom --file FILE`";
}

int vp_rom_read_sysfs(struct vp_root *root, const struct vp_pci_dev *d, const char *addr, uint8_t **ret, size_t *ret_len,
		      char **ret_err)
{
	char rel[300];
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/rom", addr);
	*ret = NULL;
	*ret_len = 0;
	char *buf = NULL;
	size_t len = 0;
	/* The kernel refuses to read (EINVAL) until 1 is written; a ROM someone else enabled reads at once and stays so. */
	int e = vp_root_read_file(root, rel, VP_ROM_MAX, &buf, &len);
	if (e == 0 && len > 0) {
		*ret = (uint8_t *)buf;
		*ret_len = len;
		return 0;
	}
	free(buf);
	buf = NULL;
	if (e == -ENOENT) {
		*ret_err = vp_strdup_printf("%s has no ROM (/%s does not exist: the device has no expansion ROM BAR)", addr, rel);
		return e;
	}
	int w = vp_root_write_attr(root, rel, "1");
	if (w < 0) {
		*ret_err = vp_strdup_printf("cannot enable /%s: %s%s", rel, strerror(-w),
					    w == -EACCES || w == -EPERM ? "; run it as root" : "");
		return w == -EPERM ? -EACCES : w;
	}
	e = vp_root_read_file(root, rel, VP_ROM_MAX, &buf, &len);
	int off = vp_root_write_attr(root, rel, "0"); /* always, also when the read failed */
	if (e == 0 && len == 0)
		e = -ENODATA;
	if (e < 0) {
		free(buf);
		*ret_err = vp_strdup_printf("the kernel could not read the ROM of %s (%s): %s", addr,
					    e == -ENODATA ? "it reads back empty" : strerror(-e), vp_rom_advice(d));
		return e == -ENODATA ? e : -EIO;
	}
	if (off < 0) {
		free(buf);
		*ret_err = vp_strdup_printf("read the ROM of %s but could not disable /%s again: %s", addr, rel, strerror(-off));
		return off;
	}
	*ret = (uint8_t *)buf;
	*ret_len = len;
	return 0;
}

void vp_rom_render(const struct vp_rom *r, struct vp_doc *doc)
{
	static const struct vp_col cols[] = {
		{ "offset", NULL, 0 }, { "code_type", NULL, VP_COL_JSON_ONLY }, { "code", "CODE TYPE", VP_COL_TEXT_ONLY },
		{ "vendor_id", "VENDOR", 0 }, { "device_id", "DEVICE", 0 }, { "length", NULL, 0 }, { "last", NULL, 0 },
		{ "checksum_ok", "CHECKSUM OK", 0 },
	};
	struct vp_table *t = vp_doc_table(doc, "images", NULL, cols, ARRAY_SIZE(cols), VP_STYLE_TABLE);
	for (size_t i = 0; i < r->n_images; i++) {
		const struct vp_rom_image *im = &r->images[i];
		json_object *row = vp_table_row(t);
		char v[8], d[8];
		snprintf(v, sizeof(v), "%04x", (unsigned)im->vendor_id);
		snprintf(d, sizeof(d), "%04x", (unsigned)im->device_id);
		vp_row_int(row, "offset", (long long)im->offset);
		vp_row_int(row, "code_type", im->code_type);
		if (vp_table_shows(t, "code")) {
			char code[40];
			snprintf(code, sizeof(code), "%d (%s)", im->code_type, vp_rom_code_type_name(im->code_type));
			vp_row_str(row, "code", code);
		}
		vp_row_str(row, "vendor_id", v);
		vp_row_str(row, "device_id", d);
		vp_row_int(row, "length", (long long)im->length);
		vp_row_bool(row, "last", im->last);
		if (im->checksum_ok < 0)
			vp_row_str(row, "checksum_ok", NULL);
		else
			vp_row_bool(row, "checksum_ok", im->checksum_ok);
	}
	vp_doc_json(doc, "efi", json_object_new_boolean(r->efi));
	vp_doc_json(doc, "valid", json_object_new_boolean(r->valid));
	vp_doc_json(doc, "problems", vp_json_strv(r->problems));
	vp_doc_text(doc, "UEFI (EFI) image: %s%s", r->efi ? "yes" : "no",
		    r->efi ? "" : " (OVMF guests need one to show anything before the guest driver loads)");
	if (r->valid)
		vp_doc_text(doc, "valid: yes");
	else {
		_cleanup_free_ char *all = vp_strv_join(r->problems, "\n  - ");
		vp_doc_text(doc, "valid: no\n  - %s", all ? all : "");
	}
}

/* A libvirt domain definition that boots OVMF: an OVMF/edk2 <loader>, or firmware='efi' on <os>. */
static bool domain_uses_ovmf(const char *xml)
{
	if (strstr(xml, "firmware='efi'") || strstr(xml, "firmware=\"efi\""))
		return true;
	for (const char *l = strstr(xml, "<loader"); l; l = strstr(l + 1, "<loader")) {
		const char *end = strstr(l, "</loader>");
		if (!end)
			end = l + strlen(l);
		size_t n = (size_t)(end - l);
		if (memmem(l, n, "OVMF", 4) || memmem(l, n, "edk2", 4) || memmem(l, n, "ovmf", 4))
			return true;
	}
	return false;
}

bool vp_ovmf_in_use(struct vp_root *root, char **ret_why)
{
	*ret_why = NULL;
	_cleanup_strv_free_ char **names = NULL, **hits = NULL;
	if (vp_root_list(root, "etc/libvirt/qemu", &names) == 0)
		for (size_t i = 0; names[i]; i++) {
			size_t l = strlen(names[i]);
			if (l < 5 || strcmp(names[i] + l - 4, ".xml"))
				continue;
			char rel[600];
			snprintf(rel, sizeof(rel), "etc/libvirt/qemu/%s", names[i]);
			_cleanup_free_ char *xml = NULL;
			if (vp_root_read_file(root, rel, 4u << 20, &xml, NULL) == 0 && domain_uses_ovmf(xml))
				vp_strv_pushf(&hits, "%.*s", (int)(l - 4), names[i]);
		}
	if (hits) {
		_cleanup_free_ char *j = vp_strv_join(hits, ", ");
		*ret_why = vp_strdup_printf("the libvirt domain%s %s boot%s UEFI (OVMF)", hits[1] ? "s" : "", j, hits[1] ? "" : "s");
		return true;
	}
	static const char *const dirs[] = { "usr/share/OVMF", "usr/share/edk2" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (vp_root_exists(root, dirs[i]) > 0) {
			*ret_why = vp_strdup_printf("OVMF (UEFI guest firmware) is installed (/%s)", dirs[i]);
			return true;
		}
	return false;
}

int vp_rom_check(struct vp_root *root, const struct vp_host *h, char *const *slots, bool can_read, int *level,
		 char **summary, char **fix)
{
	*level = VP_LEVEL_SKIP;
	*summary = *fix = NULL;
	_cleanup_free_ char *why = NULL;
	bool ovmf = vp_ovmf_in_use(root, &why);
	struct vp_buf s = { 0 }, f = { 0 };
	size_t n = 0, n_noefi = 0, n_read = 0;
	for (size_t i = 0; i < h->n_cards; i++) {
		const struct vp_card *c = &h->cards[i];
		if (!c->display || !vp_strv_contains(slots, c->slot))
			continue;
		const struct vp_pci_dev *d = vp_reset_card_dev(c);
		if (n++)
			vp_buf_puts(&s, "; ");
		if (!can_read) {
			vp_buf_printf(&s, "%s: reading the ROM needs root (sudo vfio-pilot rom %s)", d->addr, d->addr);
			continue;
		}
		uint8_t *data = NULL;
		size_t len = 0;
		_cleanup_free_ char *err = NULL;
		if (vp_rom_read_sysfs(root, d, d->addr, &data, &len, &err) < 0) {
			vp_buf_printf(&s, "%s: %s", d->addr, err ? err : "cannot read the ROM");
			continue;
		}
		struct vp_rom rom;
		int e = vp_rom_parse(data, len, &rom);
		free(data);
		if (e < 0)
			continue;
		n_read++;
		if (!rom.efi && ovmf) {
			n_noefi++;
			vp_buf_printf(&s, "%s: its ROM has no UEFI image and %s: the guest shows no picture until its driver loads",
				      d->addr, why);
			vp_buf_printf(&f, "%sfor %s: flash or download a ROM with a UEFI (GOP) image for this card, check it with "
					  "`vfio-pilot rom --file FILE` and give it with `vfio-pilot xml %s --rom-file /path/FILE`; or boot "
					  "the guest with SeaBIOS", f.len ? "; " : "", d->addr, d->addr);
		} else
			vp_buf_printf(&s, "%s: %s%s", d->addr, rom.efi ? "its ROM has a UEFI image" : "its ROM has no UEFI image",
				      rom.efi || ovmf ? "" : " (no OVMF in use: fine for SeaBIOS guests)");
		if (!rom.valid)
			vp_buf_printf(&s, " (ROM problem: %s)", rom.problems[0]);
		vp_rom_clear(&rom);
	}
	*summary = vp_buf_steal(&s);
	if (!n) {
		free(*summary);
		*summary = strdup("no display card named");
		vp_buf_free(&f);
		return *summary ? 0 : -ENOMEM;
	}
	if (n_noefi) {
		*level = VP_LEVEL_WARN;
		*fix = vp_buf_steal(&f);
	} else {
		vp_buf_free(&f);
		*level = n_read ? VP_LEVEL_PASS : VP_LEVEL_SKIP;
	}
	return *summary ? 0 : -ENOMEM;
}

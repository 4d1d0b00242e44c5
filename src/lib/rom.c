/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI expansion ROM parser (see rom.h). Depends on util.c only, so the fuzz harness links just these two. */
#include "rom.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define ROM_MAX_IMAGES 32

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

const char *vp_rom_code_type_name(int t)
{
	switch (t) {
	case VP_ROM_CODE_X86: return "x86";
	case VP_ROM_CODE_OPENFW: return "Open Firmware";
	case VP_ROM_CODE_PARISC: return "PA-RISC";
	case VP_ROM_CODE_EFI: return "EFI";
	default: return "unknown";
	}
}

static int push_image(struct vp_rom *r, const struct vp_rom_image *im)
{
	struct vp_rom_image *n = realloc(r->images, (r->n_images + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->images = n;
	r->images[r->n_images++] = *im;
	return 0;
}

int vp_rom_parse(const uint8_t *data, size_t len, struct vp_rom *ret)
{
	struct vp_rom *r = ret;
	*r = (struct vp_rom){ 0 };
	int e = 0;
	if (len == 0)
		e = vp_strv_push(&r->problems, "the ROM is empty");
	size_t off = 0;
	bool last = false;
	for (int n = 0; len > 0 && off < len && n < ROM_MAX_IMAGES && e >= 0; n++) {
		if (len - off < 2 || data[off] != 0x55 || data[off + 1] != 0xaa) {
			if (n == 0)
				e = vp_strv_pushf(&r->problems, "no ROM header signature (0x55AA) at offset 0x0: this is not a PCI "
							      "expansion ROM (QEMU says \"Invalid PCI ROM header signature\")");
			else
				e = vp_strv_pushf(&r->problems, "the image before offset 0x%zx is not marked last, but no image "
							      "(0x55AA) follows (QEMU says \"No more image in the PCI ROM\")", off);
			break;
		}
		if (len - off < 0x1a) {
			e = vp_strv_pushf(&r->problems, "image at 0x%zx: the ROM ends inside its header (truncated)", off);
			break;
		}
		size_t pcir = le16(data + off + 0x18);
		if (pcir < 0x1a || off + pcir > len || len - (off + pcir) < 0x18) {
			e = vp_strv_pushf(&r->problems, "image at 0x%zx: its PCIR pointer (0x%zx) points outside the ROM (%zu bytes)",
					  off, pcir, len);
			break;
		}
		const uint8_t *p = data + off + pcir;
		if (memcmp(p, "PCIR", 4) != 0) {
			e = vp_strv_pushf(&r->problems, "image at 0x%zx: no PCI data structure signature \"PCIR\" at 0x%zx", off, off + pcir);
			break;
		}
		struct vp_rom_image im = {
			.offset = off,
			.vendor_id = (int)le16(p + 4),
			.device_id = (int)le16(p + 6),
			.length = (size_t)le16(p + 0x10) * 512,
			.code_type = p[0x14],
			.last = (p[0x15] & 0x80) != 0,
			.checksum_ok = -1,
		};
		if (im.length == 0) { /* not an image: nothing to list */
			e = vp_strv_pushf(&r->problems, "image at 0x%zx: its PCIR image length is 0", off);
			break;
		}
		bool cut = im.length > len - off;
		if (cut)
			e = vp_strv_pushf(&r->problems, "image at 0x%zx: its length is %zu bytes but only %zu remain (truncated ROM)", off,
					  im.length, len - off);
		else if (im.code_type == VP_ROM_CODE_X86) {
			uint8_t sum = 0;
			for (size_t i = 0; i < im.length; i++)
				sum = (uint8_t)(sum + data[off + i]);
			im.checksum_ok = sum == 0;
			if (!im.checksum_ok)
				e = vp_strv_pushf(&r->problems, "image at 0x%zx (x86): bad checksum (the bytes sum to 0x%02x, not 0)", off, sum);
		}
		if (e >= 0)
			e = push_image(r, &im);
		if (im.code_type == VP_ROM_CODE_EFI)
			r->efi = true;
		last = im.last;
		if (im.last || cut)
			break;
		off += im.length;
	}
	if (e >= 0 && r->n_images && !last && off >= len && !r->problems)
		e = vp_strv_pushf(&r->problems, "no image is marked last, and the ROM ends after 0x%zx bytes", len);
	if (e < 0) {
		vp_rom_clear(r);
		return -ENOMEM;
	}
	r->valid = !r->problems;
	return 0;
}

void vp_rom_clear(struct vp_rom *r)
{
	free(r->images);
	vp_strv_free(r->problems);
	*r = (struct vp_rom){ 0 };
}


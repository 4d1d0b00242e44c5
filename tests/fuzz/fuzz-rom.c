/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the PCI expansion ROM parser (rom.c): any bytes. Besides ASan/UBSan it checks
 * the contract of rom.h: every image lies inside the input and starts with 0x55AA, images are in
 * order, valid means no problems, and efi means some image has code type 3.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan catches any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct vp_rom r;
	if (vp_rom_parse(buf, size, &r) < 0) {
		free(buf);
		return 0;
	}
	bool efi = false;
	size_t prev_end = 0;
	for (size_t i = 0; i < r.n_images; i++) {
		const struct vp_rom_image *im = &r.images[i];
		if (im->offset >= size || im->offset < prev_end || buf[im->offset] != 0x55 || buf[im->offset + 1] != 0xaa)
			abort();
		if (im->checksum_ok == 1 && (im->code_type != 0 || im->offset + im->length > size))
			abort();
		efi |= im->code_type == 3;
		prev_end = im->offset + im->length;
	}
	if (efi != r.efi || r.valid != (r.problems == NULL) || (size == 0 && r.valid))
		abort();
	vp_rom_clear(&r);
	free(buf);
	return 0;
}

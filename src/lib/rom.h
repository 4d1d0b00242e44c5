/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI expansion ROMs: the parser (images by their 0x55AA and PCIR headers, code
 * type, ids, length, last-image flag, checksum, whether a UEFI image exists),
 * the sysfs read (enable `rom`, read it, disable it again, through the root
 * handle), and the card.rom check (no UEFI image while OVMF is in use).
 *
 * Layout (PCI Firmware Specification 3.x, §5.1): each image starts with 0x55 0xAA;
 * the 16-bit word at +0x18 points (from the image start) to the PCI Data
 * Structure "PCIR": vendor +4, device +6, image length in 512-byte units +0x10,
 * code type +0x14 (0 x86 BIOS, 1 Open Firmware, 2 HP PA-RISC, 3 EFI), indicator
 * +0x15 (bit 7: last image). A legacy x86 image's bytes sum to 0 mod 256.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "output.h"
#include "root.h"

#define VP_ROM_MAX (64u << 20) /* largest ROM we read: ROM BARs are at most 16 MiB in practice */

enum { VP_ROM_CODE_X86 = 0, VP_ROM_CODE_OPENFW = 1, VP_ROM_CODE_PARISC = 2, VP_ROM_CODE_EFI = 3 };

struct vp_rom_image {
	size_t offset;
	int code_type;
	int vendor_id, device_id;
	size_t length;            /* bytes, from the PCIR image length */
	bool last;
	int checksum_ok;          /* 1/0 for x86 images, -1 where the checksum does not apply or the image is cut */
};

struct vp_rom {
	struct vp_rom_image *images;
	size_t n_images;
	bool efi;                 /* some image has code type 3 */
	bool valid;               /* no problem found */
	char **problems;          /* one sentence each */
};

/* Parses len bytes. Never reads outside them. 0 or -ENOMEM; free with vp_rom_clear(). */
int vp_rom_parse(const uint8_t *data, size_t len, struct vp_rom *ret);
void vp_rom_clear(struct vp_rom *r);
const char *vp_rom_code_type_name(int code_type); /* "x86", "Open Firmware", "PA-RISC", "EFI", "unknown" */

/*
 * Reads the ROM of PCI function addr from sysfs: writes 1 to its `rom`
 * attribute, reads it, writes 0 again (also when the read failed). Returns 0,
 * or a negative errno with *ret_err saying what happened and what to do (absent
 * attribute: -ENOENT; the kernel refused to read: -EIO; empty: -ENODATA;
 * no permission: -EACCES). d may be NULL; with it the advice names the boot GPU case.
 */
int vp_rom_read_sysfs(struct vp_root *root, const struct vp_pci_dev *d, const char *addr, uint8_t **ret, size_t *ret_len,
		      char **ret_err);

/* What to do when a card's ROM cannot be read or reads back as garbage (the boot GPU case when d is it). Static. */
const char *vp_rom_advice(const struct vp_pci_dev *d);

/* Adds the images table and the verdict to doc ({"images", "efi", "valid", "problems"}). */
void vp_rom_render(const struct vp_rom *r, struct vp_doc *doc);

/*
 * Whether OVMF (UEFI guest firmware) is in use: a libvirt domain under
 * etc/libvirt/qemu with an OVMF/edk2 <loader> or firmware='efi' (*ret_why names
 * it), else edk2-ovmf/ovmf installed (usr/share/OVMF or usr/share/edk2).
 */
bool vp_ovmf_in_use(struct vp_root *root, char **ret_why);

/*
 * The card.rom check for the named cards (slots): reads each display function's ROM
 * (only as root) and warns when none of its images is UEFI while OVMF is in use.
 * Fills *level (enum vp_level of checks.h), *summary and *fix (NULL when none).
 */
int vp_rom_check(struct vp_root *root, const struct vp_host *h, char *const *slots, bool can_read, int *level,
		 char **summary, char **fix);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the ROM parser (rom.c) and the reset config-space parser (reset.c), on images and
 * config blobs built here byte by byte.
 */
#include "testutil.h"

#include <string.h>

#include "reset.h"
#include "rom.h"
#include "util.h"

/* Writes one image of units*512 bytes at buf: 0x55AA, PCIR at 0x1c; x86 images get a checksum byte. */
static size_t put_image(uint8_t *buf, uint16_t vendor, uint16_t device, int code_type, unsigned units, bool last)
{
	size_t len = units * 512u;
	memset(buf, 0, len);
	buf[0] = 0x55;
	buf[1] = 0xaa;
	buf[2] = (uint8_t)units;
	buf[0x18] = 0x1c;
	uint8_t *p = buf + 0x1c;
	memcpy(p, "PCIR", 4);
	p[4] = vendor & 0xff, p[5] = vendor >> 8;
	p[6] = device & 0xff, p[7] = device >> 8;
	p[0x0a] = 0x18;
	p[0x0f] = 0x03;
	p[0x10] = units & 0xff, p[0x11] = (uint8_t)(units >> 8);
	p[0x14] = (uint8_t)code_type;
	p[0x15] = last ? 0x80 : 0;
	memcpy(buf + 0x40, "test image", 10);
	if (code_type == 0) {
		uint8_t sum = 0;
		for (size_t i = 0; i + 1 < len; i++)
			sum = (uint8_t)(sum + buf[i]);
		buf[len - 1] = (uint8_t)-sum;
	}
	return len;
}

static void test_x86_only(void **state)
{
	uint8_t rom[1024];
	size_t n = put_image(rom, 0x1002, 0x67df, 0, 2, true);
	struct vp_rom r;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_int_equal(r.n_images, 1);
	assert_int_equal(r.images[0].offset, 0);
	assert_int_equal(r.images[0].code_type, 0);
	assert_int_equal(r.images[0].vendor_id, 0x1002);
	assert_int_equal(r.images[0].device_id, 0x67df);
	assert_int_equal(r.images[0].length, 1024);
	assert_true(r.images[0].last);
	assert_int_equal(r.images[0].checksum_ok, 1);
	assert_false(r.efi);
	assert_true(r.valid);
	assert_null(r.problems);
	vp_rom_clear(&r);
}

static void test_x86_and_efi(void **state)
{
	uint8_t rom[3072];
	size_t n = put_image(rom, 0x10de, 0x2206, 0, 2, false);
	n += put_image(rom + n, 0x10de, 0x2206, 3, 4, true);
	struct vp_rom r;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_int_equal(r.n_images, 2);
	assert_false(r.images[0].last);
	assert_int_equal(r.images[1].offset, 1024);
	assert_int_equal(r.images[1].code_type, 3);
	assert_int_equal(r.images[1].length, 2048);
	assert_int_equal(r.images[1].checksum_ok, -1); /* EFI images carry no checksum rule */
	assert_true(r.images[1].last);
	assert_true(r.efi);
	assert_true(r.valid);
	vp_rom_clear(&r);
	/* trailing padding after the last image is ignored */
	uint8_t padded[4096];
	memcpy(padded, rom, n);
	memset(padded + n, 0xff, sizeof(padded) - n);
	assert_int_equal(vp_rom_parse(padded, sizeof(padded), &r), 0);
	assert_int_equal(r.n_images, 2);
	assert_true(r.valid);
	vp_rom_clear(&r);
}

static void test_efi_only(void **state)
{
	uint8_t rom[2048];
	size_t n = put_image(rom, 0x1002, 0x73bf, 3, 4, true);
	struct vp_rom r;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_int_equal(r.n_images, 1);
	assert_true(r.efi);
	assert_true(r.valid);
	vp_rom_clear(&r);
}

static void test_bad_checksum(void **state)
{
	uint8_t rom[1024];
	size_t n = put_image(rom, 0x10de, 0x1c03, 0, 2, true);
	rom[0x100] ^= 0x01;
	struct vp_rom r;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_int_equal(r.n_images, 1);
	assert_int_equal(r.images[0].checksum_ok, 0);
	assert_false(r.valid);
	assert_non_null(r.problems);
	assert_non_null(strstr(r.problems[0], "bad checksum"));
	vp_rom_clear(&r);
}

static void test_truncated(void **state)
{
	uint8_t rom[3072];
	size_t n = put_image(rom, 0x10de, 0x2206, 0, 2, false);
	n += put_image(rom + n, 0x10de, 0x2206, 3, 4, true);
	struct vp_rom r;
	/* cut inside the EFI image */
	assert_int_equal(vp_rom_parse(rom, n - 700, &r), 0);
	assert_false(r.valid);
	assert_int_equal(r.n_images, 2);
	assert_true(r.efi);
	assert_non_null(strstr(r.problems[0], "truncated"));
	vp_rom_clear(&r);
	/* cut inside the first header */
	assert_int_equal(vp_rom_parse(rom, 0x10, &r), 0);
	assert_false(r.valid);
	assert_int_equal(r.n_images, 0);
	assert_non_null(strstr(r.problems[0], "truncated"));
	vp_rom_clear(&r);
	/* an image not marked last, and nothing after it */
	assert_int_equal(vp_rom_parse(rom, 1024, &r), 0);
	assert_false(r.valid);
	assert_int_equal(r.n_images, 1);
	assert_non_null(strstr(r.problems[0], "marked last"));
	vp_rom_clear(&r);
}

static void test_pcir_outside(void **state)
{
	uint8_t rom[1024];
	size_t n = put_image(rom, 0x10de, 0x1c03, 0, 2, true);
	rom[0x18] = 0xf8; /* PCIR pointer 0x3f8: 0x3f8 + 0x18 runs past the 1024 bytes */
	rom[0x19] = 0x03;
	struct vp_rom r;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_false(r.valid);
	assert_int_equal(r.n_images, 0);
	assert_non_null(strstr(r.problems[0], "points outside"));
	vp_rom_clear(&r);
	rom[0x18] = 0xff; /* 0xffff */
	rom[0x19] = 0xff;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_false(r.valid);
	assert_non_null(strstr(r.problems[0], "points outside"));
	vp_rom_clear(&r);
	/* a pointer inside, but no PCIR signature there */
	rom[0x18] = 0x00;
	rom[0x19] = 0x01;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_false(r.valid);
	assert_non_null(strstr(r.problems[0], "PCIR"));
	vp_rom_clear(&r);
}

static void test_not_a_rom(void **state)
{
	struct vp_rom r;
	assert_int_equal(vp_rom_parse((const uint8_t *)"", 0, &r), 0);
	assert_false(r.valid);
	assert_non_null(strstr(r.problems[0], "empty"));
	vp_rom_clear(&r);
	uint8_t junk[600];
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(vp_rom_parse(junk, sizeof(junk), &r), 0);
	assert_false(r.valid);
	assert_non_null(strstr(r.problems[0], "0x55AA"));
	vp_rom_clear(&r);
	/* image length 0 */
	uint8_t rom[1024];
	size_t n = put_image(rom, 1, 2, 0, 2, true);
	rom[0x1c + 0x10] = 0;
	rom[0x1c + 0x11] = 0;
	assert_int_equal(vp_rom_parse(rom, n, &r), 0);
	assert_false(r.valid);
	assert_non_null(strstr(r.problems[0], "length is 0"));
	vp_rom_clear(&r);
}

/* Config space with PM at 0x40 and PCIe at 0x50, as mkhost.py lays it out. */
static void put_config(uint8_t cfg[256], bool flr, bool nosoftrst)
{
	memset(cfg, 0, 256);
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01, cfg[0x41] = 0x50, cfg[0x42] = 0x03;
	cfg[0x44] = nosoftrst ? 0x08 : 0;
	cfg[0x50] = 0x10, cfg[0x52] = 0x02;
	if (flr)
		cfg[0x57] = 0x10; /* DevCap bit 28 */
}

static void test_reset_config(void **state)
{
	uint8_t cfg[256];
	struct vp_reset r = { 0 };
	put_config(cfg, true, true);
	vp_reset_parse_config(cfg, 256, &r);
	assert_int_equal(r.pcie, VP_TRI_YES);
	assert_int_equal(r.flr, VP_TRI_YES);
	assert_int_equal(r.pm_reset, VP_TRI_NO);
	assert_false(r.config_truncated);

	put_config(cfg, false, false);
	vp_reset_parse_config(cfg, 256, &r);
	assert_int_equal(r.flr, VP_TRI_NO);
	assert_int_equal(r.pm_reset, VP_TRI_YES);

	/* 64 bytes, as without root: the list starts past the end */
	put_config(cfg, true, false);
	vp_reset_parse_config(cfg, 64, &r);
	assert_true(r.config_truncated);
	assert_int_equal(r.flr, VP_TRI_UNKNOWN);
	assert_int_equal(r.pm_reset, VP_TRI_UNKNOWN);

	/* no capability list at all */
	cfg[0x06] = 0;
	vp_reset_parse_config(cfg, 256, &r);
	assert_int_equal(r.flr, VP_TRI_NO);
	assert_int_equal(r.pcie, VP_TRI_NO);

	/* a loop in the list ends */
	put_config(cfg, false, true);
	cfg[0x51] = 0x40;
	vp_reset_parse_config(cfg, 256, &r);
	assert_int_equal(r.flr, VP_TRI_NO);
	assert_false(r.config_truncated);

	/* FLR from the Advanced Features capability */
	put_config(cfg, false, true);
	cfg[0x51] = 0x70;
	cfg[0x70] = 0x13, cfg[0x72] = 6, cfg[0x73] = 0x03;
	vp_reset_parse_config(cfg, 256, &r);
	assert_int_equal(r.flr, VP_TRI_YES);
}

static void test_reset_bug_table(void **state)
{
	const struct vp_reset_bug_entry *e = vp_reset_bug_lookup(0x1002, 0x67df);
	assert_non_null(e);
	assert_string_equal(e->family, "Polaris 10");
	assert_non_null(strstr(e->source, "https://"));
	assert_non_null(vp_reset_bug_lookup(0x1002, 0x687f));
	assert_null(vp_reset_bug_lookup(0x10de, 0x2206));
	assert_null(vp_reset_bug_lookup(0x1002, 0x73bf)); /* Navi 21 resets with FLR */
	for (size_t i = 0; i < vp_reset_bug_table_len; i++) {
		assert_non_null(vp_reset_bug_table[i].family);
		assert_non_null(vp_reset_bug_table[i].source);
		assert_true(strlen(vp_reset_bug_table[i].source) > 10);
	}
}

/* A host with a bridge 00:01.0, a GPU at 01:00.0 behind it, and optionally a sibling at 01:01.0. */
struct rhost {
	struct vp_host h;
	struct vp_pci_dev devs[3];
	uint8_t cfg[256];
};

static void rhost_init(struct rhost *r, int vendor, int device, char **methods, bool sibling)
{
	memset(r, 0, sizeof(*r));
	const char *addrs[] = { "0000:00:01.0", "0000:01:00.0", "0000:01:01.0" };
	for (int i = 0; i < 3; i++) {
		struct vp_pci_dev *d = &r->devs[i];
		snprintf(d->addr, sizeof(d->addr), "%s", addrs[i]);
		memcpy(d->slot, d->addr, 10);
		d->bus = i == 0 ? 0 : 1;
		d->dev = i == 2 ? 1 : 0;
		d->d3cold_allowed = -1;
	}
	r->devs[1].vendor = vendor;
	r->devs[1].device = device;
	r->devs[1].class_code = 0x030000;
	r->devs[1].parent = (char *)"0000:00:01.0";
	r->devs[1].reset_methods = methods;
	r->devs[1].driver = (char *)"vfio-pci";
	r->devs[2].parent = (char *)"0000:00:01.0";
	r->devs[2].driver = (char *)"firewire_ohci";
	r->h.devs = r->devs;
	r->h.n_devs = sibling ? 3 : 2;
	r->h.kernel_release = (char *)"6.8.0";
	put_config(r->cfg, false, true);
	r->devs[1].config = r->cfg;
	r->devs[1].config_len = sizeof(r->cfg);
}

static void test_reset_verdicts(void **state)
{
	struct rhost *rh = malloc(sizeof(*rh));
	struct vp_reset r;
	struct vp_platform arch = { .distro = VP_DISTRO_ARCH };
	char *bus[] = { (char *)"bus", NULL }, *flr[] = { (char *)"flr", (char *)"bus", NULL }, *none[] = { NULL };
	char *ds[] = { (char *)"device_specific", (char *)"bus", NULL }, *bus_ds[] = { (char *)"bus", (char *)"device_specific", NULL };

	rhost_init(rh, 0x10de, 0x2206, flr, true);
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_OK);
	vp_reset_clear(&r);

	/* only a bus reset, with a sibling on the bus: warn, naming it */
	rhost_init(rh, 0x10de, 0x128b, bus, true);
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_WARN);
	assert_int_equal(vp_strv_len(r.bus_siblings), 1);
	assert_non_null(strstr(r.summary, "0000:01:01.0 (firewire_ohci)"));
	assert_string_equal(r.bridge, "0000:00:01.0");
	vp_reset_clear(&r);
	/* alone on the bus: fine */
	rhost_init(rh, 0x10de, 0x128b, bus, false);
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_OK);
	vp_reset_clear(&r);
	/* empty reset_method: nothing resets it */
	rhost_init(rh, 0x10de, 0x128b, none, false);
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_FAIL);
	vp_reset_clear(&r);
	/* absent reset_method before 5.15: config space decides (FLR here) */
	rhost_init(rh, 0x10de, 0x128b, NULL, false);
	rh->h.kernel_release = (char *)"5.10.0";
	put_config(rh->cfg, true, true);
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_OK);
	vp_reset_clear(&r);
	/* ... and 64 bytes of it cannot decide */
	rh->devs[1].config_len = 64;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_UNKNOWN);
	assert_true(r.config_truncated);
	vp_reset_clear(&r);

	/* Polaris without vendor-reset: fail, with this distribution's install and the udev rule */
	rhost_init(rh, 0x1002, 0x67df, bus, false);
	rh->h.vendor_reset = VP_MOD_MISSING;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], &arch, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_FAIL);
	assert_string_equal(r.bug->family, "Polaris 10");
	assert_non_null(strstr(r.summary, "not installed"));
	assert_non_null(strstr(r.fix, "vendor-reset-dkms-git"));
	assert_non_null(strstr(r.fix, "KERNEL==\"0000:01:00.0\""));
	assert_non_null(strstr(r.fix, "ATTR{device}==\"0x67df\""));
	vp_reset_clear(&r);
	/* installed, not loaded */
	rh->h.vendor_reset = VP_MOD_MODULE;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], &arch, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_FAIL);
	assert_non_null(strstr(r.summary, "not loaded"));
	assert_null(strstr(r.fix, "dkms"));
	vp_reset_clear(&r);
	/* loaded, device_specific offered but not first: warn */
	rh->h.vendor_reset_loaded = true;
	rh->devs[1].reset_methods = bus_ds;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], &arch, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_WARN);
	assert_true(r.device_specific);
	vp_reset_clear(&r);
	/* device_specific first: ok */
	rh->devs[1].reset_methods = ds;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], &arch, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_OK);
	assert_null(r.fix);
	vp_reset_clear(&r);

	/* power_state error: stuck, whatever the methods */
	rhost_init(rh, 0x10de, 0x2206, flr, false);
	rh->devs[1].power_state = (char *)"error";
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_FAIL);
	assert_non_null(strstr(r.fix, "rescan"));
	vp_reset_clear(&r);
	/* D3cold under vfio-pci with d3cold_allowed: warn */
	rh->devs[1].power_state = (char *)"D3cold";
	rh->devs[1].d3cold_allowed = 1;
	assert_int_equal(vp_reset_assess(&rh->h, &rh->devs[1], NULL, &r), 0);
	assert_int_equal(r.verdict, VP_RESET_WARN);
	assert_non_null(strstr(r.fix, "d3cold_allowed"));
	vp_reset_clear(&r);
	free(rh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_only),      cmocka_unit_test(test_x86_and_efi),  cmocka_unit_test(test_efi_only),
		cmocka_unit_test(test_bad_checksum),  cmocka_unit_test(test_truncated),    cmocka_unit_test(test_pcir_outside),
		cmocka_unit_test(test_not_a_rom),     cmocka_unit_test(test_reset_config), cmocka_unit_test(test_reset_bug_table),
		cmocka_unit_test(test_reset_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

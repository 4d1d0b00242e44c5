/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-pilot rom DEVICE [--dump FILE] | rom --file FILE: parses a card's PCI expansion ROM (read from
 * sysfs, as root) or a ROM file: its images, checksum and whether a UEFI image exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/reset.h"
#include "../lib/rom.h"
#include "../lib/select.h"
#include "../lib/util.h"

static int usage_help(void)
{
	printf("usage: vfio-pilot [--root DIR] [--json] rom DEVICE [--dump FILE]\n"
	       "       vfio-pilot [--json] rom --file FILE\n\n"
	       "Parses a PCI expansion ROM: its images (0x55AA/PCIR headers) with code type, vendor and device id,\n"
	       "length and last-image flag, the x86 checksum, and whether a UEFI (EFI) image exists.\n\n"
	       "  DEVICE       read the card's ROM from sysfs (needs root: enables rom, reads it, disables it)\n"
	       "  --dump FILE  also save the ROM read from the card to FILE, for `vfio-pilot xml --rom-file`\n"
	       "  --file FILE  parse a ROM file instead (a dump, or the card vendor's image)\n\n"
	       "Exit codes: 0 a valid ROM, 1 the ROM has problems or cannot be read, 2 usage or unreadable file,\n"
	       "4 needs root.\n");
	return VP_EXIT_OK;
}

static int read_local(const char *path, uint8_t **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		vp_cli_error("rom: cannot open '%s': %s; give a readable ROM file", path, strerror(errno));
		return VP_EXIT_USAGE;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		vp_cli_error("rom: '%s' is not a regular file; give a ROM image file", path);
		return VP_EXIT_USAGE;
	}
	if ((uint64_t)st.st_size > VP_ROM_MAX) {
		close(fd);
		vp_cli_error("rom: '%s' is %lld bytes, more than any PCI ROM (at most %u MiB); give a ROM image file", path,
			     (long long)st.st_size, VP_ROM_MAX >> 20);
		return VP_EXIT_USAGE;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	size_t len = 0;
	while (buf && len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	int err = errno;
	close(fd);
	if (!buf || len != (size_t)st.st_size) {
		free(buf);
		vp_cli_error("rom: cannot read '%s': %s", path, buf ? strerror(err) : "out of memory");
		return VP_EXIT_USAGE;
	}
	*ret = buf;
	*ret_len = len;
	return VP_EXIT_OK;
}

/* Writes data to path atomically (a temporary file in the same directory, then rename). */
static int dump(const char *path, const uint8_t *data, size_t len)
{
	_cleanup_free_ char *tmp = vp_strdup_printf("%s.vfio-pilot-XXXXXX", path);
	int fd = tmp ? mkstemp(tmp) : -1;
	if (fd < 0) {
		vp_cli_error("rom: cannot create '%s': %s; give --dump a path in a writable directory", path, strerror(errno));
		return VP_EXIT_USAGE;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	int err = errno;
	if (off != len || fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		if (off == len)
			err = errno;
		unlink(tmp);
		vp_cli_error("rom: cannot write '%s': %s", path, strerror(err));
		return VP_EXIT_USAGE;
	}
	return VP_EXIT_OK;
}

int cmd_rom(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dump", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *file = NULL, *dump_to = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'd': dump_to = optarg; break;
		case 'h': return usage_help();
		default:
			vp_cli_error("rom: unknown option or missing value '%s'", argv[optind - 1]);
			return vp_cli_usage("rom");
		}
	}
	int nargs = argc - optind;
	if ((file && nargs) || (!file && nargs != 1) || (file && dump_to)) {
		vp_cli_error("rom: give one DEVICE (with an optional --dump FILE), or --file FILE");
		return vp_cli_usage("rom");
	}

	_cleanup_free_ uint8_t *data = NULL;
	size_t len = 0;
	const char *advice = NULL;
	if (file) {
		int r = read_local(file, &data, &len);
		if (r)
			return r;
	} else {
		_cleanup_(vp_root_freep) struct vp_root *root = NULL;
		_cleanup_(vp_host_freep) struct vp_host *h = NULL;
		int r = vp_cli_load(o, 0, &root, &h);
		if (r)
			return r;
		_cleanup_strv_free_ char **slots = NULL;
		_cleanup_free_ char *err = NULL;
		if (vp_select_cards(h, argv + optind, &slots, &err) < 0) {
			vp_cli_error("rom: %s", err ? err : "invalid device");
			return VP_EXIT_USAGE;
		}
		const struct vp_card *card = vp_host_card(h, slots[0]);
		const struct vp_pci_dev *d = card ? vp_reset_card_dev(card) : NULL;
		if (!d) {
			vp_cli_error("rom: %s has no function to read", slots[0]);
			return VP_EXIT_USAGE;
		}
		if (geteuid() != 0) {
			vp_cli_error("rom needs root: reading a ROM from sysfs means writing to /sys/bus/pci/devices/%s/rom; "
				     "run it with sudo", d->addr);
			return VP_EXIT_PERM;
		}
		_cleanup_free_ char *rerr = NULL;
		int e = vp_rom_read_sysfs(root, d, d->addr, &data, &len, &rerr);
		if (e < 0) {
			vp_cli_error("rom: %s", rerr ? rerr : strerror(-e));
			return e == -EACCES ? VP_EXIT_PERM : VP_EXIT_FAIL;
		}
		if (dump_to && (r = dump(dump_to, data, len)))
			return r;
		advice = vp_rom_advice(d);
	}

	struct vp_rom rom;
	if (vp_rom_parse(data, len, &rom) < 0) {
		vp_cli_error("rom: out of memory");
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_rom_render(&rom, doc);
	if (dump_to)
		vp_doc_text(doc, "saved %zu bytes to %s: give it to libvirt with `vfio-pilot xml DEVICE --rom-file %s` "
				 "(an absolute path the QEMU process can read)", len, dump_to, dump_to);
	if (!rom.valid && advice)
		vp_doc_text(doc, "The ROM read from the card is not usable: %s.", advice);
	bool valid = rom.valid;
	vp_rom_clear(&rom);
	int r = vp_cli_render(o, doc);
	return r ? r : valid ? VP_EXIT_OK : VP_EXIT_FAIL;
}

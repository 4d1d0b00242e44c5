/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot xml DEVICE...: one XML document, <devices> with the cards' libvirt <hostdev> elements; --split DIR: a file per hostdev. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "xmlopts.h"
#include "../lib/hostdev.h"
#include "../lib/select.h"
#include "../lib/util.h"

int vp_cli_hostdev_option(const char *cmd, int c, const char *arg, struct vp_hostdev_opts *ho)
{
	uint64_t v;
	switch (c) {
	case 'S':
		if (vp_parse_uint(arg, 255, &v) < 0) {
			vp_cli_error("%s: --guest-slot needs a slot number 1..31, not '%s'", cmd, arg);
			return VP_EXIT_USAGE;
		}
		ho->guest_slot = (int)v;
		return -1;
	case 'R':
		ho->rom_file = arg;
		return -1;
	case 'B':
		if (streq(arg, "on"))
			ho->rom_bar = VP_ROM_BAR_ON;
		else if (streq(arg, "off"))
			ho->rom_bar = VP_ROM_BAR_OFF;
		else {
			vp_cli_error("%s: --rom-bar takes on or off, not '%s'", cmd, arg);
			return VP_EXIT_USAGE;
		}
		return -1;
	}
	return VP_EXIT_USAGE;
}

int vp_cli_hostdev_plan(const char *cmd, struct vp_root *root, const struct vp_host *h, char *const *devices,
			const struct vp_hostdev_opts *ho, struct vp_hostdev **ret, size_t *ret_n, char ***ret_notes)
{
	_cleanup_strv_free_ char **slots = NULL;
	_cleanup_free_ char *err = NULL;
	int e = vp_select_cards(h, devices, &slots, &err);
	if (e < 0) {
		vp_cli_error("%s: %s", cmd, err ? err : "invalid device");
		return e == -EPERM ? VP_EXIT_REFUSED : VP_EXIT_USAGE;
	}
	e = vp_hostdev_plan(h, slots, ho, ret, ret_n, &err);
	if (e < 0) {
		vp_cli_error("%s: %s", cmd, err ? err : strerror(-e));
		return VP_EXIT_USAGE;
	}
	char **notes = vp_hostdev_card_notes(h, slots);
	char **opt_notes = vp_hostdev_notes(ho);
	for (size_t i = 0; opt_notes && opt_notes[i]; i++)
		vp_strv_push(&notes, opt_notes[i]);
	vp_strv_free(opt_notes);
	if (!notes)
		notes = calloc(1, sizeof(char *));
	if (ho->rom_file && vp_root_exists(root, ho->rom_file + 1) <= 0)
		vp_strv_push_take(&notes, vp_strdup_printf("%s does not exist on this host yet; libvirt will refuse to "
							   "start the domain until it does", ho->rom_file));
	*ret_notes = notes;
	return VP_EXIT_OK;
}

static char *guest_addr(const struct vp_hostdev *hd)
{
	return hd->guest_slot < 0 ? NULL : vp_strdup_printf("0000:00:%02x.%x", hd->guest_slot, hd->guest_function);
}

/* "0000:01:00.0" -> "hostdev-0000-01-00.0.xml" */
static char *split_name(const char *addr)
{
	char *n = vp_strdup_printf("hostdev-%s.xml", addr);
	for (char *p = n; p && *p; p++)
		if (*p == ':')
			*p = '-';
	return n;
}

/* Writes text to DIR/name atomically (a temporary file, fsync, rename); -errno on failure. */
static int write_atomic(int dfd, const char *name, const char *text)
{
	_cleanup_free_ char *tmp = vp_strdup_printf(".%s.tmp%d", name, (int)getpid());
	if (!tmp)
		return -ENOMEM;
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	int e = vp_write_all(fd, text, strlen(text));
	if (!e && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && renameat(dfd, tmp, dfd, name) < 0)
		e = -errno;
	if (e)
		unlinkat(dfd, tmp, 0);
	return e;
}

/* The notes as XML comments ("--" may not appear inside one), each line indented. */
static void notes_xml(struct vp_buf *b, char *const *notes, const char *indent)
{
	for (size_t i = 0; notes && notes[i]; i++) {
		_cleanup_free_ char *safe = strdup(notes[i]);
		for (char *p = safe; p && (p = strstr(p, "--"));)
			p[1] = ' ';
		if (safe && *safe && safe[strlen(safe) - 1] == '-')
			safe[strlen(safe) - 1] = ' ';
		vp_buf_printf(b, "%s<!-- note: %s -->\n", indent, safe ? safe : "");
	}
}

int cmd_xml(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		VP_HOSTDEV_LONGOPTS,
		{ "split", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vp_hostdev_opts ho = { .guest_slot = -1, .rom_bar = VP_ROM_BAR_DEFAULT };
	const char *split = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vfio-pilot [--root DIR] [--json] xml DEVICE... [--split DIR] [--guest-slot N] "
			       "[--rom-file PATH | --rom-bar on|off]\n\n"
			       "Prints one XML document: a <devices> element holding one libvirt <hostdev> element per\n"
			       "function of each card (managed, vfio driver).\n"
			       "  --split DIR       write each <hostdev> to DIR/hostdev-DDDD-BB-SS.F.xml instead, one file\n"
			       "                    per function for `virsh attach-device` (DIR is created when missing)\n"
			       "  --guest-slot N    put the card at guest bus 0 slot N, functions as on the host\n"
			       "                    (multifunction='on' on function 0); further cards take N+1, ...\n"
			       "  --rom-file PATH   give the display function this ROM image (absolute path)\n"
			       "  --rom-bar on|off  show or hide the display function's ROM BAR (off hides the GOP\n"
			       "                    ROM that UEFI guests need to draw anything)\n");
			return VP_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return vp_cli_opt_error("xml", argc, argv, "h", longopts);
		if (c == 'D') {
			if (!*optarg) {
				vp_cli_error("xml: --split needs a directory");
				return VP_EXIT_USAGE;
			}
			split = optarg;
			continue;
		}
		int r = vp_cli_hostdev_option("xml", c, optarg, &ho);
		if (r >= 0)
			return r;
	}
	if (optind >= argc) {
		vp_cli_error("xml: name at least one DEVICE (0000:01:00.0, 01:00.0, 0000:01:00 or 10de:2204)");
		return vp_cli_usage("xml");
	}
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	int r = vp_cli_load(o, 0, &root, &h);
	if (r)
		return r;
	_cleanup_free_ struct vp_hostdev *hds = NULL;
	size_t n = 0;
	_cleanup_strv_free_ char **notes = NULL;
	r = vp_cli_hostdev_plan("xml", root, h, argv + optind, &ho, &hds, &n, &notes);
	if (r)
		return r;

	/* --split: the directory on this machine (like snapshot's OUT), not inside --root */
	_cleanup_close_ int dfd = -1;
	if (split) {
		if (mkdir(split, 0755) < 0 && errno != EEXIST) {
			vp_cli_error("xml: cannot create %s: %s", split, strerror(errno));
			return VP_EXIT_USAGE;
		}
		dfd = open(split, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			vp_cli_error("xml: cannot open %s: %s; --split needs a directory", split, strerror(errno));
			return VP_EXIT_USAGE;
		}
	}

	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	struct vp_buf text = { 0 };
	json_object *arr = json_object_new_array();
	if (split) {
		for (size_t i = 0; notes && notes[i]; i++)
			vp_buf_printf(&text, "note: %s\n", notes[i]);
	} else {
		vp_buf_puts(&text, "<devices>\n");
		notes_xml(&text, notes, "  ");
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *x = vp_hostdev_format(&hds[i], 0);
		_cleanup_free_ char *xi = split ? NULL : vp_hostdev_format(&hds[i], 2);
		_cleanup_free_ char *ga = guest_addr(&hds[i]);
		_cleanup_free_ char *file = split ? split_name(hds[i].addr) : NULL;
		if (!x || (!split && !xi) || (split && !file)) {
			json_object_put(arr);
			vp_buf_free(&text);
			vp_cli_error("xml: out of memory");
			return VP_EXIT_USAGE;
		}
		_cleanup_free_ char *path = NULL;
		if (split) {
			int e = write_atomic(dfd, file, x);
			if (e < 0) {
				json_object_put(arr);
				vp_buf_free(&text);
				vp_cli_error("xml: cannot write %s/%s: %s", split, file, strerror(-e));
				return VP_EXIT_USAGE;
			}
			path = vp_strdup_printf("%s/%s", split, file);
			vp_buf_printf(&text, "wrote %s (%s)\n", path, hds[i].addr);
		} else {
			vp_buf_puts(&text, xi);
		}
		json_object *row = json_object_new_object();
		vp_row_str(row, "address", hds[i].addr);
		vp_row_str(row, "guest_address", ga);
		vp_row_str(row, "xml", x);
		if (split)
			vp_row_str(row, "file", path);
		json_object_array_add(arr, row);
	}
	if (!split)
		vp_buf_puts(&text, "</devices>\n");
	vp_doc_json(doc, "hostdevs", arr);
	json_object *nt = json_object_new_array();
	for (size_t i = 0; notes && notes[i]; i++)
		json_object_array_add(nt, json_object_new_string(notes[i]));
	vp_doc_json(doc, "notes", nt);
	if (text.len && text.data[text.len - 1] == '\n')
		text.data[--text.len] = '\0';
	vp_doc_text(doc, "%s", text.data ? text.data : "");
	vp_buf_free(&text);
	return vp_cli_render(o, doc);
}

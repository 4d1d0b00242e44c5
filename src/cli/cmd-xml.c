/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot xml DEVICE...: libvirt <hostdev> elements for the cards. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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

int cmd_xml(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
		VP_HOSTDEV_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vp_hostdev_opts ho = { .guest_slot = -1, .rom_bar = VP_ROM_BAR_DEFAULT };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vfio-pilot [--root DIR] [--json] xml DEVICE... [--guest-slot N] "
			       "[--rom-file PATH | --rom-bar on|off]\n\n"
			       "Prints one libvirt <hostdev> element per function of each card (managed, vfio driver).\n"
			       "  --guest-slot N    put the card at guest bus 0 slot N, functions as on the host\n"
			       "                    (multifunction='on' on function 0); further cards take N+1, ...\n"
			       "  --rom-file PATH   give the display function this ROM image (absolute path)\n"
			       "  --rom-bar on|off  show or hide the display function's ROM BAR (off hides the GOP\n"
			       "                    ROM that UEFI guests need to draw anything)\n");
			return VP_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			return vp_cli_opt_error("xml", argc, argv, "h", longopts);
		}
		int r = vp_cli_hostdev_option("xml", c, optarg, &ho);
		if (r >= 0)
			return r;
	}
	if (optind >= argc) {
		vp_cli_error("xml: name at least one DEVICE (0000:01:00.0, 01:00.0 or 10de:2204)");
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

	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	struct vp_buf text = { 0 };
	json_object *arr = json_object_new_array();
	for (size_t i = 0; notes && notes[i]; i++) {
		/* "--" may not appear inside an XML comment. */
		_cleanup_free_ char *safe = strdup(notes[i]);
		for (char *p = safe; p && (p = strstr(p, "--"));)
			p[1] = ' ';
		vp_buf_printf(&text, "<!-- note: %s -->\n", safe ? safe : "");
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *x = vp_hostdev_format(&hds[i], 0);
		_cleanup_free_ char *ga = guest_addr(&hds[i]);
		if (!x) {
			json_object_put(arr);
			vp_buf_free(&text);
			vp_cli_error("xml: out of memory");
			return VP_EXIT_USAGE;
		}
		vp_buf_puts(&text, x);
		json_object *row = json_object_new_object();
		vp_row_str(row, "address", hds[i].addr);
		vp_row_str(row, "guest_address", ga);
		vp_row_str(row, "xml", x);
		json_object_array_add(arr, row);
	}
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-pilot diagnose [--file PATH|-]... [--boot N] [--no-host]: explains passthrough failures from the
 * kernel journal, the libvirt units and the QEMU logs (or from text files), joined with the host model.
 * Which logs are read is decided in src/lib/diagnose-sources.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/diagnose-fix.h"
#include "../lib/diagnose-sources.h"
#include "../lib/util.h"

static int usage_help(void)
{
	printf("usage: vfio-pilot [--root DIR] [--json] diagnose [--file PATH|-]... [--boot N] [--no-host]\n\n"
	       "Explains passthrough failures found in the logs: by default this boot's kernel messages and the\n"
	       "libvirtd/virtqemud units from the systemd journal (DIR/var/log/journal with --root), plus\n"
	       "/var/log/libvirt/qemu/*.log; with --root also a stored kernel log (DIR/var/log/vfio-pilot-kmsg.txt\n"
	       "from vfio-pilot snapshot, or DIR/dev/kmsg when it is a plain file).\n\n"
	       "  --file PATH   read log text instead (dmesg, journalctl, syslog, /dev/kmsg, QEMU, libvirt, virsh);\n"
	       "                '-' reads standard input; may be repeated\n"
	       "  --boot N      journal boot: 0 current (default), -1 previous, N>0 the Nth from the oldest\n"
	       "  --no-host     do not join the findings with the host model\n"
	       "  --patterns    print the catalog's regular expressions (grep -E -f syntax) and exit\n\n"
	       "Exit codes: 0 no error found, 1 an error was diagnosed, 2 usage or unreadable input.\n");
	return VP_EXIT_OK;
}

int cmd_diagnose(const struct vp_opts *o, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "boot", required_argument, NULL, 'b' },
		{ "no-host", no_argument, NULL, 'H' },
		{ "patterns", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *files[VP_DIAG_MAX_SOURCES];
	size_t n_files = 0;
	int boot = 0;
	bool boot_given = false, no_host = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "f:b:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'f':
			if (n_files >= VP_DIAG_MAX_SOURCES) {
				vp_cli_error("diagnose: at most %d --file options", VP_DIAG_MAX_SOURCES);
				return VP_EXIT_USAGE;
			}
			files[n_files++] = optarg;
			break;
		case 'b': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < INT_MIN / 2 || v > INT_MAX / 2) {
				vp_cli_error("diagnose: --boot wants a number such as 0, -1 or 2, not '%s'", optarg);
				return VP_EXIT_USAGE;
			}
			boot = (int)v;
			boot_given = true;
			break;
		}
		case 'H':
			no_host = true;
			break;
		case 'P':
			/* the catalog's regexes for grep -E -f (bench/diagnose) */
			return vp_diag_write_patterns(stdout) < 0 || fflush(stdout) ? VP_EXIT_USAGE : VP_EXIT_OK;
		case 'h':
			return usage_help();
		default:
			return vp_cli_opt_error("diagnose", argc, argv, "f:b:h", opts);
		}
	}
	if (optind < argc) {
		vp_cli_error("diagnose: unexpected argument '%s'; logs are given with --file", argv[optind]);
		return vp_cli_usage("diagnose");
	}
	if (boot_given && n_files) {
		vp_cli_error("diagnose: --boot selects a journal boot and cannot be combined with --file");
		return VP_EXIT_USAGE;
	}

	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(o->root, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_diag_freep) struct vp_diag *d = NULL;
	e = vp_diag_new(&d);
	if (e < 0) {
		vp_cli_error("diagnose: cannot set up the pattern catalog: %s", strerror(-e));
		return VP_EXIT_USAGE;
	}
	struct vp_diag_sources ss = { .n = 0 };
	int r = 0;
	if (n_files) {
		for (size_t i = 0; i < n_files && !r; i++) {
			_cleanup_free_ char *err = NULL;
			if (vp_diag_read_file(d, files[i], &ss, &err) < 0) {
				vp_cli_error("diagnose: %s", err ? err : "out of memory");
				r = VP_EXIT_USAGE;
			}
		}
	} else if (vp_diag_read_default(root, boot, d, &ss) == -ENXIO) {
		vp_cli_error("diagnose: the journal has no boot %d; journalctl --list-boots shows the boots", boot);
		r = VP_EXIT_USAGE;
	}
	if (r) {
		vp_diag_sources_free(&ss);
		return r;
	}

	_cleanup_(vp_host_freep) struct vp_host *h = NULL;
	if (!no_host && vp_host_load(root, 0, &h) < 0)
		h = NULL;
	if (vp_diag_finish(d, h) < 0) {
		vp_diag_sources_free(&ss);
		vp_cli_error("diagnose: out of memory");
		return VP_EXIT_USAGE;
	}
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	vp_diag_render(d, ss.s, ss.n, doc);
	vp_diag_sources_free(&ss);
	r = vp_cli_render(o, doc);
	return r ? r : vp_diag_has_error(d) ? VP_EXIT_FAIL : VP_EXIT_OK;
}

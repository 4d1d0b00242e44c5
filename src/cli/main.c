/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vfio-pilot: global options, the command table and shared CLI helpers. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "../lib/util.h"

#ifndef VP_VERSION
#define VP_VERSION "0"
#endif

static const struct vp_cmd cmds[] = {
	{ "attach", cmd_attach, "DOMAIN DEVICE... [--connect URI] [--live] [--guest-slot N] [--rom-file PATH | --rom-bar on|off]", "Add the cards' hostdevs to a libvirt domain's definition" },
	{ "bind", cmd_bind, "DEVICE... [--whole-group] [--allow-host-gpu] [--connect URI]", "Move the cards to vfio-pci now (remembering their drivers)" },
	{ "check", cmd_check, "[-q] [DEVICE...] [--allow-host-device] [--allow-host-gpu]", "Check whether this host is ready for GPU passthrough" },
	{ "detach", cmd_detach, "DOMAIN DEVICE... [--connect URI] [--live]", "Remove the cards' hostdevs from a libvirt domain's definition" },
	{ "diagnose", cmd_diagnose, "[--file PATH|-]... [--boot N] [--no-host]", "Explain passthrough failures from the kernel journal, libvirt and QEMU logs" },
	{ "list", cmd_list, "", "List IOMMU groups, their devices and drivers, and whether each group can be handed over" },
	{ "plan", cmd_plan, "[OPTIONS] DEVICE...", "Show the boot configuration that hands DEVICE to vfio-pci (changes nothing)" },
	{ "apply", cmd_apply, "[OPTIONS] [--yes] DEVICE...", "Apply that plan as one transaction (needs root)" },
	{ "release", cmd_release, "[OPTIONS] [--yes] DEVICE...", "Give handed-over cards back to their host drivers at boot, as one transaction (needs root)" },
	{ "undo", cmd_undo, "[ID]", "Undo a transaction (default: the last applied one), restoring every file exactly" },
	{ "export", cmd_export, "kubevirt|nova|proxmox [DEVICE...] [--format yaml|json] [--patch] [--node NAME]", "Print the cards handed over as KubeVirt, OpenStack Nova or Proxmox VE configuration" },
	{ "history", cmd_history, "", "List the transactions" },
	{ "status", cmd_status, "", "After the reboot: compare the last transaction with the running host" },
	{ "recover", cmd_recover, "", "How to get back from a black screen on this host (fallback entry, one-boot edit, undo)" },
	{ "recommend", cmd_recommend, "", "Say for each GPU which way to give it to a guest: passthrough, SR-IOV, mdev or VirtIO-GPU" },
	{ "rom", cmd_rom, "DEVICE [--dump FILE] | --file FILE", "Parse a card's PCI expansion ROM (or a ROM file): images, checksum, UEFI image" },
	{ "snapshot", cmd_snapshot, "OUT.tar.gz", "Save what vfio-pilot reads of this host, and the kernel log, for --root or a bug report" },
	{ "unbind", cmd_unbind, "DEVICE... [--whole-group] [--connect URI]", "Give the cards back to their host drivers" },
	{ "xml", cmd_xml, "DEVICE... [--guest-slot N] [--rom-file PATH | --rom-bar on|off]", "Print libvirt <hostdev> XML for the cards" },
};

/* --json: the error lines of this run, and whether a document was printed; a run that prints none
 * prints the error document at the end (docs/json.md), so stdout always holds one JSON document. */
static bool json_mode, doc_printed;
static char **json_errors;
static const char *current_cmd; /* NULL until the command is known */

void vp_cli_error(const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("vfio-pilot: out of memory\n", stderr);
		return;
	}
	/* host strings in the message (names, paths) reach the terminal as visible escapes only */
	_cleanup_free_ char *safe = vp_text_sanitize(m, true);
	fprintf(stderr, "vfio-pilot: %s\n", safe ? safe : m);
	if (json_mode)
		vp_strv_push_take(&json_errors, m);
	else
		free(m);
}

static void json_error_doc(const char *cmd, int code)
{
	_cleanup_(vp_doc_freep) struct vp_doc *doc = vp_doc_new();
	json_object *e = vp_doc_record(doc, "error", NULL);
	vp_row_str(e, "command", cmd);
	vp_row_int(e, "exit_code", code);
	vp_row_str(e, "message", json_errors ? json_errors[0] : "failed; see the exit code");
	vp_row_strv(e, "messages", json_errors);
	vp_doc_render(doc, stdout, VP_FORMAT_JSON, false);
}

/* The terminal's width: COLUMNS when set, else the tty's size; 0 (no limit) for piped output. */
static unsigned term_width(void)
{
	const char *c = getenv("COLUMNS");
	if (c && *c) {
		char *end;
		long v = strtol(c, &end, 10);
		if (!*end && v > 0 && v < 100000)
			return (unsigned)v;
	}
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

/* --color=auto: a terminal that is not TERM=dumb, and NO_COLOR unset or empty (no-color.org). */
static bool color_auto(void)
{
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(term && streq(term, "dumb")) && !(nc && *nc);
}

int vp_cli_load(const struct vp_opts *o, unsigned flags, struct vp_root **ret_root, struct vp_host **ret_host)
{
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(o->root, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	struct vp_host *h = NULL;
	e = vp_host_load(root, flags, &h);
	if (e < 0) {
		vp_cli_error("cannot read the host under '%s': %s", o->root, strerror(-e));
		return VP_EXIT_USAGE;
	}
	*ret_root = TAKE_PTR(root);
	*ret_host = h;
	return VP_EXIT_OK;
}

int vp_cli_lock(const char *name, struct vp_root *root, int *ret_fd)
{
	int fd = vp_root_lock(root);
	const char *where = vp_root_is_live(root) ? "/" : vp_root_path(root);
	if (fd == -EBUSY) {
		vp_cli_error("%s: another vfio-pilot is changing this host right now (it holds the lock on %s); "
			     "wait for it to finish, then run %s again", name, where, name);
		return VP_EXIT_REFUSED;
	}
	if (fd < 0) {
		vp_cli_error("%s: cannot lock %s: %s", name, where, strerror(-fd));
		return VP_EXIT_USAGE;
	}
	*ret_fd = fd;
	return VP_EXIT_OK;
}

int vp_cli_render(const struct vp_opts *o, struct vp_doc *doc)
{
	doc_printed = true;
	vp_doc_set_width(doc, o->format == VP_FORMAT_TEXT ? o->width : 0);
	if (vp_doc_render(doc, stdout, o->format, o->color) < 0) {
		vp_cli_error("cannot write the output: %s", strerror(errno));
		return VP_EXIT_USAGE;
	}
	return VP_EXIT_OK;
}

int vp_cli_render_paged(const struct vp_opts *o, struct vp_doc *doc)
{
	if (o->format != VP_FORMAT_TEXT || o->no_pager || !isatty(STDOUT_FILENO))
		return vp_cli_render(o, doc);
	const char *pager = getenv("PAGER");
	if (!pager || !*pager)
		pager = "less -FRX";
	fflush(stdout);
	FILE *p = popen(pager, "w");
	if (!p)
		return vp_cli_render(o, doc);
	doc_printed = true;
	vp_doc_set_width(doc, o->width);
	/* quitting the pager early is not an error */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	vp_doc_render(doc, p, o->format, o->color);
	pclose(p);
	signal(SIGPIPE, old);
	return VP_EXIT_OK;
}

static const struct vp_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (streq(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int vp_cli_usage(const char *name)
{
	const struct vp_cmd *c = find_cmd(name);
	fprintf(stderr, "usage: vfio-pilot [--root DIR] [--json] %s %s\n", name, c ? c->args : "");
	return VP_EXIT_USAGE;
}

int vp_cli_no_options(const char *cmd, int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--"))
			break;
		if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
			const struct vp_cmd *c = find_cmd(cmd);
			printf("usage: vfio-pilot [--root DIR] [--json] %s %s\n\n%s.\n", cmd, c->args, c->help);
			return VP_EXIT_OK;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			optind = i + 1;
			optopt = argv[i][1] == '-' ? 0 : argv[i][1];
			return vp_cli_opt_error(cmd, argc, argv, NULL, NULL);
		}
	}
	return -1;
}

static void help(FILE *f)
{
	fprintf(f, "usage: vfio-pilot [--root DIR] [--json] COMMAND [ARGS...]\n\n"
		   "Takes a Linux host from \"I have a second GPU\" to \"my KVM guest owns it\".\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nOptions (anywhere on the line):\n"
		   "  --root DIR   read (and write) the host under DIR instead of /\n"
		   "  --json       print stable JSON instead of text\n"
		   "  --color=WHEN auto (a terminal; not TERM=dumb or NO_COLOR), always or never\n"
		   "  --no-color   the same as --color=never\n"
		   "  --no-pager   print long output (plan) directly instead of through $PAGER or less\n"
		   "  -h, --help   this help; COMMAND --help for a command\n"
		   "  -V, --version  print the version\n"
		   "  --           ends the options: what follows is an argument\n\n"
		   "Exit codes: 0 ok, 1 a check/diagnosis failed, 2 usage or unreadable host,\n"
		   "3 change failed and rolled back, 4 needs root, 5 refused for safety.\n");
}

static void unknown_command(const char *word)
{
	const char *names[ARRAY_SIZE(cmds) + 1];
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		names[i] = cmds[i].name;
	names[ARRAY_SIZE(cmds)] = NULL;
	if (word[0] == '-' && word[1]) {
		/* an option before the command that is none of the global ones */
		static const char *const global[] = { "--root", "--json", "--color", "--no-color", "--no-pager", "--verbose", "--version", "--help", NULL };
		char w[64];
		snprintf(w, sizeof(w), "%.*s", (int)strcspn(word, "="), word);
		const char *s = vp_cli_suggest(w, global);
		if (s)
			vp_cli_error("unknown option '%s'; did you mean '%s'?", w, s);
		else
			vp_cli_error("unknown option '%s'; run 'vfio-pilot --help' for the options", w);
		return;
	}
	const char *s = vp_cli_suggest(word, names);
	if (s)
		vp_cli_error("unknown command '%s'; did you mean '%s'? ('vfio-pilot --help' lists them)", word, s);
	else
		vp_cli_error("unknown command '%s'; run 'vfio-pilot --help' for the list", word);
}

static bool wants_help(int n, char **args)
{
	for (int i = 1; i < n; i++) {
		if (streq(args[i], "--"))
			break;
		if (streq(args[i], "-h") || streq(args[i], "--help"))
			return true;
	}
	return false;
}

/* A --root other than / must look like a host tree (sys/ and proc/), else every command would
 * report an empty host as if it were real. */
static int check_root_tree(const char *path)
{
	_cleanup_(vp_root_freep) struct vp_root *root = NULL;
	int e = vp_root_open(path, &root);
	if (e < 0) {
		vp_cli_error("cannot open root '%s': %s; give --root an existing directory", path, strerror(-e));
		return VP_EXIT_USAGE;
	}
	if (vp_root_is_live(root))
		return VP_EXIT_OK;
	const char *missing[2];
	size_t n = 0;
	struct stat st;
	if (vp_root_stat(root, "sys", &st) < 0 || !S_ISDIR(st.st_mode))
		missing[n++] = "sys/";
	if (vp_root_stat(root, "proc", &st) < 0 || !S_ISDIR(st.st_mode))
		missing[n++] = "proc/";
	if (!n)
		return VP_EXIT_OK;
	vp_cli_error("--root '%s' is not a host tree: it has no %s%s%s; give the directory that holds the host's "
		     "sys/, proc/ and etc/ (an unpacked snapshot or a mounted root)",
		     path, missing[0], n > 1 ? " and no " : "", n > 1 ? missing[1] : "");
	return VP_EXIT_USAGE;
}

static int run(int argc, char *argv[])
{
	struct vp_opts o = { .root = "/", .format = VP_FORMAT_TEXT };
	int r;
	/* The host model and the document are many small blocks freed together at the end. With
	 * fastbins, freeing the first large block makes glibc consolidate all of them: a 4000-device
	 * host spent ~10 ms there (bench/list). Without fastbins the frees go to tcache and bins. */
	mallopt(M_MXFAST, 0);
	o.color = color_auto();
	o.width = term_width();

	/* Global options may appear anywhere; strip them before the command sees argv. */
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args)
		return VP_EXIT_USAGE;
	int n = 0;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash) {
			args[n++] = argv[i];
		} else if (streq(a, "--")) {
			/* Ends the options. The command sees it only when an argument after it looks like
			 * an option (its getopt then stops there); otherwise it is dropped here. */
			dashdash = true;
			for (int j = i + 1; j < argc; j++)
				if (argv[j][0] == '-') {
					args[n++] = argv[i];
					break;
				}
		} else if (streq(a, "--root")) {
			if (i + 1 >= argc) {
				vp_cli_error("--root needs a directory");
				free(args);
				return VP_EXIT_USAGE;
			}
			o.root = argv[++i];
		} else if (vp_startswith(a, "--root=")) {
			o.root = a + 7;
		} else if (streq(a, "--json")) {
			o.format = VP_FORMAT_JSON;
		} else if (streq(a, "--no-color") || streq(a, "--color=never")) {
			o.color = false;
		} else if (streq(a, "--color") || streq(a, "--color=always")) {
			o.color = true;
		} else if (streq(a, "--color=auto")) {
			o.color = color_auto();
		} else if (vp_startswith(a, "--color=")) {
			vp_cli_error("--color takes auto, always or never, not '%s'", a + 8);
			free(args);
			return VP_EXIT_USAGE;
		} else if (streq(a, "--no-pager")) {
			o.no_pager = true;
		} else if (streq(a, "-v") || streq(a, "--verbose")) {
			o.verbose = true;
		} else if (streq(a, "--list-commands")) {
			/* hidden: the command names, one a line, for the shell completions (shell/) */
			for (size_t j = 0; j < ARRAY_SIZE(cmds); j++)
				printf("%s\n", cmds[j].name);
			free(args);
			return VP_EXIT_OK;
		} else if (streq(a, "--version") || streq(a, "-V")) {
			printf("vfio-pilot %s\n", VP_VERSION);
			free(args);
			return VP_EXIT_OK;
		} else {
			args[n++] = argv[i];
		}
	}
	if (o.format == VP_FORMAT_JSON)
		o.color = false;
	if (n == 0 || streq(args[0], "-h") || streq(args[0], "--help") || streq(args[0], "help")) {
		help(n == 0 ? stderr : stdout);
		free(args);
		return n == 0 ? VP_EXIT_USAGE : VP_EXIT_OK;
	}
	const struct vp_cmd *c = find_cmd(args[0]);
	if (!c) {
		unknown_command(args[0]);
		free(args);
		return VP_EXIT_USAGE;
	}
	current_cmd = c->name;
	/* undo checks a --root itself (vp_rescue_check: an installed Linux root, its journal), with a
	 * message for the live-USB case */
	if (!wants_help(n, args) && !streq(c->name, "undo") && (r = check_root_tree(o.root)) != VP_EXIT_OK) {
		free(args);
		return r;
	}
	r = c->run(&o, n, args);
	free(args);
	return r;
}

int main(int argc, char *argv[])
{
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--json"))
			json_mode = true;
	int r = run(argc, argv);
	if (json_mode && r != VP_EXIT_OK && !doc_printed)
		json_error_doc(current_cmd, r);
	vp_strv_free(json_errors);
	return r;
}

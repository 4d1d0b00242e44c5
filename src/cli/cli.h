/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command-line layer: option parsing, the command table and exit codes.
 * Commands are thin: open the root, call the library, render, map to an exit code.
 */
#pragma once

#include <stdbool.h>

#include "../lib/host.h"
#include "../lib/output.h"
#include "../lib/plan.h"
#include "../lib/rescue.h"
#include "../lib/root.h"

/* Exit codes, documented in the README and vfio-pilot(8). */
enum {
	VP_EXIT_OK = 0,       /* success; nothing failed */
	VP_EXIT_FAIL = 1,     /* a check failed, an error was diagnosed, or verification failed */
	VP_EXIT_USAGE = 2,    /* bad arguments or input, or the host could not be read */
	VP_EXIT_ROLLBACK = 3, /* a change failed and was rolled back */
	VP_EXIT_PERM = 4,     /* the command needs root */
	VP_EXIT_REFUSED = 5,  /* refused for safety (boot VGA, group not isolated, ...) */
};

struct vp_opts {
	const char *root;     /* --root, default "/" */
	enum vp_format format;
	bool color;
	bool verbose;
	unsigned width;       /* text: the terminal's columns (COLUMNS, else the tty's), 0: no limit */
	bool no_pager;        /* --no-pager */
};

struct vp_cmd {
	const char *name;
	int (*run)(const struct vp_opts *o, int argc, char *argv[]);
	const char *args;     /* synopsis of the arguments */
	const char *help;
};

/* Prints "vfio-pilot: MSG" to stderr. */
void vp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the root and loads the host; on failure prints one line and returns VP_EXIT_USAGE. */
int vp_cli_load(const struct vp_opts *o, unsigned flags, struct vp_root **ret_root, struct vp_host **ret_host);
/* Renders doc to stdout in the chosen format. */
int vp_cli_render(const struct vp_opts *o, struct vp_doc *doc);
/* The same for long output (plan): text on a terminal goes through $PAGER, else `less -FRX`,
 * unless --no-pager. */
int vp_cli_render_paged(const struct vp_opts *o, struct vp_doc *doc);
/*
 * Takes the host's change lock (an flock on the root directory, vp_root_lock) for a command
 * that changes the host, so that two runs never interleave their changes. Returns VP_EXIT_OK with
 * *ret_fd holding the lock until the process ends, or prints one line and returns
 * VP_EXIT_REFUSED (another run holds it) or VP_EXIT_USAGE.
 */
int vp_cli_lock(const char *name, struct vp_root *root, int *ret_fd);
/* Prints the usage line of a command to stderr and returns VP_EXIT_USAGE. */
int vp_cli_usage(const char *cmd);
/* Handles a command's -h/--help and rejects unknown options; returns -1 to continue,
 * or an exit code. Commands with options of their own use getopt_long directly. */
int vp_cli_no_options(const char *cmd, int argc, char *argv[]);
/* opts.c: the closest of cands (NULL-terminated) to word, within one or two edits, or NULL (none or a tie). */
const char *vp_cli_suggest(const char *word, const char *const *cands);
/* After getopt_long returned '?' or ':' (opterr = 0): prints "--NAME needs a value", or "unknown option
 * 'X'; did you mean '--Y'?" (from longopts and the global options), then the usage; returns VP_EXIT_USAGE. */
struct option;
int vp_cli_opt_error(const char *cmd, int argc, char *argv[], const char *shortopts, const struct option *longopts);

int cmd_list(const struct vp_opts *o, int argc, char *argv[]);
int cmd_check(const struct vp_opts *o, int argc, char *argv[]);
int cmd_plan(const struct vp_opts *o, int argc, char *argv[]);
int cmd_release(const struct vp_opts *o, int argc, char *argv[]);
/* apply and release: plan, show, confirm, apply as one transaction (release: take the devices out of the set). */
int vp_cli_apply(const struct vp_opts *o, const char *cmdname, int argc, char *argv[], bool release);
int cmd_apply(const struct vp_opts *o, int argc, char *argv[]);
int cmd_undo(const struct vp_opts *o, int argc, char *argv[]);
int cmd_history(const struct vp_opts *o, int argc, char *argv[]);
int cmd_status(const struct vp_opts *o, int argc, char *argv[]);
int cmd_recover(const struct vp_opts *o, int argc, char *argv[]);
/* plan/apply: parses the shared options (yes: NULL for plan); returns -1 to continue with the DEVICEs at
 * argv[*ret_optind], or an exit code. */
int vp_cli_plan_opts(const char *cmd, int argc, char *argv[], struct vp_plan_opts *po, bool *yes, int *ret_optind);
/* Builds the plan; returns -1 on success, or an exit code after printing the error. */
int vp_cli_plan_build(const struct vp_opts *o, const char *cmd, struct vp_plan_opts *po, struct vp_root *root,
		      struct vp_host *h, struct vp_plan **ret);
/* The time recorded in journals: SOURCE_DATE_EPOCH when set (reproducible tests), else now. */
long long vp_cli_now(void);
/* Rolls back interrupted transactions first (reported on stderr); -1 to continue, or an exit code. */
int vp_cli_recover(const char *cmd, struct vp_root *root, struct vp_txn_report *rep);
int cmd_bind(const struct vp_opts *o, int argc, char *argv[]);
int cmd_unbind(const struct vp_opts *o, int argc, char *argv[]);
int cmd_xml(const struct vp_opts *o, int argc, char *argv[]);
int cmd_attach(const struct vp_opts *o, int argc, char *argv[]);
int cmd_detach(const struct vp_opts *o, int argc, char *argv[]);
int cmd_recommend(const struct vp_opts *o, int argc, char *argv[]);
int cmd_snapshot(const struct vp_opts *o, int argc, char *argv[]);
int cmd_diagnose(const struct vp_opts *o, int argc, char *argv[]);
int cmd_export(const struct vp_opts *o, int argc, char *argv[]);
int cmd_rom(const struct vp_opts *o, int argc, char *argv[]);
/* Appends the recovery recipe (recipe.h) for plat to doc. */
void vp_cli_recipe(struct vp_root *root, const struct vp_host *h, const struct vp_platform *plat, char *const *kargs,
		   const char *planned_title, struct vp_doc *doc);
/*
 * The prologue of status and recover: loads the root and the host, then the last applied
 * transaction (*ret_t NULL when there is none). Returns VP_EXIT_OK, or prints one line naming
 * cmd and returns an exit code (the journal unreadable: VP_EXIT_USAGE).
 */
int vp_cli_load_last_txn(const char *cmd, const struct vp_opts *o, struct vp_root **ret_root, struct vp_host **ret_host,
			 struct vp_txn **ret_t);
/* The platform of transaction t (its boot loader; t may be NULL) and its kernel arguments (*ret_kargs, NULL when none). */
void vp_cli_txn_platform(struct vp_root *root, const struct vp_host *h, const struct vp_txn *t, struct vp_platform *plat,
			 char ***ret_kargs);
/* undo from a live USB: for a root other than "/", checks it (vp_rescue_check) and binds the API file
 * systems (vp_rescue_enter); returns -1 to continue or an exit code. vp_cli_rescue_end unbinds (cleanup). */
struct vp_cli_rescue {
	struct vp_rescue r;
	bool active, verbose;
};
int vp_cli_rescue_begin(const char *cmd, struct vp_root *root, struct vp_cli_rescue *c);
void vp_cli_rescue_end(struct vp_cli_rescue *c);
/* Progress of external steps on stderr (progress.c): announced, streamed indented on a tty, timed. */
const struct vp_progress *vp_cli_progress(void);
/* SIGTERM/SIGINT/SIGHUP end the running command's process group, then this process (progress.c). */
void vp_cli_signals(void);
/* After a failed rollback or undo (state rollback-failed / undo-failed): what is left, and how to finish. */
void vp_cli_left_to_do(const char *cmd, const char *id, char *const *errors);

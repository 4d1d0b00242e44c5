/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changesets: planned host changes, shown as a diff, applied all or nothing,
 * journaled, undoable.
 *
 * A change is either a file (create, modify or delete one file under the
 * root, with its original content recorded when planned) or a command (argv
 * run through exec.c, chrooted for a non-live root) with an optional inverse
 * command. A command flagged VP_CMD_RERUN_ON_UNDO (initramfs rebuild, grub.cfg
 * regeneration) is its own inverse: it runs again after the files have been
 * restored.
 *
 * POSIX has no atomic rename across several files. The guarantee is: each
 * file is replaced atomically (temp file in the same directory, fsync,
 * rename; never through a symlink), and the whole set is restored when any
 * step fails, or later from the journal when the process was killed.
 *
 * The journal lives in var/lib/vfio-pilot/txn/<ID>/ under the root and is
 * written completely before anything is touched: manifest.json (state, meta,
 * changes with their progress), orig/N (original content of file change N,
 * when the file existed) and new/N (the content written). docs/plan.md
 * documents the format; it is version 1.
 *
 * States: "prepared" (journal written, nothing touched), "applying",
 * "applied", "rolling-back", "rolled-back", "rollback-failed", "undoing",
 * "undone", "undo-failed". A transaction left in "prepared", "applying" or
 * "rolling-back" is unfinished; vp_txn_recover() rolls it back. One left in
 * "undoing" (a killed undo) is finished by vp_txn_recover(). One in
 * "rollback-failed" or "undo-failed" is retried by vp_txn_undo(): every file
 * is judged by its content (the original, or what the transaction wrote), so
 * each of these steps can be repeated any number of times.
 *
 * While an external command runs, the manifest's "running" holds its process
 * group (pid, start time, boot id); recovery first ends what is left of that
 * group (exec.h, vp_exec_reap), so no process of a killed run writes after it.
 *
 * Files keep their owner, group, mode and extended attributes (user.*,
 * security.*, trusted.* where readable) across apply and undo; the journal's
 * orig/N copies carry the original mode and owner (for undo.sh, which
 * restores with cp -p). Each journal also holds undo.sh (undosh.h) and log,
 * the output of every command the transaction ran.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "root.h"

#define VP_TXN_DIR "var/lib/vfio-pilot/txn"
#define VP_FILE_MAX (16u << 20)

enum vp_change_kind { VP_CHANGE_FILE, VP_CHANGE_COMMAND };
enum vp_file_action { VP_FILE_CREATE, VP_FILE_MODIFY, VP_FILE_DELETE };

enum vp_cmd_flags {
	VP_CMD_RERUN_ON_UNDO = 1u << 0, /* inverse = the same command, after the files are restored */
};

struct vp_change {
	enum vp_change_kind kind;
	/* file */
	char *path;             /* rel path ("etc/modprobe.d/vfio-pilot.conf") */
	enum vp_file_action action;
	char *old;              /* original content (NULL when absent) */
	size_t old_len;
	mode_t old_mode;
	char *new;              /* content to write (NULL for delete) */
	size_t new_len;
	mode_t mode;
	char **created_dirs;    /* parent directories apply had to create (rel), outermost first */
	uid_t old_uid;          /* owner and group of the original (modify/delete) */
	gid_t old_gid;
	unsigned long old_nlink; /* hard links of the original: > 1 means other names keep the old content */
	json_object *old_xattrs; /* extended attributes of the original: name -> hex value (NULL: none) */
	/* command */
	char **argv;
	char **undo_argv;       /* NULL: nothing to undo (or RERUN_ON_UNDO) */
	unsigned flags;
	char *why;              /* one line: what the command is for */
	/* progress, as in the journal */
	bool started, done;
};

struct vp_changeset;

int vp_changeset_new(struct vp_root *root, struct vp_changeset **ret);
struct vp_changeset *vp_changeset_free(struct vp_changeset *cs);
static inline void vp_changeset_freep(struct vp_changeset **cs) { vp_changeset_free(*cs); }

/*
 * Plans rel to hold content (len bytes, mode) — or to be deleted when content
 * is NULL. Records the current content as the original. Returns 1 when a
 * change was recorded, 0 when the file already is as wanted, -ELOOP when the
 * target is a symlink, -EISDIR for a directory, other -errno on read errors.
 * Planning the same path twice replaces the planned content.
 */
int vp_changeset_set_file(struct vp_changeset *cs, const char *rel, const char *content, size_t len, mode_t mode);
/* The content rel will have after the changeset (planned, else current): 1 with *ret newly
 * allocated (NUL-terminated), 0 when absent or planned for deletion, <0 on errors. */
int vp_changeset_read(struct vp_changeset *cs, const char *rel, char **ret, size_t *ret_len);
/* Adds a command. undo_argv may be NULL. */
int vp_changeset_command(struct vp_changeset *cs, char *const *argv, char *const *undo_argv, unsigned flags,
			 const char *why);
/* Free-form data stored in the journal's "meta" (devices, kernel arguments ...). Takes ownership. */
void vp_changeset_set_meta(struct vp_changeset *cs, const char *key, json_object *v);

/* The root the changeset reads and writes (borrowed). */
struct vp_root *vp_changeset_root(const struct vp_changeset *cs);
size_t vp_changeset_n(const struct vp_changeset *cs);
const struct vp_change *vp_changeset_get(const struct vp_changeset *cs, size_t i);
/* True when the changeset has at least one file change or a command. */
bool vp_changeset_empty(const struct vp_changeset *cs);

/* Unified diff of a file change with logical paths (/etc/...); /dev/null for create/delete. Newly allocated. */
char *vp_change_diff(const struct vp_change *c);
/* Line-based unified diff of two texts (3 lines of context). Newly allocated. */
char *vp_diff_text(const char *a, size_t alen, const char *b, size_t blen, const char *label_a, const char *label_b);

/* Progress of the external steps, for the CLI to show (the library never prints). */
enum vp_step_event { VP_STEP_START, VP_STEP_OUTPUT, VP_STEP_END };
struct vp_step {
	enum vp_step_event event;
	const char *what;       /* what the step does (one line) */
	const char *command;    /* the command, formatted */
	const char *data;       /* VP_STEP_OUTPUT: a chunk of its output */
	size_t len;
	int status;             /* VP_STEP_END: exit status (-errno: could not start) */
	double elapsed;         /* VP_STEP_END: seconds */
};
struct vp_progress {
	void (*fn)(void *ud, const struct vp_step *step);
	void *ud;
};

/* What happened during apply/undo/recover, for the CLI to report. */
struct vp_txn_report {
	const struct vp_progress *progress; /* set by the caller (borrowed, may be NULL); kept by _done */
	char *id;
	char *failed_step;      /* the step that failed: "command 'dracut -f ...' exited 1" */
	char *failed_output;    /* its output (tail) */
	char *stale_path;       /* -ESTALE: the file that changed since it was read (logical path) */
	char **rollback_errors; /* steps of a rollback that failed */
	char **ran;             /* commands that ran, formatted */
	char **recovered;       /* ids of unfinished transactions rolled back first */
	char **finished_undo;   /* ids of interrupted undos finished first */
	int reaped;             /* processes of a killed run that were still alive and were ended */
};
void vp_txn_report_done(struct vp_txn_report *r);

/* Fault injection for the crash-recovery tests: apply stops (as if killed)
 * after this many steps (journal write = step 0, each file/command one step). */
struct vp_apply_opts {
	time_t now;
	int crash_after;        /* -1: never */
};

/*
 * Applies the changeset as a new transaction. Returns 0 on success (or when
 * the changeset is empty: nothing is written, report->id stays NULL);
 * -ESTALE when a target changed since it was planned (nothing touched);
 * -ECANCELED when a step failed and everything was rolled back
 * (report->failed_step); -ENOTRECOVERABLE when the rollback failed as well;
 * -EINTR for an injected crash; other -errno when the journal could not be
 * written (nothing touched).
 */
int vp_changeset_apply(struct vp_changeset *cs, const struct vp_apply_opts *o, struct vp_txn_report *report);

/* A transaction as read back from its journal. */
struct vp_txn {
	char *id;
	char *state;
	long long created;
	json_object *meta;      /* owned */
	struct vp_change *changes;
	size_t n_changes;
	/* the external command running now (its process group), pid 0 when none */
	long long run_pid;
	unsigned long long run_start;
	char *run_boot;
};
struct vp_txn *vp_txn_free(struct vp_txn *t);
static inline void vp_txn_freep(struct vp_txn **t) { vp_txn_free(*t); }

/* Reads transaction id (or the newest with id NULL). -ENOENT when none. */
int vp_txn_load(struct vp_root *root, const char *id, struct vp_txn **ret);
/* All transactions, oldest first. */
int vp_txn_list(struct vp_root *root, struct vp_txn ***ret, size_t *ret_n);
void vp_txn_list_free(struct vp_txn **v, size_t n);
/* The newest transaction in state "applied" (-ENOENT when none). */
int vp_txn_last_applied(struct vp_root *root, struct vp_txn **ret);
/* True for states that mean "unfinished" (needs recovery): prepared, applying, rolling-back, undoing. */
bool vp_txn_state_unfinished(const char *state);

/*
 * Finishes every unfinished transaction (a crash or kill mid-apply, mid-rollback
 * or mid-undo), after ending any process of the killed run still alive: an
 * interrupted apply or rollback is rolled back (ids to report->recovered), an
 * interrupted undo is finished (report->finished_undo). Returns the number
 * finished, or -ENOTRECOVERABLE when a step failed (report->rollback_errors;
 * the state is then rollback-failed or undo-failed, which vp_txn_undo retries).
 */
int vp_txn_recover(struct vp_root *root, time_t now, struct vp_txn_report *report);

/*
 * Undoes an applied transaction (id NULL: the newest one that is applied,
 * undo-failed or rollback-failed, or interrupted while undoing): deletes
 * the files it created, restores those it changed, runs the inverse commands
 * in reverse order and re-runs rebuild commands. Refuses with -ESTALE when a
 * file it wrote has changed since (report->stale_path), -EBUSY when a newer
 * applied transaction exists (undo that first; report->failed_step names it),
 * -EALREADY when it is rolled back or undone already, -ENOENT when there is none.
 * A rollback-failed transaction ends as "rolled-back", the others as "undone".
 * A failing inverse command gives -ECANCELED (state "undo-failed").
 */
int vp_txn_undo(struct vp_root *root, const char *id, time_t now, struct vp_txn_report *report);

/* "create" / "modify" / "delete" */
const char *vp_file_action_to_string(enum vp_file_action a);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GRUB's defaults: /etc/default/grub, then /etc/default/grub.d/NAME.cfg in
 * glob order, sourced by grub-mkconfig in that order (later files override
 * earlier ones). This module evaluates the assignments as the shell does
 * (double quotes with backslash escapes, single quotes, backslashes outside
 * quotes, $VAR and ${VAR}, export), computes the value grub-mkconfig will
 * use for GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, and edits the
 * last assignment of a variable without touching anything else.
 *
 * It refuses (vp_grub_defaults.unsafe, one line naming file and line) when a
 * value cannot be known without running the file: a command substitution
 * ($(...) or `...`), a ${VAR...} operator, an assignment inside if/case/for,
 * another file sourced, a NUL byte. Assignments of other variables may do
 * anything (Debian's GRUB_DISTRIBUTOR runs lsb_release) and are skipped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "root.h"

#define VP_GRUB_DEFAULT "etc/default/grub"
#define VP_GRUB_DEFAULT_DIR "etc/default/grub.d"
/* vfio-pilot's own drop-in: "zz" sorts after the drop-ins distributions ship (50-cloudimg-settings.cfg,
 * init-select.cfg) in the C locale and in the usual UTF-8 collations. */
#define VP_GRUB_DROPIN "etc/default/grub.d/zz-vfio-pilot.cfg"

struct vp_grub_defaults {
	char **files;          /* rel paths in sourcing order (those that exist) */
	bool dropin_dir;       /* etc/default/grub.d exists: arguments go into VP_GRUB_DROPIN */
	char *linux_;          /* effective GRUB_CMDLINE_LINUX ("" when unset) */
	char *linux_default;   /* effective GRUB_CMDLINE_LINUX_DEFAULT */
	char *default_from;    /* the file whose assignment decides GRUB_CMDLINE_LINUX_DEFAULT (NULL: none) */
	char *linux_from;      /* the same for GRUB_CMDLINE_LINUX */
	char *unsafe;          /* why the files cannot be evaluated or edited safely (NULL: they can) */
	bool nul;              /* unsafe because of a NUL byte (bad input: exit 2) */
};

/* Reads and evaluates the files. Returns 0 (check ->unsafe), -ENOENT when /etc/default/grub and grub.d are both
 * absent, -ENOMEM. skip (rel path, may be NULL) is left out, as if it did not exist. */
int vp_grub_defaults_read(struct vp_root *root, const char *skip, struct vp_grub_defaults *g);
void vp_grub_defaults_done(struct vp_grub_defaults *g);

/* Evaluates one file's text with the variables from before it: var's value after it into *ret (NULL:
 * not assigned there) and, when unsafe, the reason into *ret_unsafe (prefixed by label). */
int vp_grub_eval_var(const char *text, size_t len, const char *label, const char *var, const char *before,
		     char **ret, char **ret_unsafe);

/*
 * Adds args (each a plain word: no quote, $, backslash or backquote) to the
 * last assignment of var in text, inside its closing quote; appends an
 * assignment that extends $var when the file has none. before = var's value
 * when the file is sourced (decides whether a space is needed). Returns 0
 * with *ret and *ret_len, -EINVAL with *ret_unsafe when the file cannot be
 * edited safely, -ENOMEM.
 */
int vp_grub_edit_var(const char *text, size_t len, const char *label, const char *var, const char *before,
		     char *const *args, char **ret, size_t *ret_len, char **ret_unsafe);

/* The text of vfio-pilot's drop-in extending var by args. Newly allocated. */
char *vp_grub_dropin_text(const char *var, char *const *args);

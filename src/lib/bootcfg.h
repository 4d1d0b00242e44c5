/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boot configuration as files: reading and editing the files each boot
 * loader family keeps its kernel arguments in, as byte buffers with lengths.
 * The plan (plan.c) and the fallback entry (fallback.c) both use this module;
 * neither reads these files itself. Every path read here is a row of host.c's
 * input table, so `snapshot` captures it.
 *
 *   BLS entries     boot/loader/entries, boot/efi/loader/entries, efi/loader/entries
 *                   (vp_bls_dirs, the one list), each with its loader.conf
 *   grubenv         boot/grub2/grubenv, boot/grub/grubenv (saved_entry, kernelopts)
 *   kernel-install  etc/kernel/cmdline (the whole file is one command line, as kernel-install reads it)
 *   kernelstub      etc/kernelstub/configuration (JSON; "user" overrides "default")
 *   GRUB defaults   see grubdefault.h
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "root.h"

#define VP_KERNEL_CMDLINE "etc/kernel/cmdline"
#define VP_KERNELSTUB_CONFIG "etc/kernelstub/configuration"
#define VP_BOOTCFG_MAX (16u << 20) /* largest boot configuration file read */

/* The BLS entry directories, NULL-terminated. */
extern const char *const vp_bls_dirs[];
/* The grubenv files, NULL-terminated. */
extern const char *const vp_grubenv_paths[];
/* The installed grub.cfg files (what GRUB actually reads), NULL-terminated. */
extern const char *const vp_grub_cfg_paths[];

struct vp_bls_entry {
	char *rel;   /* boot/loader/entries/x.conf */
	const char *dir; /* its directory (one of vp_bls_dirs) */
	char *id;    /* x (file name without .conf) */
	char *text;  /* content (NUL-terminated; len bytes) */
	size_t len;
	bool has_nul;/* the file holds a NUL byte: read-only for vfio-pilot */
};

/* Entries of one directory, newest version first (systemd-boot's and grubby's order). */
int vp_bls_load(struct vp_root *root, const char *dir, struct vp_bls_entry **ret, size_t *ret_n);
/* Entries of every directory in vp_bls_dirs, each directory newest first. */
int vp_bls_load_all(struct vp_root *root, struct vp_bls_entry **ret, size_t *ret_n);
void vp_bls_entries_free(struct vp_bls_entry *v, size_t n);

/* The value of the first "key value" line (newly allocated), or NULL. */
char *vp_bls_get(const char *text, size_t len, const char *key);
/* Every "options" line joined with one space (BLS concatenates them). Never NULL on success. */
char *vp_bls_options(const char *text, size_t len);
/* True when the entry is the fallback entry vfio-pilot writes (fallback.h's file name or title suffix). */
bool vp_bls_entry_is_fallback(const struct vp_bls_entry *e);

/*
 * Adds args to the first "options" line (appends "options ..." when there is
 * none). *ret_words (optional) gets the words already there. Returns 0 with
 * *ret (len *ret_len) or -ENOMEM.
 */
int vp_bls_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len, char ***ret_words);

/* /etc/kernel/cmdline: args after its last word (the file is one command line, newlines are blanks);
 * unchanged bytes when nothing is missing. Same contract. */
int vp_kernel_cmdline_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len,
			   char ***ret_words);

/* loader.conf beside an entries directory ("boot/loader/entries" -> boot/loader/loader.conf): key's value. */
char *vp_loader_conf_get(struct vp_root *root, const char *entries_dir, const char *key);
/* A grubenv variable (first grubenv found), or NULL. */
char *vp_grubenv_get(struct vp_root *root, const char *key);

/* kernelstub: the effective kernel_options ("user" section, else "default"). NULL when no configuration. */
char **vp_kernelstub_options(struct vp_root *root);
/*
 * kernelstub: the configuration with args appended (missing ones only) to
 * user.kernel_options, written as kernelstub writes it (2-space JSON).
 * -EINVAL when it is not kernelstub's JSON.
 */
int vp_kernelstub_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len);

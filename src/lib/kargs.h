/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel-argument words: splitting a command line, asking whether an argument
 * is already there, and appending the missing ones. Every function takes a
 * byte buffer with its length and runs in time linear in it (a 2 MB
 * /etc/kernel/cmdline is edited in milliseconds). A NUL byte is never a word
 * separator: callers refuse such files before (vp_bytes_have_nul).
 *
 * Word rules are the kernel's own (lib/cmdline.c next_arg): blanks separate
 * words, a double quote toggles quoting and stays part of the word; there is
 * no backslash escape and no single quote on a kernel command line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True when the buffer holds a NUL byte: such a file cannot be edited safely as text. */
bool vp_bytes_have_nul(const char *s, size_t len);

/* Splits len bytes into words (kernel rules). *ret is NULL-terminated, never NULL on success. */
int vp_kargs_split(const char *s, size_t len, char ***ret);
/* Compatibility spelling for a NUL-terminated line. */
int vp_cmdline_split(const char *line, char ***ret);

/* Key of an argument with "-" and "_" unified: "vfio-pci.ids=1" -> "vfio_pci.ids". */
void vp_karg_key(const char *arg, char *key, size_t n);
/* True when arg (key or key=value) is satisfied by words: same word, "-"/"_" alike in the key;
 * intel_iommu=on is satisfied by intel_iommu=on,sm_on. */
bool vp_cmdline_has(char *const *words, const char *arg);
/* A word of words that sets arg's key to another value (NULL when none or when the key repeats,
 * like rd.driver.pre). */
const char *vp_kargs_conflict(char *const *words, const char *arg);

/*
 * value (len bytes, a command line) plus the args it lacks, each separated by
 * one space, trailing blanks of value dropped first. Returns the new buffer
 * (NUL-terminated, length in *ret_len) or NULL on allocation failure.
 */
char *vp_kargs_append(const char *value, size_t len, char *const *args, size_t *ret_len);

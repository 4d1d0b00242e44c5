/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * String utilities: a growable buffer, NULL-terminated string vectors, and
 * strict number parsing for sysfs attributes. No I/O here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

/* A growable, always NUL-terminated byte buffer. */
struct vp_buf {
	char *data;
	size_t len;
	size_t cap;
};

int vp_buf_append(struct vp_buf *b, const char *s, size_t n);
int vp_buf_puts(struct vp_buf *b, const char *s);
int vp_buf_printf(struct vp_buf *b, const char *fmt, ...) _printf_(2, 3);
/* Returns the string (caller frees) and resets the buffer. Never NULL on success. */
char *vp_buf_steal(struct vp_buf *b);
void vp_buf_free(struct vp_buf *b);

/* Returns a newly allocated formatted string, or NULL on allocation failure. */
char *vp_strdup_printf(const char *fmt, ...) _printf_(1, 2);

/* NULL-terminated string vectors. */
/* Makes *array (of *cap elements of size each) hold at least n, doubling; -ENOMEM on failure. */
int vp_grow(void **array, size_t *cap, size_t n, size_t size);

/* v as width lowercase hex digits (the low ones) and a NUL, in out; returns out. */
char *vp_hex(char *out, unsigned long v, int width);
/* v in decimal, in out; returns out. */
char *vp_fmt_int(char out[24], long long v);

size_t vp_strv_len(char *const *v);
int vp_strv_push(char ***v, const char *s); /* copies s */
int vp_strv_push_take(char ***v, char *s);  /* takes s (freed on failure) */
bool vp_strv_contains(char *const *v, const char *s);
char **vp_strv_free(char **v);
static inline void vp_strv_freep(char ***v) { vp_strv_free(*v); }
#define _cleanup_strv_free_ _cleanup_(vp_strv_freep)
/* Splits on any character of `seps`, dropping empty fields. */
int vp_strv_split(const char *s, const char *seps, char ***ret);
char *vp_strv_join(char *const *v, const char *sep);
void vp_strv_sort(char **v);

/* Formats a string and appends it to the vector. */
int vp_strv_pushf(char ***v, const char *fmt, ...) _printf_(2, 3);
/* True when the comma-separated option list v ("on,igfx_off") holds the option tok. */
bool vp_optlist_has(const char *v, const char *tok);

/* Writes all len bytes of data to fd (retrying short writes and EINTR). 0 or -errno. */
int vp_write_all(int fd, const void *data, size_t len);

/* Normalizes a relative path "a/b/../c/./d" lexically, in place (".." stops at the top; no
 * leading or doubled slashes in the result). path holds at most PATH_MAX bytes. */
void vp_path_normalize(char *path);

/* Removes trailing whitespace in place; returns s. */
char *vp_strstrip_tail(char *s);
bool vp_startswith(const char *s, const char *prefix);

/* Strict parsers: the whole string must be the number (a trailing newline is allowed). */
int vp_parse_hex(const char *s, uint64_t max, uint64_t *ret);  /* "0x10de" or "10de" */
int vp_parse_uint(const char *s, uint64_t max, uint64_t *ret); /* decimal */

/*
 * PCI addresses. Accepts "0000:01:00.0" and "01:00.0" (domain 0); hex digits in
 * either case. Writes the canonical lower-case form "dddd:bb:dd.f" (13 bytes with NUL).
 */
#define VP_PCI_ADDR_LEN 13
/* The fields of a canonical address ("dddd:bb:dd.f", as vp_pci_addr_parse writes it). */
void vp_pci_addr_fields(const char *canon, unsigned f[4]);
int vp_pci_addr_parse(const char *s, char ret[VP_PCI_ADDR_LEN]);
/* Parses "10de:2204" (vendor:device id). */
int vp_pci_id_parse(const char *s, uint16_t *ret_vendor, uint16_t *ret_device);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's log buffer, read from the root's dev/kmsg: on the live host the
 * character device (one record per read, non-blocking, so reading stops at
 * the newest record), in a fixture or capture a plain file of the same lines.
 */
#pragma once

#include <stddef.h>

#include "root.h"

/*
 * Calls fn(ud, rec, len) for every record in order, rec being the record's
 * first line "prio,seq,usec,flags;message" without its newline (the " KEY=value"
 * lines that follow some records are left out). Records the kernel overwrote
 * while we read are skipped; reading stops after 64 MiB. A non-zero return of
 * fn stops the read and is returned. Returns the number of records, or -errno
 * (-ENOENT: no dev/kmsg; -EPERM/-EACCES: dmesg_restrict and not root).
 */
long vp_kmsg_read(struct vp_root *root, int (*fn)(void *ud, const char *rec, size_t len), void *ud);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd journal as a log source, through sd-journal (libsystemd).
 * The live root reads this machine's journal; any other root reads only
 * ROOT/var/log/journal (sd_journal_open_directory), never this machine's.
 * One boot is read: its kernel messages (_TRANSPORT=kernel) and the
 * libvirtd.service and virqemud.service units. Messages go to a callback,
 * as kmsg.h hands on records: the reader knows nothing of diagnose.
 */
#pragma once

#include <stddef.h>

#include "root.h"

/* One message: entry is its 1-based number in what is read, ident its SYSLOG_IDENTIFIER (NULL when none);
 * msg is not NUL-terminated. A negative return stops the read and is returned. */
typedef int (*vp_journal_fn)(void *ud, unsigned long entry, const char *ident, const char *msg, size_t len);

/*
 * Reads boot `boot` of the journal: 0 is the newest boot (on the live root:
 * the running one), -1 the one before, ...; N > 0 counts from the oldest
 * (1 = first), like journalctl --boot. *ret_entries is the number handed to
 * fn; *ret_note (may be NULL) says which boot was read and which journal
 * files were skipped as truncated or corrupt, or why nothing was read.
 *
 * Returns 0; -ENOENT when there is no journal (the directory is missing or
 * holds no files); -EBADMSG when it holds journal files but none can be read
 * (truncated or corrupt: *ret_note names them); -ENXIO when the boot does
 * not exist; other -errno from sd-journal or fn.
 */
int vp_journal_read(struct vp_root *root, int boot, vp_journal_fn fn, void *ud, unsigned long *ret_entries,
		    char **ret_note);

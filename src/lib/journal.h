/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd journal as a diagnose source, through sd-journal (libsystemd).
 * The live root reads this machine's journal; any other root reads only
 * ROOT/var/log/journal (sd_journal_open_directory), never this machine's.
 * One boot is read: its kernel messages (_TRANSPORT=kernel) and the
 * libvirtd.service and virqemud.service units.
 */
#pragma once

#include "diagnose.h"
#include "root.h"

/*
 * Feeds boot `boot` of the journal to d: 0 is the newest boot (on the live
 * root: the running one), -1 the one before, ...; N > 0 counts from the
 * oldest (1 = first), like journalctl --boot. Entries are numbered from 1
 * in the source "journal". *ret_entries is the number fed; *ret_note (may be
 * NULL) says which boot was read or why nothing was.
 *
 * Returns 0; -ENOENT when there is no journal (the directory is missing or
 * holds no files); -ENXIO when the boot does not exist; other -errno from
 * sd-journal.
 */
int vp_journal_feed(struct vp_root *root, int boot, struct vp_diag *d, unsigned long *ret_entries, char **ret_note);

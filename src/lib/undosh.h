/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * undo.sh: the way back that needs nothing but a shell (docs/rescue.md).
 *
 * Every transaction's journal holds var/lib/vfio-pilot/txn/ID/undo.sh, written
 * with the journal before anything is touched. It restores the transaction's
 * files from the journal's copies (orig/N, whose mode and owner are the
 * original's: cp -p keeps them), removes the files and directories it created,
 * runs the inverse commands and reruns the rebuild commands, in the order
 * `vfio-pilot undo` uses. It uses only POSIX sh (with its built-ins: read,
 * printf, echo, test, case), cp, mv, rm and chroot, and runs both as
 *   chroot ROOT sh /var/lib/vfio-pilot/txn/ID/undo.sh         (inside the root)
 *   sh ROOT/var/lib/vfio-pilot/txn/ID/undo.sh ROOT           (from a live USB)
 *
 * "Changed after the transaction" is decided as `undo` decides it, by content:
 * each file must hold what the transaction wrote (new/N) or the original
 * (orig/N, a restore half done), else undo.sh refuses before it changes
 * anything. Without cmp on a rescue system, the shell compares the two files
 * line by line with `read -r` (a missing final newline counts). A shell drops
 * NUL bytes, so a change that only adds NUL bytes is not seen; vfio-pilot never
 * writes NUL bytes into the files it manages. Extended attributes (SELinux
 * labels) are not restored by cp -p: after undo.sh on an SELinux system,
 * relabel (`restorecon` or /.autorelabel); `vfio-pilot undo` restores them.
 *
 * It moves the manifest's state as `undo` does ("undoing", then "undone" or
 * "undo-failed"; for an apply that was never finished "rolling-back", then
 * "rolled-back" or "rollback-failed"), rewriting only the state line, so
 * `vfio-pilot history` and `undo` agree with it afterwards.
 */
#pragma once

#include "changeset.h"

/* The script for transaction t (its id, changes and their journal copies). Newly allocated. */
char *vp_undo_sh_build(const struct vp_txn *t);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-pilot release [--yes] DEVICE...: takes cards out of the handed-over set
 * (handover.h), so that they stay with their host drivers from the next boot.
 * A transaction like apply's: planned and shown as a diff, confirmed,
 * journaled, undoable; releasing the last card removes vfio-pilot's
 * configuration entirely.
 */
#include "cli.h"

int cmd_release(const struct vp_opts *o, int argc, char *argv[])
{
	return vp_cli_apply(o, "release", argc, argv, true);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `snapshot`: a tar.gz of exactly what vp_host_load() reads (the tables
 * vp_host_inputs and vp_pci_dev_attrs in host.h), plus the kernel log of the
 * current boot as var/log/vfio-pilot-kmsg.txt. Unpacked, it is a sysroot:
 * `vfio-pilot --root DIR` reproduces the host, so a user's report becomes a
 * fixture. Symlinks stay symlinks (relative targets as the kernel wrote them);
 * files larger than VP_SNAPSHOT_MAX_FILE (proc/ files: VP_SNAPSHOT_MAX_PROC)
 * and kernel-address files are skipped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "root.h"

#define VP_SNAPSHOT_MAX_FILE (1u << 20)
#define VP_SNAPSHOT_MAX_PROC (16u << 20)  /* proc/ files the loader reads whole */
#define VP_SNAPSHOT_KMSG "var/log/vfio-pilot-kmsg.txt"

struct vp_snapshot_stats {
	size_t files, links, dirs, skipped;
	size_t kmsg_lines;     /* kernel log records stored */
	int kmsg_error;        /* <0 errno when the kernel log could not be read (e.g. -EPERM), 0 otherwise */
	char **notes;          /* entries skipped or stored with raw bytes: "/path: what was done" */
	char *error;           /* when writing failed: the entry and libarchive's reason */
};
/* Frees notes and error. */
void vp_snapshot_stats_done(struct vp_snapshot_stats *s);

/* Writes the archive to fd (gzip-compressed pax tar). Returns 0 or -errno. */
int vp_snapshot_write(struct vp_root *root, const struct vp_host *h, int fd, struct vp_snapshot_stats *ret_stats);

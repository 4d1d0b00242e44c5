/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vendor and device names from pci.ids, through libpci. */
#pragma once

#include "host.h"

struct vp_names;

/* Starts reading pci.ids (about 1.3 MB to parse) in a thread of its own, so the host loader
 * reads sysfs meanwhile. NULL when it cannot start: vp_names_finish() then reads it itself. */
struct vp_names *vp_names_start(void);
/* Waits for that read, fills vendor_name/device_name of every device (unknown ids stay NULL)
 * and frees n. */
void vp_names_finish(struct vp_names *n, struct vp_host *h);

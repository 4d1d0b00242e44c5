/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vendor and device names from pci.ids, through libpci. */
#pragma once

#include "host.h"

/* Fills vendor_name/device_name of every device. Unknown ids stay NULL. */
void vp_names_fill(struct vp_host *h);

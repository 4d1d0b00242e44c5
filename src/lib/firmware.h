/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When only the firmware setup can turn the IOMMU on (issue 11 §2): the IOMMU
 * is inactive although the kernel already asks for it (intel_iommu=on, a
 * kernel that turns VT-d on by default, AMD-Vi's default), or the firmware
 * exposes no ACPI DMAR/IVRS table. Then no kernel argument and no reboot can
 * help, and `plan` must say so instead of promising a working host.
 */
#pragma once

#include "host.h"

/* Why a reboot cannot activate the IOMMU, with the way out (newly allocated), or NULL when a
 * reboot with the right kernel arguments may (or the IOMMU is active, or it cannot be told). */
char *vp_firmware_iommu_blocker(const struct vp_host *h);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `list` report: IOMMU state, groups with their verdicts, and their devices. */
#pragma once

#include "host.h"
#include "output.h"

/* Adds the "iommu", "groups" and "ungrouped" sections to doc. */
void vp_list_render(const struct vp_host *h, struct vp_doc *doc);
/* Fills row (a row of t) with the standard device columns (shared by other reports). */
void vp_list_device_row(const struct vp_host *h, const struct vp_pci_dev *d, struct vp_table *t, json_object *row);
/* The standard device columns, for vp_row_table()/vp_doc_table(). */
extern const struct vp_col vp_list_device_cols[];
extern const size_t vp_list_n_device_cols;
/* "NVIDIA Corporation TU104 [GeForce RTX 2080] [10de:1e87]"; newly allocated. */
char *vp_dev_description(const struct vp_pci_dev *d);
/* The group's verdict in one plain line: "can be handed over", "cannot: shared with 0000:00:1f.3
 * (snd_hda_intel)", "nothing to hand over: bridges only". Newly allocated. */
char *vp_group_verdict(const struct vp_host *h, const struct vp_group *g);
/* Why no IOMMU is active, and what to do, in one sentence for this host. Newly allocated. */
char *vp_iommu_inactive_reason(const struct vp_host *h);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `recommend`: for each GPU (a card with a display-class function), which way
 * to give it to a guest, with the reasons:
 *   passthrough  the whole card: another GPU keeps the host's display, the
 *                IOMMU is active and the card's group holds only this card;
 *   sriov        the card is an SR-IOV PF (sriov_totalvfs): pass a VF;
 *   mdev         the driver offers mediated device types (mdev_supported_types):
 *                create an mdev of one of the listed types;
 *   virtio-gpu   no spare GPU (or only light graphics needed): a paravirtual
 *                GPU, the host keeps this one.
 * SR-IOV VFs are reported under their PF, not as GPUs of their own. Pure
 * judgment over the host model.
 */
#pragma once

#include "host.h"
#include "output.h"

enum vp_verdict { VP_VERDICT_PASSTHROUGH, VP_VERDICT_SRIOV, VP_VERDICT_MDEV, VP_VERDICT_VIRTIO_GPU };

struct vp_gpu_rec {
	const struct vp_card *card;   /* borrowed from the host */
	enum vp_verdict verdict;
	char **reasons;               /* why this verdict (and why not the stronger ones) */
	char **also;                  /* other paths that would work too */
};

/* One entry per GPU card, in slot order. */
int vp_recommend(const struct vp_host *h, struct vp_gpu_rec **ret, size_t *ret_n);
void vp_recommend_free(struct vp_gpu_rec *r, size_t n);
void vp_recommend_render(const struct vp_host *h, const struct vp_gpu_rec *r, size_t n, struct vp_doc *doc);
const char *vp_verdict_to_string(enum vp_verdict v);   /* "passthrough", "sriov", "mdev", "virtio-gpu" */

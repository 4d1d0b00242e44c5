/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `recommend` judgment (see recommend.h). Uses the host model and list's device descriptions. */
#include "recommend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "firmware.h"
#include "list.h"
#include "output.h"
#include "reset.h"
#include "util.h"

const char *vp_verdict_to_string(enum vp_verdict v)
{
	static const char *const n[] = { "passthrough", "sriov", "mdev", "virtio-gpu" };
	return v <= VP_VERDICT_VIRTIO_GPU ? n[v] : "unknown";
}

static const char *verdict_title(enum vp_verdict v)
{
	static const char *const n[] = { "full passthrough", "SR-IOV (pass a virtual function)",
					 "mdev (mediated device, shared)", "VirtIO-GPU (keep this GPU on the host)" };
	return n[v];
}

static int card_total_vfs(const struct vp_card *c, int *numvfs)
{
	for (size_t i = 0; i < c->n_devs; i++)
		if (c->devs[i]->sriov_totalvfs > 0) {
			*numvfs = c->devs[i]->sriov_numvfs;
			return c->devs[i]->sriov_totalvfs;
		}
	return 0;
}

static size_t card_mdev_types(const struct vp_card *c, const struct vp_pci_dev **ret_dev)
{
	for (size_t i = 0; i < c->n_devs; i++)
		if (c->devs[i]->n_mdev_types) {
			*ret_dev = c->devs[i];
			return c->devs[i]->n_mdev_types;
		}
	return 0;
}

static bool card_is_vf(const struct vp_card *c)
{
	return c->n_devs && c->devs[0]->physfn;
}

/* The group of the card's first function, or NULL. */
static const struct vp_group *card_group(const struct vp_host *h, const struct vp_card *c)
{
	return c->n_devs ? vp_host_group(h, c->devs[0]->iommu_group) : NULL;
}

static void group_others(const struct vp_host *h, const struct vp_card *c, const struct vp_group *g, char ***reasons)
{
	struct vp_buf b = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < g->n_devs; i++) {
		const struct vp_pci_dev *d = g->devs[i];
		if (vp_class_is_bridge(d->class_code) || streq(d->slot, c->slot))
			continue;
		vp_buf_printf(&b, "%s%s (%s)", n++ ? ", " : "", d->addr, d->driver ? d->driver : "no driver");
	}
	vp_strv_pushf(reasons, "IOMMU group %d also holds %s: a guest gets the group whole, so these would go too "
		     "(bind --whole-group), or the card needs a slot of its own; an ACS override only pretends to "
		     "split the group and is a security downgrade", g->id, b.data ? b.data : "other devices");
	vp_buf_free(&b);
	(void)h;
}

/* Full passthrough fits card ci: IOMMU on, group holds only this card, another GPU is there, not the boot VGA. */
static bool passable(const struct vp_host *h, size_t ci, const struct vp_card **ret_other)
{
	const struct vp_card *c = &h->cards[ci], *other = NULL;
	for (size_t k = 0; k < h->n_cards; k++) {
		const struct vp_card *o = &h->cards[k];
		if (o == c || !o->display || card_is_vf(o))
			continue;
		if (!other || (o->boot_vga && !other->boot_vga))
			other = o;
	}
	if (ret_other)
		*ret_other = other;
	const struct vp_group *g = card_group(h, c);
	int numvfs = 0;
	/* vfio-pci refuses a PF with VFs enabled: someone already shares this GPU through SR-IOV. */
	bool vfs_in_use = card_total_vfs(c, &numvfs) > 0 && numvfs > 0;
	return vp_host_iommu_active(h) && g && g->isolated && g->card == (int)ci && other && !c->boot_vga && !vfs_in_use;
}

int vp_recommend(const struct vp_host *h, struct vp_gpu_rec **ret, size_t *ret_n)
{
	struct vp_gpu_rec *out = NULL;
	size_t n = 0;
	bool iommu = vp_host_iommu_active(h);
	for (size_t ci = 0; ci < h->n_cards; ci++) {
		const struct vp_card *c = &h->cards[ci];
		if (!c->display || card_is_vf(c))
			continue;
		struct vp_gpu_rec *nv = realloc(out, (n + 1) * sizeof(*out));
		if (!nv) {
			vp_recommend_free(out, n);
			return -ENOMEM;
		}
		out = nv;
		struct vp_gpu_rec *r = &out[n++];
		memset(r, 0, sizeof(*r));
		r->card = c;

		/* Another GPU for the host, preferring the boot VGA one. */
		const struct vp_card *other = NULL;
		bool pass = passable(h, ci, &other);
		const struct vp_group *g = card_group(h, c);
		bool isolated = g && g->isolated && g->card == (int)ci;
		int numvfs = 0, totalvfs = card_total_vfs(c, &numvfs);
		const struct vp_pci_dev *mdev_dev = NULL;
		size_t n_mdev = card_mdev_types(c, &mdev_dev);
		bool all_vfio = c->n_devs > 0;
		for (size_t i = 0; i < c->n_devs; i++)
			all_vfio &= c->devs[i]->driver && streq(c->devs[i]->driver, "vfio-pci");

		bool vfs_in_use = !pass && totalvfs > 0 && numvfs > 0 && iommu && isolated && other && !c->boot_vga;
		if (pass) {
			r->verdict = VP_VERDICT_PASSTHROUGH;
			vp_strv_pushf(&r->reasons, "%s (%s) keeps the host's display", other->slot,
			    other->boot_vga ? "the boot VGA GPU" : "another GPU");
			vp_strv_pushf(&r->reasons, "IOMMU group %d holds only this card's %zu function%s%s", g->id, c->n_devs,
			    c->n_devs == 1 ? "" : "s", g->n_devs > c->n_devs ? " (and bridges, which stay on the host)" : "");
			if (all_vfio)
				vp_strv_pushf(&r->reasons, "every function is already on vfio-pci");
		} else if (n_mdev) {
			r->verdict = VP_VERDICT_MDEV;
			int avail = 0;
			for (size_t i = 0; i < mdev_dev->n_mdev_types; i++)
				avail += mdev_dev->mdev_types[i].available_instances > 0 ? mdev_dev->mdev_types[i].available_instances : 0;
			vp_strv_pushf(&r->reasons, "%s offers %zu mediated device type%s (%d instance%s available): the host keeps the "
					 "GPU and a guest gets a slice of it", mdev_dev->driver ? mdev_dev->driver : "its driver",
			    n_mdev, n_mdev == 1 ? "" : "s", avail, avail == 1 ? "" : "s");
		} else if (totalvfs > 0 && iommu) {
			r->verdict = VP_VERDICT_SRIOV;
			vp_strv_pushf(&r->reasons, "it is an SR-IOV physical function with up to %d virtual functions (%d enabled): "
					 "the host keeps the GPU and a guest gets a VF%s", totalvfs, numvfs,
			    numvfs ? "" : " (write a count to sriov_numvfs to create them)");
		} else {
			r->verdict = VP_VERDICT_VIRTIO_GPU;
		}
		/* Why not full passthrough, when it is not the verdict. */
		if (vfs_in_use)
			vp_strv_pushf(&r->reasons, "full passthrough would need its %d VFs removed first (vfio-pci refuses a PF with "
					 "SR-IOV enabled) and would take them from their users", numvfs);
		else if (!pass) {
			if (!iommu) {
				/* the same words as plan's blocker (firmware.c), or plan's promise: never contradict it */
				_cleanup_free_ char *fw = vp_firmware_iommu_blocker(h);
				if (fw)
					vp_strv_pushf(&r->reasons, "no device can be passed through: %s", fw);
				else
					vp_strv_pushf(&r->reasons, "the IOMMU is not active yet, so no device can be passed through now; "
							 "`vfio-pilot plan` adds the kernel arguments that turn it on, and after the "
							 "reboot `vfio-pilot recommend` judges again");
			}
			if (c->boot_vga && other) {
				/* Name the spare GPU only when it really can be passed through. */
				const struct vp_card *spare = NULL;
				for (size_t k = 0; k < h->n_cards && !spare; k++)
					if (k != ci && h->cards[k].display && !card_is_vf(&h->cards[k]) && passable(h, k, NULL))
						spare = &h->cards[k];
				if (spare)
					vp_strv_pushf(&r->reasons, "it is the boot VGA GPU, the host's display; %s is the one to pass through",
					    spare->slot);
				else
					vp_strv_pushf(&r->reasons, "it is the boot VGA GPU, the host's display");
			} else if (!other)
				vp_strv_pushf(&r->reasons, "it is the only GPU: passing it through leaves the host without a display");
			if (iommu && !isolated && g)
				group_others(h, c, g, &r->reasons);
			else if (iommu && !g)
				vp_strv_pushf(&r->reasons, "it is in no IOMMU group");
		}
		if (r->verdict == VP_VERDICT_VIRTIO_GPU)
			vp_strv_pushf(&r->reasons, "VirtIO-GPU (virgl/venus) gives a guest light 2D/3D graphics without a spare GPU");
		if (r->verdict != VP_VERDICT_MDEV && n_mdev)
			vp_strv_pushf(&r->also, "mdev: %zu mediated device type%s", n_mdev, n_mdev == 1 ? "" : "s");
		if (r->verdict != VP_VERDICT_SRIOV && totalvfs > 0)
			vp_strv_pushf(&r->also, "SR-IOV: up to %d virtual functions%s", totalvfs, iommu ? "" : " (needs the IOMMU)");
		if (vfs_in_use)
			vp_strv_pushf(&r->also, "full passthrough, after writing 0 to sriov_numvfs");
		if (r->verdict == VP_VERDICT_PASSTHROUGH)
			vp_strv_pushf(&r->also, "VirtIO-GPU, when the guest needs only light graphics");
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

void vp_recommend_free(struct vp_gpu_rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vp_strv_free(r[i].reasons);
		vp_strv_free(r[i].also);
	}
	free(r);
}

void vp_recommend_render(const struct vp_host *h, const struct vp_gpu_rec *r, size_t n, struct vp_doc *doc)
{
	json_object *gpus = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct vp_card *c = r[i].card;
		const struct vp_pci_dev *d0 = c->devs[0];
		const struct vp_pci_dev *md = NULL;
		size_t n_mdev = card_mdev_types(c, &md);
		int numvfs = 0, totalvfs = card_total_vfs(c, &numvfs);
		_cleanup_free_ char *desc = vp_dev_description(d0);

		json_object *o = json_object_new_object();
		vp_row_str(o, "card", c->slot);
		vp_row_str(o, "device", desc);
		json_object *fn = json_object_new_array();
		for (size_t k = 0; k < c->n_devs; k++)
			json_object_array_add(fn, json_object_new_string(c->devs[k]->addr));
		vp_row_take(o, "functions", fn);
		vp_row_bool(o, "boot_vga", c->boot_vga);
		vp_row_int_opt(o, "iommu_group", d0->iommu_group);
		vp_row_str(o, "verdict", vp_verdict_to_string(r[i].verdict));
		vp_row_take(o, "reasons", vp_json_strv(r[i].reasons));
		vp_row_take(o, "also", vp_json_strv(r[i].also));
		vp_row_int_opt(o, "sriov_totalvfs", totalvfs > 0 ? totalvfs : -1);
		vp_row_int_opt(o, "sriov_numvfs", totalvfs > 0 ? numvfs : -1);
		json_object *types = json_object_new_array();
		for (size_t k = 0; k < n_mdev; k++) {
			const struct vp_mdev_type *t = &md->mdev_types[k];
			json_object *to = json_object_new_object();
			vp_row_str(to, "type", t->id);
			vp_row_str(to, "name", t->name);
			vp_row_str(to, "description", t->description);
			vp_row_str(to, "device_api", t->device_api);
			vp_row_int_opt(to, "available_instances", t->available_instances);
			json_object_array_add(types, to);
		}
		vp_row_take(o, "mdev_types", types);
		struct vp_reset rs;
		bool have_reset = vp_reset_assess(h, vp_reset_card_dev(c), NULL, &rs) == 0;
		vp_row_take(o, "reset", have_reset ? vp_reset_to_json(&rs) : NULL);
		json_object_array_add(gpus, o);

		struct vp_buf b = { 0 };
		vp_buf_printf(&b, "GPU %s  %s%s\n  verdict: %s\n", c->slot, desc ? desc : "", c->boot_vga ? "  (boot VGA)" : "",
			      verdict_title(r[i].verdict));
		for (size_t k = 0; r[i].reasons && r[i].reasons[k]; k++)
			vp_buf_printf(&b, "  - %s\n", r[i].reasons[k]);
		if (n_mdev) {
			vp_buf_printf(&b, "  mdev types (%s):\n", md->addr);
			for (size_t k = 0; k < n_mdev; k++) {
				const struct vp_mdev_type *t = &md->mdev_types[k];
				char avail[24] = "unknown";
				if (t->available_instances >= 0)
					snprintf(avail, sizeof(avail), "%d", t->available_instances);
				vp_buf_printf(&b, "    %-24s available: %-7s %s\n", t->id, avail, t->name ? t->name : "");
			}
		}
		if (have_reset && r[i].verdict == VP_VERDICT_PASSTHROUGH) {
			vp_buf_printf(&b, "  reset (%s): %s\n", vp_reset_verdict_to_string(rs.verdict), rs.summary);
			if (rs.fix)
				vp_buf_printf(&b, "    fix: `vfio-pilot check %s` prints it for this host\n", rs.dev->addr);
		}
		if (have_reset)
			vp_reset_clear(&rs);
		for (size_t k = 0; r[i].also && r[i].also[k]; k++)
			vp_buf_printf(&b, "  also possible: %s\n", r[i].also[k]);
		if (b.len)
			b.data[--b.len] = '\0';
		vp_doc_text(doc, "%s", b.data ? b.data : "");
		vp_buf_free(&b);
	}
	vp_doc_json(doc, "gpus", gpus);
	if (!n)
		vp_doc_text(doc, "No GPU (display-class PCI device) found on this host: a guest can still use VirtIO-GPU.");
	(void)h;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving DEVICE arguments to cards (see select.h). */
#include "select.h"

#include <string.h>

#include "util.h"

const struct vp_card *vp_host_card(const struct vp_host *h, const char *slot)
{
	for (size_t i = 0; i < h->n_cards; i++)
		if (streq(h->cards[i].slot, slot))
			return &h->cards[i];
	return NULL;
}

static int add_dev(const struct vp_host *h, const struct vp_pci_dev *d, const char *arg, char ***slots, char **err)
{
	if (vp_class_is_bridge(d->class_code)) {
		*err = vp_strdup_printf("%s is a PCI bridge (%s); bridges stay on the host and cannot be handed over; "
					"name the device behind it (see `vfio-pilot list`)", arg, d->addr);
		return -EPERM;
	}
	const struct vp_card *c = vp_host_card_of(h, d);
	if (!c) {
		*err = vp_strdup_printf("%s (%s) has no readable vendor id, so its card cannot be formed", arg, d->addr);
		return -EINVAL;
	}
	if (!vp_strv_contains(*slots, c->slot))
		return vp_strv_push(slots, c->slot);
	return 0;
}

/* A card address as list and check print it: "0000:01:00" or "01:00" -> "0000:01:00". */
static int slot_parse(const char *s, char ret[11])
{
	char buf[16], addr[VP_PCI_ADDR_LEN];
	if (strchr(s, '.') || strlen(s) > 10)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s.0", s);
	if (vp_pci_addr_parse(buf, addr) < 0)
		return -EINVAL;
	memcpy(ret, addr, 10);
	ret[10] = 0;
	return 0;
}

int vp_select_cards(const struct vp_host *h, char *const *args, char ***ret_slots, char **ret_err)
{
	_cleanup_strv_free_ char **slots = NULL;
	*ret_err = NULL;
	for (size_t i = 0; args && args[i]; i++) {
		const char *a = args[i];
		char addr[VP_PCI_ADDR_LEN], slot[11];
		uint16_t v, dv;
		int e;
		if (vp_pci_addr_parse(a, addr) == 0) {
			const struct vp_pci_dev *d = vp_host_dev(h, addr);
			if (!d) {
				*ret_err = vp_strdup_printf("no PCI device %s on this host; `vfio-pilot list` shows the addresses", addr);
				return -ENOENT;
			}
			e = add_dev(h, d, a, &slots, ret_err);
		} else if (slot_parse(a, slot) == 0) {
			const struct vp_card *c = vp_host_card(h, slot);
			const struct vp_pci_dev *first = NULL;
			for (size_t j = 0; j < h->n_devs && !first; j++)
				if (vp_startswith(h->devs[j].addr, slot))
					first = &h->devs[j];
			if (c) {
				e = vp_strv_contains(slots, c->slot) ? 0 : vp_strv_push(&slots, c->slot);
			} else if (first && first->physfn) {
				*ret_err = vp_strdup_printf("%s holds SR-IOV virtual functions, each a card of its own; name one "
							    "(%s, ...) or the physical function %s", slot, first->addr, first->physfn);
				return -EINVAL;
			} else if (first) {
				e = add_dev(h, first, a, &slots, ret_err); /* a bridge, or no readable vendor */
			} else {
				*ret_err = vp_strdup_printf("no card %s on this host; `vfio-pilot list` shows the addresses", slot);
				return -ENOENT;
			}
		} else if (vp_pci_id_parse(a, &v, &dv) == 0) {
			bool found = false;
			e = 0;
			for (size_t j = 0; j < h->n_devs && e >= 0; j++)
				if (h->devs[j].vendor == v && h->devs[j].device == dv) {
					found = true;
					e = add_dev(h, &h->devs[j], a, &slots, ret_err);
				}
			if (!found) {
				*ret_err = vp_strdup_printf("no device with id %s on this host; `vfio-pilot list` shows the ids", a);
				return -ENOENT;
			}
		} else {
			*ret_err = vp_strdup_printf("'%s' is neither a PCI address (0000:01:00.0 or 01:00.0), a card address (0000:01:00 or 01:00) nor a vendor:device id (10de:2204)", a);
			return -EINVAL;
		}
		if (e < 0)
			return e;
	}
	if (!slots && !(slots = calloc(1, sizeof(char *))))
		return -ENOMEM;
	vp_strv_sort(slots);
	*ret_slots = TAKE_PTR(slots);
	return 0;
}

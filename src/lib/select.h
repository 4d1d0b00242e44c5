/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device selection shared by check, plan, bind and xml: a DEVICE argument is a
 * PCI address ("0000:01:00.0" or "01:00.0"), a card address as list and check
 * print it ("0000:01:00" or "01:00"), or a vendor:device id ("10de:2204", every
 * matching device). Each selection expands to its whole card; an SR-IOV virtual
 * function is a card of its own.
 */
#pragma once

#include "host.h"

/*
 * Resolves args to card slots ("0000:01:00"), sorted and unique. On a bad
 * argument returns -EINVAL (malformed), -ENOENT (no such device) or -EPERM
 * (a bridge, which cannot be handed over), with *ret_err set to one line that
 * names the argument and what to do (newly allocated).
 */
int vp_select_cards(const struct vp_host *h, char *const *args, char ***ret_slots, char **ret_err);
/* The card with this slot, or NULL. */
const struct vp_card *vp_host_card(const struct vp_host *h, const char *slot);

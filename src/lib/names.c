/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pci.ids look-ups through libpci. Only the name database is used: we never
 * call pci_init(), so libpci does not scan the machine's own bus, and the
 * hwdb and network look-ups are off so results do not depend on the machine.
 */
#include "names.h"

#include <pci/pci.h>
#include <stdarg.h>
#include <string.h>

static void quiet(char *msg, ...)
{
	(void)msg;
}

void vp_names_fill(struct vp_host *h)
{
	struct pci_access *pacc = pci_alloc();
	if (!pacc)
		return;
	pacc->warning = quiet;
	pacc->debug = quiet;
	const int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
	char buf[256];
	for (size_t i = 0; i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		if (d->vendor < 0)
			continue;
		const char *v = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_VENDOR, d->vendor);
		if (v)
			d->vendor_name = strdup(v);
		if (d->device < 0)
			continue;
		const char *n = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_DEVICE, d->vendor, d->device);
		if (n)
			d->device_name = strdup(n);
	}
	pci_cleanup(pacc);
}

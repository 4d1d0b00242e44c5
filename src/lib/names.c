/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pci.ids look-ups through libpci. Only the name database is used: we never
 * call pci_init(), so libpci does not scan the machine's own bus, and the
 * hwdb and network look-ups are off so results do not depend on the machine.
 */
#include "names.h"

#include <pci/pci.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct vp_names {
	struct pci_access *pacc;
	pthread_t thread;
	bool started;
};

static void quiet(char *msg, ...)
{
	(void)msg;
}

static void *load_list(void *arg)
{
	struct vp_names *n = arg;
	pci_load_name_list(n->pacc); /* on failure the look-ups below find nothing */
	return NULL;
}

struct vp_names *vp_names_start(void)
{
	struct vp_names *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->pacc = pci_alloc();
	if (!n->pacc) {
		free(n);
		return NULL;
	}
	n->pacc->warning = quiet;
	n->pacc->debug = quiet;
	n->started = pthread_create(&n->thread, NULL, load_list, n) == 0;
	return n;
}

void vp_names_finish(struct vp_names *n, struct vp_host *h)
{
	if (!n)
		n = vp_names_start();
	if (!n)
		return;
	if (n->started)
		pthread_join(n->thread, NULL);
	/* Without the thread, the first look-up loads the list. */
	const int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
	char buf[256];
	for (size_t i = 0; h && i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		if (d->vendor < 0)
			continue;
		const char *v = pci_lookup_name(n->pacc, buf, sizeof(buf), flags | PCI_LOOKUP_VENDOR, d->vendor);
		if (v)
			d->vendor_name = strdup(v);
		if (d->device < 0)
			continue;
		const char *dn = pci_lookup_name(n->pacc, buf, sizeof(buf), flags | PCI_LOOKUP_DEVICE, d->vendor, d->device);
		if (dn)
			d->device_name = strdup(dn);
	}
	pci_cleanup(n->pacc);
	free(n);
}

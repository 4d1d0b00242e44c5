/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reset: will a card come back after the guest stops? Facts about one PCI
 * function, from the host model only (reset_method, config space, the bus it
 * sits on, power_state, d3cold_allowed, the vendor-reset module), and a verdict
 * with the fix in the wording of this host.
 *
 * Facts:
 *   - the kernel's reset methods (reset_method, in the order the kernel tries
 *     them; absent before Linux 5.15, empty when there is none);
 *   - FLR from the PCIe capability (DevCap bit 28) or the Advanced Features
 *     capability, PM reset from the PM capability (PMCSR NoSoftRst-), read
 *     from config space (64 bytes without root: then the capability list is
 *     usually cut off, and the facts say so);
 *   - the devices a bus reset would hit: the other devices on the same bus,
 *     behind the same bridge;
 *   - the AMD reset-bug family (reset-db.c), whether vendor-reset is
 *     installed or loaded and whether device_specific is offered;
 *   - d3cold_allowed and power_state ("error": the device no longer answers).
 * Never prints, never reads paths.
 */
#pragma once

#include <json-c/json.h>

#include "distro.h"
#include "host.h"

/* One row of the AMD reset-bug table (reset-db.c). */
struct vp_reset_bug_entry {
	uint16_t vendor, device;
	const char *family;       /* "Polaris 10" */
	const char *names;        /* "RX 470/480/570/580/590" */
	const char *source;       /* where this row is documented (URL) */
};
extern const struct vp_reset_bug_entry vp_reset_bug_table[];
extern const size_t vp_reset_bug_table_len;
/* The row for vendor:device, or NULL. */
const struct vp_reset_bug_entry *vp_reset_bug_lookup(int vendor, int device);

enum vp_reset_verdict { VP_RESET_OK, VP_RESET_WARN, VP_RESET_FAIL, VP_RESET_UNKNOWN };
const char *vp_reset_verdict_to_string(enum vp_reset_verdict v); /* "ok", "warn", "fail", "unknown" */

struct vp_reset {
	const struct vp_pci_dev *dev;         /* borrowed */
	char *const *methods;                 /* borrowed reset_method words; NULL when absent */
	size_t config_len;                    /* bytes of config space read (0: none) */
	bool config_truncated;                /* the capability list goes past what could be read */
	enum vp_tri pcie;                     /* has a PCI Express capability */
	enum vp_tri flr;                      /* DevCap FLR or AF FLR */
	enum vp_tri pm_reset;                 /* PM capability with NoSoftRst- */
	bool device_specific;                 /* "device_specific" is offered */
	const char *bridge;                   /* the upstream bridge a bus reset goes through (borrowed), NULL on a root bus */
	char **bus_siblings;                  /* other devices on that bus, outside this card: "ADDR (driver)" */
	const struct vp_reset_bug_entry *bug; /* AMD reset-bug family, or NULL */
	enum vp_reset_verdict verdict;
	char *summary;                        /* one sentence */
	char *fix;                            /* NULL when nothing to do */
};

/*
 * Judges function d of host h. p: the platform, for the fix's install commands (NULL: generic
 * wording). Returns 0 or -ENOMEM; free with vp_reset_clear().
 */
int vp_reset_assess(const struct vp_host *h, const struct vp_pci_dev *d, const struct vp_platform *p, struct vp_reset *ret);
void vp_reset_clear(struct vp_reset *r);
/* The function of card c that decides its reset: the first display function, else the first. */
const struct vp_pci_dev *vp_reset_card_dev(const struct vp_card *c);
/* The facts and the verdict as a JSON object (docs/json.md, "reset"). */
json_object *vp_reset_to_json(const struct vp_reset *r);
/* The udev rule that sets device_specific for d (one line, newly allocated). */
char *vp_reset_udev_rule(const struct vp_pci_dev *d);
/* Parses config space: fills pcie, flr, pm_reset, config_truncated. Exposed for tests. */
void vp_reset_parse_config(const uint8_t *cfg, size_t len, struct vp_reset *r);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run-time (re)binding of cards to vfio-pci and back (kernel-facts.md §1.3, §1.4).
 *
 * bind, per device:  1. load vfio-pci (libkmod; live root only, noted otherwise)
 *                    2. write "vfio-pci" to driver_override
 *                    3. write the address to DEVDIR/driver/unbind (when bound)
 *                    4. write the address to /sys/bus/pci/drivers_probe
 *                    5. verify the driver link reads vfio-pci
 * unbind, per device: clear driver_override, write the address to
 *                    drivers/vfio-pci/unbind, drivers_probe (then, when the
 *                    remembered driver did not come back, its bind file), verify.
 *
 * Each device's previous driver and driver_override are remembered in
 * var/lib/vfio-pilot/bound.json inside the root (replaced atomically) before
 * the first change, so unbind can return the device to it. When a step fails,
 * the steps already done for that card are undone in reverse order and no
 * further card is touched.
 *
 * Planning (vp_bind_plan) refuses bridges, devices in no IOMMU group, SR-IOV
 * PFs with VFs enabled, devices that a running libvirt domain uses, the
 * boot VGA device and the last display (unless allowed), and storage or NICs
 * the host needs (hostneeds.h; unless allowed). Everything goes through the root handle.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "output.h"
#include "virt.h"

#define VP_BIND_STATE "var/lib/vfio-pilot/bound.json"

enum vp_step_status { VP_STEP_DONE, VP_STEP_SKIPPED, VP_STEP_NOTED, VP_STEP_FAILED };

struct vp_bind_step {
	char *device;             /* NULL for host-wide steps (module) */
	const char *step;         /* stable id: module, remember, driver_override, unbind, probe, bind, verify,
				   * forget; undo steps: undo_release, undo_override, undo_probe, undo_remember */
	char *detail;             /* what was written where, or what was seen */
	enum vp_step_status status;
	char *error;              /* why it failed (strerror or the mismatch), NULL otherwise */
};

enum vp_bind_result {
	VP_BIND_OK,               /* every device is where it was asked to be */
	VP_BIND_REFUSED,          /* nothing done: see refusals */
	VP_BIND_ROLLED_BACK,      /* a step failed; that card's steps were undone */
	VP_BIND_ROLLBACK_FAILED,  /* a step failed and an undo step failed too */
};

struct vp_bind_dev {
	char addr[VP_PCI_ADDR_LEN];
	char slot[13];
	char *driver_before;      /* at the start; NULL unbound */
	char *driver_after;       /* at the end */
	char *previous;           /* unbind: the remembered driver, NULL unknown/none */
	bool remembered;          /* unbind: a state entry existed */
	const char *result;       /* "bound", "already", "returned", "left", "rolled-back", "not-run", "failed" */
};

struct vp_bind_opts {
	bool unbind;
	bool whole_group;
	bool allow_host_gpu;
	bool allow_host_device;   /* bind storage or a NIC the host needs (hostneeds.h), with a note */
	/* PCI hostdevs of libvirt domains (vp_bind_libvirt_usage); NULL with libvirt_note set when unchecked. */
	const struct vp_virt_hostdev *used;
	size_t n_used;
	const char *libvirt_note; /* why domains were not checked, or NULL */
	unsigned verify_wait_ms;  /* how long to wait for the driver link to change (live: ~2000) */
	/* Tests: called after every successful control-file write; may change the tree like the kernel would. */
	int (*after_write)(void *ud, const char *rel, const char *value);
	void *ud;
};

struct vp_bind_report {
	bool unbind;
	enum vp_bind_result result;
	struct vp_bind_dev *devs;
	size_t n_devs;
	struct vp_bind_step *steps;
	size_t n_steps;
	char **refusals;          /* one line each */
	char **notes;
};

/*
 * Picks the devices (every function of each card in slots; with whole_group
 * also the other endpoints of their groups, never bridges) and judges them.
 * Refusals leave report->result VP_BIND_REFUSED.
 */
int vp_bind_plan(const struct vp_host *h, char *const *slots, const struct vp_bind_opts *o, struct vp_bind_report *ret);
/* Runs a plan that was not refused. Returns 0 (see report->result) or -ENOMEM. */
int vp_bind_run(struct vp_root *root, const struct vp_host *h, const struct vp_bind_opts *o, struct vp_bind_report *rep);
void vp_bind_report_free(struct vp_bind_report *rep);
void vp_bind_render(const struct vp_bind_report *rep, struct vp_doc *doc);
const char *vp_bind_result_to_string(enum vp_bind_result r);

/*
 * Which PCI devices libvirt domains use. Connects read-only to uri when given,
 * or on the live root when libvirt is installed (uri NULL: libvirt's default);
 * under --root without a URI nothing is asked. On any failure the lists stay
 * empty and *ret_note says what could not be checked (newly allocated).
 */
int vp_bind_libvirt_usage(struct vp_root *root, const struct vp_host *h, const char *uri,
			  struct vp_virt_hostdev **ret, size_t *ret_n, char **ret_note);

/* The remembered previous driver of addr: 1 and *ret_driver (NULL = it had none) when known, 0 when not. */
int vp_bind_state_get(struct vp_root *root, const char *addr, char **ret_driver, char **ret_override);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `export`: the cards handed over (or those named) as the configuration a
 * cluster scheduler expects, so that its own machinery assigns them to guests:
 *
 *   kubevirt  spec.configuration.permittedHostDevices.pciHostDevices of the
 *             KubeVirt CR (pciVendorSelector "VVVV:DDDD", resourceName
 *             "vendor.com/NAME", externalResourceProvider), as the whole CR or
 *             as a merge patch, in YAML or JSON
 *   nova      OpenStack Nova's [pci] section: device_spec and alias entries
 *             (device_type type-PCI, type-PF or type-VF)
 *   proxmox   a Proxmox VE cluster resource mapping (/etc/pve/mapping/pci.cfg):
 *             one section per card with node, path, id, subsystem-id and the
 *             IOMMU group
 *
 * The library builds the configuration as a JSON object (the facts) and as the
 * scheduler's own text; it reads nothing but the host model and, for the node
 * name, etc/hostname through the root.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "host.h"
#include "root.h"

enum vp_export_kind { VP_EXPORT_KUBEVIRT, VP_EXPORT_NOVA, VP_EXPORT_PROXMOX };

struct vp_export_opts {
	enum vp_export_kind kind;
	char *const *devices;       /* DEVICE arguments; NULL/empty: the cards handed over */
	const char *node;           /* proxmox: the node name (default: etc/hostname) */
	bool patch;                 /* kubevirt: a merge patch instead of the whole CR */
	bool yaml;                  /* kubevirt: YAML text (else JSON text) */
	bool external_provider;     /* kubevirt: externalResourceProvider: true */
};

/* One exported PCI function. */
struct vp_export_fn {
	const struct vp_pci_dev *dev;   /* borrowed from the host */
	char *name;                     /* the scheduler's name for its id (resource / alias / mapping) */
	const char *device_type;        /* "type-PCI", "type-PF", "type-VF" */
};

struct vp_export {
	enum vp_export_kind kind;
	struct vp_export_fn *fns;
	size_t n_fns;
	json_object *config;            /* the configuration as the scheduler takes it (owned) */
	char *text;                     /* the same in the scheduler's own file format */
	char **notes;                   /* what the operator must still do or know */
};

/* "kubevirt", "nova", "proxmox" -> kind; -EINVAL for anything else. */
int vp_export_kind_from_string(const char *s, enum vp_export_kind *ret);

/*
 * Builds the export. The selection: the cards of o->devices (each function of
 * each card; a virtual function stands alone), or with no DEVICE the functions
 * bound to vfio-pci (driver or driver_override) and those of the last applied
 * transaction (handed). Returns 0, or -EINVAL/-ENOENT/-EPERM with *ret_err set
 * for a bad DEVICE, -ENODATA with *ret_err set when nothing is handed over.
 */
int vp_export_build(struct vp_root *root, const struct vp_host *h, char *const *handed, const struct vp_export_opts *o,
		    struct vp_export **ret, char **ret_err);
struct vp_export *vp_export_free(struct vp_export *e);
static inline void vp_export_freep(struct vp_export **e) { vp_export_free(*e); }

/* Kubernetes extended-resource name of a device: "nvidia.com/TU104GL_Tesla_T4". Newly allocated. */
char *vp_export_resource_name(const struct vp_pci_dev *d);

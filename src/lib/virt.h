/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt boundary. Commands never call vir* functions directly: they use
 * a vp_virt handle whose ops table hides the libvirt C API (after pciutils'
 * pci_methods). There is one implementation, the real libvirt client; tests
 * point it at libvirt's test driver (test:///default or test:///ABS/node.xml),
 * so the same API calls run without a daemon.
 *
 * libvirt's default error handler prints to stderr; vp_virt_open() installs a
 * silent one, and every failure is kept in the handle as one line
 * (vp_virt_error()) for the caller to show.
 *
 * Errors: -ENOTCONN (cannot connect), -ENOENT (no such domain), -EOPNOTSUPP
 * (the driver does not implement the call, e.g. the test driver's attach),
 * -EIO (any other libvirt failure), -ELIBACC (the libvirt client library
 * cannot be loaded: it is opened with dlopen() on first use), -ENOMEM.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* One PCI hostdev of one domain. */
struct vp_virt_hostdev {
	char *domain;           /* domain name */
	char addr[VP_PCI_ADDR_LEN]; /* host source address, canonical */
	bool running;           /* the domain is running */
};

struct vp_virt;

struct vp_virt_ops {
	const char *name;
	int (*open)(struct vp_virt *v, const char *uri);
	/* Every PCI hostdev of every domain (the live XML for running domains, the
	 * persistent one for the others), sorted by domain then address. */
	int (*list_hostdevs)(struct vp_virt *v, struct vp_virt_hostdev **ret, size_t *ret_n);
	/* The domain's XML; inactive = the persistent definition (VIR_DOMAIN_XML_INACTIVE). */
	int (*get_xml)(struct vp_virt *v, const char *domain, bool inactive, char **ret);
	int (*define_xml)(struct vp_virt *v, const char *xml);
	/* 1 running, 0 not, <0 error. */
	int (*is_active)(struct vp_virt *v, const char *domain);
	/* Hot-plug / unplug one device XML into the running domain (live only). */
	int (*attach_live)(struct vp_virt *v, const char *domain, const char *dev_xml);
	int (*detach_live)(struct vp_virt *v, const char *domain, const char *dev_xml);
	int (*start)(struct vp_virt *v, const char *domain);
	void (*close)(struct vp_virt *v);
};

struct vp_virt {
	const struct vp_virt_ops *ops;
	char *uri;
	void *conn;             /* virConnectPtr */
	char *error;            /* last error, one line */
};

extern const struct vp_virt_ops vp_virt_libvirt_ops;

/* Connects to uri (NULL: libvirt's default). read_only for look-ups only.
 * On failure *ret is still set (holding the error) so the caller can show it. */
int vp_virt_open(const char *uri, bool read_only, struct vp_virt **ret);
struct vp_virt *vp_virt_free(struct vp_virt *v);
static inline void vp_virt_freep(struct vp_virt **v) { vp_virt_free(*v); }
/* The last error as one line, or a generic text. Borrowed. */
const char *vp_virt_error(const struct vp_virt *v);

void vp_virt_hostdevs_free(struct vp_virt_hostdev *hd, size_t n);

/*
 * PCI hostdev source addresses in a domain XML document, canonical, in
 * document order. Returns the count, or -EINVAL for XML that does not parse.
 */
int vp_virt_xml_hostdev_addrs(const char *xml, char ***ret);

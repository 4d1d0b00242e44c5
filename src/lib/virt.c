/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt client implementation of the vp_virt ops (see virt.h). Uses
 * libvirt and libxml2 only; knows nothing about the host model.
 */
#include "virt.h"

#include <dlfcn.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * libvirt is opened with dlopen() when a command first needs it (as systemd
 * does for its optional libraries): linking it would load ~50 shared objects
 * into every run of vfio-pilot, 8 ms of start-up that `list` and `check` do
 * not need. The sym_ pointers have the exact types of libvirt's headers.
 */
#define LIBVIRT_SYMBOLS(X) \
	X(virConnectOpen) \
	X(virConnectOpenReadOnly) \
	X(virConnectClose) \
	X(virConnectListAllDomains) \
	X(virDomainLookupByName) \
	X(virDomainIsActive) \
	X(virDomainGetXMLDesc) \
	X(virDomainGetName) \
	X(virDomainFree) \
	X(virDomainDefineXML) \
	X(virDomainAttachDeviceFlags) \
	X(virDomainDetachDeviceFlags) \
	X(virDomainCreate) \
	X(virGetLastError) \
	X(virGetLastErrorMessage) \
	X(virSetErrorFunc)

#define DECLARE_SYM(s) static typeof(&s) sym_##s;
LIBVIRT_SYMBOLS(DECLARE_SYM)

#define LIBVIRT_SONAME "libvirt.so.0"

/* 0, or -ELIBACC with *ret_error saying what is missing. */
static int load_libvirt(char **ret_error)
{
	static void *dl;
	if (dl)
		return 0;
	void *h = dlopen(LIBVIRT_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;
	if (!h) {
		*ret_error = vp_strdup_printf("cannot load the libvirt client library (%s): %s; install libvirt "
					      "(Debian/Ubuntu: libvirt0, Fedora: libvirt-libs)", LIBVIRT_SONAME, dlerror());
		return -ELIBACC;
	}
#define LOAD_SYM(s) if (!missing && !(sym_##s = (typeof(&s))dlsym(h, #s))) missing = #s;
	LIBVIRT_SYMBOLS(LOAD_SYM)
#undef LOAD_SYM
	if (missing) {
		*ret_error = vp_strdup_printf("the libvirt client library (%s) lacks %s; it is too old for vfio-pilot",
					      LIBVIRT_SONAME, missing);
		dlclose(h);
		return -ELIBACC;
	}
	dl = h;
	return 0;
}

static void silent_error(void *ud, virErrorPtr err)
{
	(void)ud;
	(void)err;
}

static void xml_silent(void *ud, const char *msg, ...)
{
	(void)ud;
	(void)msg;
}

static void set_error(struct vp_virt *v, const char *fallback)
{
	const char *m = sym_virGetLastErrorMessage();
	free(v->error);
	v->error = strdup(m && *m && !streq(m, "no error") ? m : fallback);
	if (v->error) /* keep it on one line */
		for (char *p = v->error; *p; p++)
			if (*p == '\n')
				*p = ' ';
}

static int last_errno(void)
{
	virErrorPtr e = sym_virGetLastError();
	if (!e)
		return -EIO;
	switch (e->code) {
	case VIR_ERR_NO_SUPPORT:
	case VIR_ERR_OPERATION_UNSUPPORTED:
		return -EOPNOTSUPP;
	case VIR_ERR_NO_DOMAIN:
		return -ENOENT;
	case VIR_ERR_NO_CONNECT:
	case VIR_ERR_SYSTEM_ERROR:
		return e->domain == VIR_FROM_RPC || e->domain == VIR_FROM_REMOTE ? -ENOTCONN : -EIO;
	case VIR_ERR_NO_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int fail(struct vp_virt *v, const char *fallback)
{
	int e = last_errno();
	set_error(v, fallback);
	return e;
}

static int lv_open(struct vp_virt *v, const char *uri)
{
	virConnectPtr c = sym_virConnectOpen(uri);
	if (!c) {
		set_error(v, "cannot connect to libvirt");
		return -ENOTCONN;
	}
	v->conn = c;
	return 0;
}

static int lv_open_ro(struct vp_virt *v, const char *uri)
{
	virConnectPtr c = sym_virConnectOpenReadOnly(uri);
	if (!c) {
		set_error(v, "cannot connect to libvirt");
		return -ENOTCONN;
	}
	v->conn = c;
	return 0;
}

static virDomainPtr lookup(struct vp_virt *v, const char *name)
{
	virDomainPtr d = sym_virDomainLookupByName(v->conn, name);
	if (!d) {
		free(v->error);
		v->error = vp_strdup_printf("no libvirt domain named '%s' on %s", name, v->uri ? v->uri : "the default connection");
	}
	return d;
}

static int cmp_hostdev(const void *a, const void *b)
{
	const struct vp_virt_hostdev *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : strcmp(x->addr, y->addr);
}

static int lv_list_hostdevs(struct vp_virt *v, struct vp_virt_hostdev **ret, size_t *ret_n)
{
	virDomainPtr *doms = NULL;
	int n = sym_virConnectListAllDomains(v->conn, &doms, 0);
	if (n < 0)
		return fail(v, "cannot list libvirt domains");
	struct vp_virt_hostdev *out = NULL;
	size_t nout = 0;
	int e = 0;
	for (int i = 0; i < n; i++) {
		int active = sym_virDomainIsActive(doms[i]);
		char *xml = sym_virDomainGetXMLDesc(doms[i], 0);
		if (active < 0 || !xml) {
			e = fail(v, "cannot read a domain's XML");
			free(xml);
			break;
		}
		char **addrs = NULL;
		int k = vp_virt_xml_hostdev_addrs(xml, &addrs);
		free(xml);
		if (k < 0) {
			e = k;
			free(v->error);
			v->error = vp_strdup_printf("domain '%s' has XML that does not parse", sym_virDomainGetName(doms[i]));
			break;
		}
		for (int j = 0; j < k && e == 0; j++) {
			struct vp_virt_hostdev *nv = realloc(out, (nout + 1) * sizeof(*out));
			if (!nv) {
				e = -ENOMEM;
				break;
			}
			out = nv;
			out[nout].domain = strdup(sym_virDomainGetName(doms[i]));
			snprintf(out[nout].addr, sizeof(out[nout].addr), "%s", addrs[j]);
			out[nout].running = active == 1;
			if (!out[nout].domain)
				e = -ENOMEM;
			nout++;
		}
		vp_strv_free(addrs);
		if (e)
			break;
	}
	for (int i = 0; i < n; i++)
		sym_virDomainFree(doms[i]);
	free(doms);
	if (e < 0) {
		vp_virt_hostdevs_free(out, nout);
		return e;
	}
	if (nout)
		qsort(out, nout, sizeof(*out), cmp_hostdev);
	*ret = out;
	*ret_n = nout;
	return 0;
}

static int lv_get_xml(struct vp_virt *v, const char *domain, bool inactive, char **ret)
{
	virDomainPtr d = lookup(v, domain);
	if (!d)
		return -ENOENT;
	char *xml = sym_virDomainGetXMLDesc(d, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
	int e = xml ? 0 : fail(v, "cannot read the domain XML");
	sym_virDomainFree(d);
	if (e < 0)
		return e;
	*ret = xml;
	return 0;
}

static int lv_define_xml(struct vp_virt *v, const char *xml)
{
	virDomainPtr d = sym_virDomainDefineXML(v->conn, xml);
	if (!d)
		return fail(v, "libvirt refused the domain definition");
	sym_virDomainFree(d);
	return 0;
}

static int lv_is_active(struct vp_virt *v, const char *domain)
{
	virDomainPtr d = lookup(v, domain);
	if (!d)
		return -ENOENT;
	int a = sym_virDomainIsActive(d);
	int e = a < 0 ? fail(v, "cannot tell whether the domain runs") : a;
	sym_virDomainFree(d);
	return e;
}

static int lv_device_live(struct vp_virt *v, const char *domain, const char *dev_xml, bool attach)
{
	virDomainPtr d = lookup(v, domain);
	if (!d)
		return -ENOENT;
	int r = attach ? sym_virDomainAttachDeviceFlags(d, dev_xml, VIR_DOMAIN_AFFECT_LIVE)
		       : sym_virDomainDetachDeviceFlags(d, dev_xml, VIR_DOMAIN_AFFECT_LIVE);
	int e = r < 0 ? fail(v, attach ? "hot-plug failed" : "hot-unplug failed") : 0;
	sym_virDomainFree(d);
	return e;
}

static int lv_attach_live(struct vp_virt *v, const char *domain, const char *dev_xml)
{
	return lv_device_live(v, domain, dev_xml, true);
}

static int lv_detach_live(struct vp_virt *v, const char *domain, const char *dev_xml)
{
	return lv_device_live(v, domain, dev_xml, false);
}

static int lv_start(struct vp_virt *v, const char *domain)
{
	virDomainPtr d = lookup(v, domain);
	if (!d)
		return -ENOENT;
	int e = sym_virDomainCreate(d) < 0 ? fail(v, "the domain did not start") : 0;
	sym_virDomainFree(d);
	return e;
}

static void lv_close(struct vp_virt *v)
{
	if (v->conn)
		sym_virConnectClose(v->conn);
	v->conn = NULL;
}

const struct vp_virt_ops vp_virt_libvirt_ops = {
	.name = "libvirt",
	.open = lv_open,
	.list_hostdevs = lv_list_hostdevs,
	.get_xml = lv_get_xml,
	.define_xml = lv_define_xml,
	.is_active = lv_is_active,
	.attach_live = lv_attach_live,
	.detach_live = lv_detach_live,
	.start = lv_start,
	.close = lv_close,
};

/* Read-only connections differ only in how they open. */
static struct vp_virt_ops ro_ops;

int vp_virt_open(const char *uri, bool read_only, struct vp_virt **ret)
{
	static bool init;
	char *load_error = NULL;
	if (load_libvirt(&load_error) < 0) {
		/* A handle that carries the error, so callers report it like any other. */
		struct vp_virt *v = calloc(1, sizeof(*v));
		if (!v) {
			free(load_error);
			return -ENOMEM;
		}
		v->error = load_error;
		*ret = v;
		return -ELIBACC;
	}
	if (!init) {
		sym_virSetErrorFunc(NULL, silent_error);
		/* libxml2 reports unreadable files (test:///missing.xml) on stderr by default. */
		xmlSetGenericErrorFunc(NULL, xml_silent);
		ro_ops = vp_virt_libvirt_ops;
		ro_ops.open = lv_open_ro;
		init = true;
	}
	struct vp_virt *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ops = read_only ? &ro_ops : &vp_virt_libvirt_ops;
	if (uri && !(v->uri = strdup(uri))) {
		free(v);
		return -ENOMEM;
	}
	*ret = v;
	return v->ops->open(v, uri);
}

struct vp_virt *vp_virt_free(struct vp_virt *v)
{
	if (!v)
		return NULL;
	if (v->ops)
		v->ops->close(v);
	free(v->uri);
	free(v->error);
	free(v);
	return NULL;
}

const char *vp_virt_error(const struct vp_virt *v)
{
	return v && v->error ? v->error : "libvirt call failed";
}

void vp_virt_hostdevs_free(struct vp_virt_hostdev *hd, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(hd[i].domain);
	free(hd);
}

static bool attr_num(xmlNodePtr n, const char *name, unsigned long max, unsigned long *ret)
{
	xmlChar *s = xmlGetProp(n, (const xmlChar *)name);
	if (!s)
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul((const char *)s, &end, 0);
	bool ok = errno == 0 && end != (char *)s && *end == '\0' && v <= max;
	xmlFree(s);
	*ret = v;
	return ok;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name);
}

int vp_virt_xml_hostdev_addrs(const char *xml, char ***ret)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	char **out = NULL;
	int n = 0;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	for (xmlNodePtr devs = root ? root->children : NULL; devs; devs = devs->next) {
		if (!is_elem(devs, "devices"))
			continue;
		for (xmlNodePtr hd = devs->children; hd; hd = hd->next) {
			if (!is_elem(hd, "hostdev"))
				continue;
			xmlChar *type = xmlGetProp(hd, (const xmlChar *)"type");
			bool pci = type && xmlStrEqual(type, (const xmlChar *)"pci");
			xmlFree(type);
			if (!pci)
				continue;
			for (xmlNodePtr src = hd->children; src; src = src->next) {
				if (!is_elem(src, "source"))
					continue;
				for (xmlNodePtr a = src->children; a; a = a->next) {
					unsigned long dom = 0, bus, slot, fn;
					if (!is_elem(a, "address"))
						continue;
					xmlChar *ds = xmlGetProp(a, (const xmlChar *)"domain");
					bool has_dom = ds != NULL;
					xmlFree(ds);
					if ((has_dom && !attr_num(a, "domain", 0xffff, &dom)) || !attr_num(a, "bus", 0xff, &bus) ||
					    !attr_num(a, "slot", 0x1f, &slot) || !attr_num(a, "function", 7, &fn))
						continue;
					char addr[VP_PCI_ADDR_LEN];
					snprintf(addr, sizeof(addr), "%04lx:%02lx:%02lx.%lx", dom, bus, slot, fn);
					if (vp_strv_push(&out, addr) < 0) {
						vp_strv_free(out);
						xmlFreeDoc(doc);
						return -ENOMEM;
					}
					n++;
				}
			}
		}
	}
	xmlFreeDoc(doc);
	if (!out && !(out = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = out;
	return n;
}

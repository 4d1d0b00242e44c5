/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <hostdev> elements and domain XML edits (see hostdev.h). Uses the host
 * model (cards), select (card look-up), libxml2 and virt's XML reader.
 */
#include "hostdev.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "select.h"
#include "util.h"
#include "virt.h"

int vp_hostdev_plan(const struct vp_host *h, char *const *slots, const struct vp_hostdev_opts *o,
		    struct vp_hostdev **ret, size_t *ret_n, char **ret_err)
{
	*ret_err = NULL;
	if (o->rom_file && o->rom_file[0] != '/') {
		*ret_err = vp_strdup_printf("--rom-file needs an absolute path (libvirt rejects '%s'); "
					    "give it as /path/to/gpu.rom", o->rom_file);
		return -EINVAL;
	}
	if (o->rom_file && !o->rom_file[1]) {
		*ret_err = vp_strdup_printf("--rom-file '/' is not a file; give the path of the ROM image");
		return -EINVAL;
	}
	if (o->rom_file && o->rom_bar == VP_ROM_BAR_OFF) {
		*ret_err = vp_strdup_printf("--rom-file and --rom-bar off contradict each other: rom bar='off' hides "
					    "the ROM the file would provide; pick one");
		return -EINVAL;
	}
	size_t n_slots = vp_strv_len(slots);
	if (o->guest_slot >= 0 && (o->guest_slot < 1 || o->guest_slot > 31)) {
		*ret_err = vp_strdup_printf("--guest-slot %d is outside 1..31 (slot 0 of bus 0 is the guest's host bridge)",
					    o->guest_slot);
		return -EINVAL;
	}
	if (o->guest_slot >= 0 && (size_t)o->guest_slot + n_slots - 1 > 31) {
		*ret_err = vp_strdup_printf("--guest-slot %d leaves no room for %zu cards (one slot each, up to 31)",
					    o->guest_slot, n_slots);
		return -EINVAL;
	}
	struct vp_hostdev *out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < n_slots; i++) {
		const struct vp_card *c = vp_host_card(h, slots[i]);
		if (!c)
			continue;
		for (size_t j = 0; j < c->n_devs; j++) {
			const struct vp_pci_dev *d = c->devs[j];
			struct vp_hostdev *nv = realloc(out, (n + 1) * sizeof(*out));
			if (!nv) {
				free(out);
				return -ENOMEM;
			}
			out = nv;
			struct vp_hostdev *hd = &out[n++];
			memset(hd, 0, sizeof(*hd));
			snprintf(hd->addr, sizeof(hd->addr), "%s", d->addr);
			hd->guest_slot = o->guest_slot >= 0 ? o->guest_slot + (int)i : -1;
			hd->guest_function = o->guest_slot >= 0 ? (int)d->func : -1;
			hd->multifunction = o->guest_slot >= 0 && d->func == 0 && c->n_devs > 1;
			hd->display = vp_class_is_display(d->class_code);
			hd->rom_file = hd->display ? o->rom_file : NULL;
			hd->rom_bar = hd->display ? o->rom_bar : VP_ROM_BAR_DEFAULT;
		}
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

static void set_hex(xmlNodePtr n, const char *name, const char *fmt, unsigned v)
{
	char buf[16];
	snprintf(buf, sizeof(buf), fmt, v);
	xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)buf);
}

static xmlNodePtr hostdev_node(xmlDocPtr doc, const struct vp_hostdev *hd)
{
	unsigned dom, bus, slot, fn;
	if (sscanf(hd->addr, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return NULL;
	xmlNodePtr n = xmlNewDocNode(doc, NULL, (const xmlChar *)"hostdev", NULL);
	xmlNewProp(n, (const xmlChar *)"mode", (const xmlChar *)"subsystem");
	xmlNewProp(n, (const xmlChar *)"type", (const xmlChar *)"pci");
	xmlNewProp(n, (const xmlChar *)"managed", (const xmlChar *)"yes");
	xmlNodePtr drv = xmlNewChild(n, NULL, (const xmlChar *)"driver", NULL);
	xmlNewProp(drv, (const xmlChar *)"name", (const xmlChar *)"vfio");
	xmlNodePtr src = xmlNewChild(n, NULL, (const xmlChar *)"source", NULL);
	xmlNodePtr a = xmlNewChild(src, NULL, (const xmlChar *)"address", NULL);
	set_hex(a, "domain", "0x%04x", dom);
	set_hex(a, "bus", "0x%02x", bus);
	set_hex(a, "slot", "0x%02x", slot);
	set_hex(a, "function", "0x%x", fn);
	if (hd->rom_file || hd->rom_bar != VP_ROM_BAR_DEFAULT) {
		xmlNodePtr rom = xmlNewChild(n, NULL, (const xmlChar *)"rom", NULL);
		if (hd->rom_bar != VP_ROM_BAR_DEFAULT)
			xmlNewProp(rom, (const xmlChar *)"bar", (const xmlChar *)(hd->rom_bar ? "on" : "off"));
		if (hd->rom_file)
			xmlNewProp(rom, (const xmlChar *)"file", (const xmlChar *)hd->rom_file);
	}
	if (hd->guest_slot >= 0) {
		xmlNodePtr g = xmlNewChild(n, NULL, (const xmlChar *)"address", NULL);
		xmlNewProp(g, (const xmlChar *)"type", (const xmlChar *)"pci");
		set_hex(g, "domain", "0x%04x", 0);
		set_hex(g, "bus", "0x%02x", 0);
		set_hex(g, "slot", "0x%02x", (unsigned)hd->guest_slot);
		set_hex(g, "function", "0x%x", (unsigned)hd->guest_function);
		if (hd->multifunction)
			xmlNewProp(g, (const xmlChar *)"multifunction", (const xmlChar *)"on");
	}
	return n;
}

char *vp_hostdev_format(const struct vp_hostdev *hd, int indent)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	if (!doc)
		return NULL;
	xmlNodePtr n = hostdev_node(doc, hd);
	char *out = NULL;
	if (n) {
		xmlDocSetRootElement(doc, n);
		xmlBufferPtr buf = xmlBufferCreate();
		if (buf && xmlNodeDump(buf, doc, n, 0, 1) >= 0) {
			/* Re-indent each line by `indent` spaces. */
			struct vp_buf b = { 0 };
			const char *s = (const char *)xmlBufferContent(buf);
			while (*s) {
				const char *e = strchr(s, '\n');
				size_t len = e ? (size_t)(e - s) : strlen(s);
				vp_buf_printf(&b, "%*s%.*s\n", indent, "", (int)len, s);
				s += len + (e ? 1 : 0);
			}
			out = vp_buf_steal(&b);
		}
		xmlBufferFree(buf);
	}
	xmlFreeDoc(doc);
	return out;
}

char **vp_hostdev_card_notes(const struct vp_host *h, char *const *slots)
{
	char **v = NULL;
	for (size_t i = 0; slots && slots[i]; i++) {
		const struct vp_card *c = vp_host_card(h, slots[i]);
		if (!c || !c->n_devs)
			continue;
		if (c->boot_vga)
			vp_strv_push_take(&v, vp_strdup_printf("%s is the boot VGA GPU: while the guest runs, the host has "
							       "no console on it", c->slot));
		const struct vp_group *g = vp_host_group(h, c->devs[0]->iommu_group);
		struct vp_buf b = { 0 };
		for (size_t j = 0; g && j < g->n_devs; j++) {
			const struct vp_pci_dev *d = g->devs[j];
			if (streq(d->slot, c->slot) || vp_class_is_bridge(d->class_code) || !d->driver ||
			    vp_driver_is_dma_safe(d->driver))
				continue;
			vp_buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", d->addr, d->driver);
		}
		if (b.len)
			vp_strv_push_take(&v, vp_strdup_printf("IOMMU group %d also holds %s; libvirt detaches only the "
							       "listed functions, so QEMU will fail with \"group %d is not "
							       "viable\" until those are on vfio-pci too (`vfio-pilot bind` "
							       "can move the whole group)", g->id, b.data, g->id));
		vp_buf_free(&b);
	}
	if (!v)
		v = calloc(1, sizeof(char *));
	return v;
}

char **vp_hostdev_notes(const struct vp_hostdev_opts *o)
{
	char **v = NULL;
	if (o->rom_bar == VP_ROM_BAR_OFF)
		vp_strv_push(&v, "rom bar='off' hides the GPU's option ROM from the guest; UEFI (OVMF) guest firmware needs "
				 "that ROM (its GOP driver) to draw anything, so expect no picture until the guest's own "
				 "driver loads. It is not a black-screen fix: for \"no display\" or code 43 the usual fix is "
				 "a dumped or vendor ROM image given as <rom file='/path/to/gpu.rom'/>. Use bar='off' only for devices whose ROM breaks "
				 "the guest.");
	if (o->rom_file)
		vp_strv_push(&v, "the ROM file must be readable by the QEMU process (on SELinux/AppArmor hosts keep it "
				 "under /usr/share/vgabios or label it accordingly).");
	if (!v)
		v = calloc(1, sizeof(char *));
	return v;
}

static xmlDocPtr parse(const char *xml)
{
	return xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
}

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name);
}

static xmlNodePtr find_child(xmlNodePtr p, const char *name)
{
	for (xmlNodePtr c = p ? p->children : NULL; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

static char *dump_doc(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return NULL;
	char *out = NULL;
	if (xmlNodeDump(buf, doc, root, 0, 1) >= 0)
		out = vp_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return out;
}

/* The canonical source address of one <hostdev> element, or "" when it is not a PCI hostdev. */
static void node_addr(xmlDocPtr doc, xmlNodePtr hd, char out[VP_PCI_ADDR_LEN])
{
	out[0] = '\0';
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return;
	/* Reuse the one reader of hostdev addresses: wrap the element in a tiny domain. */
	if (xmlNodeDump(buf, doc, hd, 0, 0) >= 0) {
		_cleanup_free_ char *wrap = vp_strdup_printf("<domain><devices>%s</devices></domain>",
							     (const char *)xmlBufferContent(buf));
		char **addrs = NULL;
		if (wrap && vp_virt_xml_hostdev_addrs(wrap, &addrs) > 0)
			snprintf(out, VP_PCI_ADDR_LEN, "%s", addrs[0]);
		vp_strv_free(addrs);
	}
	xmlBufferFree(buf);
}

int vp_domain_xml_add_hostdevs(const char *xml, const struct vp_hostdev *hds, size_t n, char **ret_xml, char **ret_err)
{
	*ret_err = NULL;
	xmlDocPtr doc = parse(xml);
	if (!doc)
		return -EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int e = 0;
	if (!is_elem(root, "domain")) {
		e = -EINVAL;
		goto out;
	}
	xmlNodePtr devs = find_child(root, "devices");
	if (!devs && !(devs = xmlNewChild(root, NULL, (const xmlChar *)"devices", NULL))) {
		e = -ENOMEM;
		goto out;
	}
	for (xmlNodePtr c = devs->children; c; c = c->next) {
		if (!is_elem(c, "hostdev"))
			continue;
		char a[VP_PCI_ADDR_LEN];
		node_addr(doc, c, a);
		for (size_t i = 0; i < n && a[0]; i++)
			if (streq(a, hds[i].addr)) {
				*ret_err = vp_strdup_printf("already has a hostdev for %s", a);
				e = -EEXIST;
				goto out;
			}
	}
	for (size_t i = 0; i < n; i++) {
		xmlNodePtr hn = hostdev_node(doc, &hds[i]);
		if (!hn || !xmlAddChild(devs, hn)) {
			xmlFreeNode(hn);
			e = -ENOMEM;
			goto out;
		}
	}
	*ret_xml = dump_doc(doc);
	if (!*ret_xml)
		e = -ENOMEM;
out:
	xmlFreeDoc(doc);
	return e;
}

int vp_domain_xml_remove_hostdevs(const char *xml, char *const *addrs, char **ret_xml, char ***ret_removed,
				  char ***ret_removed_xml)
{
	xmlDocPtr doc = parse(xml);
	if (!doc)
		return -EINVAL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!is_elem(root, "domain")) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	char **removed = NULL, **removed_xml = NULL;
	xmlNodePtr devs = find_child(root, "devices");
	for (xmlNodePtr c = devs ? devs->children : NULL, next; c; c = next) {
		next = c->next;
		if (!is_elem(c, "hostdev"))
			continue;
		char a[VP_PCI_ADDR_LEN];
		node_addr(doc, c, a);
		if (!a[0] || !vp_strv_contains(addrs, a))
			continue;
		xmlBufferPtr buf = xmlBufferCreate();
		if (buf && xmlNodeDump(buf, doc, c, 0, 1) >= 0)
			vp_strv_push(&removed_xml, (const char *)xmlBufferContent(buf));
		xmlBufferFree(buf);
		vp_strv_push(&removed, a);
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	*ret_xml = dump_doc(doc);
	xmlFreeDoc(doc);
	if (!removed)
		removed = calloc(1, sizeof(char *));
	if (!removed_xml)
		removed_xml = calloc(1, sizeof(char *));
	if (!*ret_xml || !removed || !removed_xml) {
		free(*ret_xml);
		vp_strv_free(removed);
		vp_strv_free(removed_xml);
		return -ENOMEM;
	}
	*ret_removed = removed;
	*ret_removed_xml = removed_xml;
	return 0;
}

/* ---- attach / detach through the virt ops ---- */

int vp_domain_attach(struct vp_virt *v, const char *domain, const struct vp_hostdev *hds, size_t n, bool live,
		     char ***ret_added, bool *ret_live, char **ret_err)
{
	*ret_err = NULL;
	*ret_live = false;
	_cleanup_free_ char *old = NULL, *new_xml = NULL;
	int e = v->ops->get_xml(v, domain, true, &old);
	if (e < 0) {
		*ret_err = strdup(vp_virt_error(v));
		return e;
	}
	struct vp_virt_hostdev *used = NULL;
	size_t n_used = 0;
	e = v->ops->list_hostdevs(v, &used, &n_used);
	if (e < 0) {
		*ret_err = vp_strdup_printf("cannot list the other domains' devices: %s", vp_virt_error(v));
		return e;
	}
	for (size_t i = 0; i < n_used && e == 0; i++)
		for (size_t j = 0; j < n; j++)
			if (!streq(used[i].domain, domain) && streq(used[i].addr, hds[j].addr)) {
				*ret_err = vp_strdup_printf("%s is already assigned to domain '%s'%s; detach it there first",
							    hds[j].addr, used[i].domain, used[i].running ? " (running)" : "");
				e = -EBUSY;
				break;
			}
	vp_virt_hostdevs_free(used, n_used);
	if (e < 0)
		return e;
	e = vp_domain_xml_add_hostdevs(old, hds, n, &new_xml, ret_err);
	if (e == -EEXIST) {
		char *m = vp_strdup_printf("domain '%s' %s; nothing added", domain, *ret_err);
		free(*ret_err);
		*ret_err = m;
		return e;
	}
	if (e < 0) {
		if (!*ret_err)
			*ret_err = vp_strdup_printf("the XML of domain '%s' could not be edited", domain);
		return e == -EINVAL ? -EIO : e;
	}
	e = v->ops->define_xml(v, new_xml);
	if (e < 0) {
		*ret_err = vp_strdup_printf("libvirt refused the new definition: %s", vp_virt_error(v));
		return -EINVAL;
	}
	if (live && v->ops->is_active(v, domain) == 1) {
		size_t done = 0;
		for (; done < n; done++) {
			_cleanup_free_ char *dx = vp_hostdev_format(&hds[done], 0);
			e = dx ? v->ops->attach_live(v, domain, dx) : -ENOMEM;
			if (e < 0)
				break;
		}
		if (e < 0) {
			_cleanup_free_ char *why = strdup(vp_virt_error(v));
			bool restored = true;
			while (done-- > 0) {
				_cleanup_free_ char *dx = vp_hostdev_format(&hds[done], 0);
				if (!dx || v->ops->detach_live(v, domain, dx) < 0)
					restored = false;
			}
			if (v->ops->define_xml(v, old) < 0)
				restored = false;
			*ret_err = vp_strdup_printf("hot-plug into running domain '%s' failed: %s; %s", domain,
						    why ? why : "?",
						    restored ? "the previous definition was restored"
							     : "restoring the previous definition failed too");
			return restored ? e : -ENOTRECOVERABLE;
		}
		*ret_live = true;
	}
	char **added = NULL;
	for (size_t i = 0; i < n; i++)
		vp_strv_push(&added, hds[i].addr);
	if (!added)
		added = calloc(1, sizeof(char *));
	*ret_added = added;
	return 0;
}

int vp_domain_detach(struct vp_virt *v, const char *domain, char *const *addrs, bool live, char ***ret_removed,
		     bool *ret_live, char **ret_err)
{
	*ret_err = NULL;
	*ret_live = false;
	_cleanup_free_ char *old = NULL, *new_xml = NULL;
	int e = v->ops->get_xml(v, domain, true, &old);
	if (e < 0) {
		*ret_err = strdup(vp_virt_error(v));
		return e;
	}
	char **removed = NULL, **removed_xml = NULL;
	e = vp_domain_xml_remove_hostdevs(old, addrs, &new_xml, &removed, &removed_xml);
	if (e < 0) {
		*ret_err = vp_strdup_printf("the XML of domain '%s' could not be edited", domain);
		return e == -EINVAL ? -EIO : e;
	}
	if (!removed[0]) {
		vp_strv_free(removed_xml);
		*ret_removed = removed;
		return 0;
	}
	size_t unplugged = 0;
	if (live && v->ops->is_active(v, domain) == 1) {
		for (; removed_xml[unplugged]; unplugged++)
			if ((e = v->ops->detach_live(v, domain, removed_xml[unplugged])) < 0)
				break;
		if (e < 0) {
			_cleanup_free_ char *why = strdup(vp_virt_error(v));
			bool restored = true;
			while (unplugged-- > 0)
				if (v->ops->attach_live(v, domain, removed_xml[unplugged]) < 0)
					restored = false;
			*ret_err = vp_strdup_printf("hot-unplug from running domain '%s' failed: %s; %s", domain,
						    why ? why : "?",
						    restored ? "the definition was left as it was"
							     : "re-plugging the devices failed too");
			vp_strv_free(removed);
			vp_strv_free(removed_xml);
			return restored ? e : -ENOTRECOVERABLE;
		}
		*ret_live = true;
	}
	vp_strv_free(removed_xml);
	e = v->ops->define_xml(v, new_xml);
	if (e < 0) {
		*ret_err = vp_strdup_printf("libvirt refused the new definition: %s", vp_virt_error(v));
		vp_strv_free(removed);
		return -EINVAL;
	}
	*ret_removed = removed;
	return 0;
}

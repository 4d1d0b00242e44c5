/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scheduler configuration for the cards handed over (see export.h). */
#include "export.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"
#include "util.h"

int vp_export_kind_from_string(const char *s, enum vp_export_kind *ret)
{
	static const char *const names[] = { "kubevirt", "nova", "proxmox" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (s && streq(s, names[i])) {
			*ret = (enum vp_export_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* The vendor's DNS domain for Kubernetes resource names, as the vendors' own device plugins use them. */
static const char *vendor_domain(int vendor)
{
	switch (vendor) {
	case 0x10de: return "nvidia.com";
	case 0x1002: case 0x1022: return "amd.com";
	case 0x8086: return "intel.com";
	case 0x15b3: return "nvidia.com"; /* Mellanox, now NVIDIA networking */
	case 0x1af4: case 0x1b36: return "redhat.com";
	case 0x1ae0: return "google.com";
	case 0x1d0f: return "amazon.com";
	case 0x1414: return "microsoft.com";
	case 0x14e4: return "broadcom.com";
	default: return NULL;
	}
}

/* Keeps letters and digits, turns runs of anything else into one sep; brackets vanish. */
static char *sanitize(const char *s, char sep, bool lower, size_t max)
{
	struct vp_buf b = { 0 };
	bool pending = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '[' || *p == ']' || *p == '(' || *p == ')')
			continue;
		if (isalnum(*p) && *p < 0x80) {
			if (pending && b.len)
				vp_buf_append(&b, &sep, 1);
			pending = false;
			char c = lower ? (char)tolower(*p) : (char)*p;
			vp_buf_append(&b, &c, 1);
		} else
			pending = true;
	}
	char *r = vp_buf_steal(&b);
	if (!r)
		return strdup("");
	if (strlen(r) > max) {
		r[max] = '\0';
		size_t n = strlen(r);
		while (n && !isalnum((unsigned char)r[n - 1]))
			r[--n] = '\0';
	}
	return r;
}

static char *id_name(const struct vp_pci_dev *d, char sep, bool lower, size_t max)
{
	if (d->device_name && *d->device_name) {
		char *n = sanitize(d->device_name, sep, lower, max);
		if (n && *n && isalpha((unsigned char)n[0]))
			return n;
		/* "3090 ..." must start with a letter in Proxmox ids: prefix the vendor id */
		char *p = n && *n ? vp_strdup_printf("%s%c%04x%c%s", lower ? "pci" : "PCI", sep, d->vendor & 0xffff, sep, n) : NULL;
		free(n);
		if (p)
			return p;
	}
	return vp_strdup_printf("%s%c%04x%c%04x", lower ? "pci" : "PCI", sep, d->vendor & 0xffff, sep, d->device & 0xffff);
}

char *vp_export_resource_name(const struct vp_pci_dev *d)
{
	const char *dom = vendor_domain(d->vendor);
	_cleanup_free_ char *own = NULL;
	if (!dom) {
		/* An unlisted vendor: its first name word, as "xilinx.com" */
		_cleanup_free_ char *w = d->vendor_name ? sanitize(d->vendor_name, '\0', true, 30) : NULL;
		if (w && *w && d->vendor_name) {
			size_t n = strcspn(d->vendor_name, " ,.");
			_cleanup_free_ char *first = strndup(d->vendor_name, n);
			_cleanup_free_ char *s = first ? sanitize(first, '-', true, 30) : NULL;
			if (s && *s)
				own = vp_strdup_printf("%s.com", s);
		}
		if (!own)
			own = vp_strdup_printf("pci-%04x.vfio-pilot.io", d->vendor & 0xffff);
		dom = own;
	}
	_cleanup_free_ char *n = id_name(d, '_', false, 63);
	return vp_strdup_printf("%s/%s", dom, n);
}

static const char *device_type(const struct vp_pci_dev *d)
{
	if (d->physfn)
		return "type-VF";
	if (d->sriov_totalvfs > 0 && d->sriov_numvfs > 0)
		return "type-PF";
	return "type-PCI";
}

static bool on_vfio(const struct vp_pci_dev *d)
{
	return (d->driver && streq(d->driver, "vfio-pci")) || (d->driver_override && streq(d->driver_override, "vfio-pci"));
}

/* The functions to export: those of the selected cards, or of the handed-over set. */
static int select_fns(const struct vp_host *h, char *const *handed, const struct vp_export_opts *o, char ***ret,
		      char **err)
{
	_cleanup_strv_free_ char **addrs = NULL;
	if (o->devices && o->devices[0]) {
		for (size_t i = 0; o->devices[i]; i++) {
			char a[VP_PCI_ADDR_LEN];
			/* a virtual function stands alone: its slot holds its siblings, not its card */
			const struct vp_pci_dev *d = vp_pci_addr_parse(o->devices[i], a) == 0 ? vp_host_dev(h, a) : NULL;
			if (d && d->physfn) {
				if (!vp_strv_contains(addrs, d->addr))
					vp_strv_push(&addrs, d->addr);
				continue;
			}
			char *one[] = { o->devices[i], NULL };
			_cleanup_strv_free_ char **slots = NULL;
			int e = vp_select_cards(h, one, &slots, err);
			if (e < 0)
				return e;
			for (size_t s = 0; slots[s]; s++) {
				const struct vp_card *c = vp_host_card(h, slots[s]);
				for (size_t f = 0; c && f < c->n_devs; f++)
					if (!c->devs[f]->physfn && !vp_strv_contains(addrs, c->devs[f]->addr))
						vp_strv_push(&addrs, c->devs[f]->addr);
			}
		}
	} else {
		for (size_t i = 0; i < h->n_devs; i++) {
			const struct vp_pci_dev *d = &h->devs[i];
			if ((on_vfio(d) || vp_strv_contains(handed, d->addr)) && !vp_class_is_bridge(d->class_code))
				vp_strv_push(&addrs, d->addr);
		}
		if (!addrs) {
			*err = strdup("no device is handed over on this host (none on vfio-pci, none in an applied transaction); "
				      "name the cards (`vfio-pilot export KIND 01:00.0`) or hand them over with `vfio-pilot apply`");
			return -ENODATA;
		}
	}
	vp_strv_sort(addrs);
	*ret = TAKE_PTR(addrs);
	return 0;
}

static char *hex4(int v) { return vp_strdup_printf("%04x", v & 0xffff); }

static bool same_id(const struct vp_pci_dev *a, const struct vp_pci_dev *b)
{
	return a->vendor == b->vendor && a->device == b->device;
}

/* Other devices of this host with d's id that are not exported (they stay on the host). */
static size_t others_with_id(const struct vp_host *h, const struct vp_export *e, const struct vp_pci_dev *d)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n_devs; i++) {
		if (!same_id(&h->devs[i], d))
			continue;
		bool ours = false;
		for (size_t j = 0; j < e->n_fns && !ours; j++)
			ours = e->fns[j].dev == &h->devs[i];
		n += !ours;
	}
	return n;
}

/* ---- KubeVirt ---- */

static void build_kubevirt(const struct vp_host *h, struct vp_export *e, const struct vp_export_opts *o)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < e->n_fns; i++) {
		const struct vp_pci_dev *d = e->fns[i].dev;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = same_id(e->fns[j].dev, d);
		if (dup)
			continue;
		json_object *x = json_object_new_object();
		_cleanup_free_ char *sel = vp_strdup_printf("%04X:%04X", d->vendor & 0xffff, d->device & 0xffff);
		json_object_object_add(x, "pciVendorSelector", json_object_new_string(sel));
		json_object_object_add(x, "resourceName", json_object_new_string(e->fns[i].name));
		json_object_object_add(x, "externalResourceProvider", json_object_new_boolean(o->external_provider));
		json_object_array_add(list, x);
		size_t others = others_with_id(h, e, d);
		if (others)
			vp_strv_pushf(&e->notes, "%s matches %zu more device(s) with id %04x:%04x that stay on their host drivers; "
				      "KubeVirt offers only those bound to vfio-pci", sel, others, d->vendor & 0xffff,
				      d->device & 0xffff);
	}
	json_object *phd = json_object_new_object();
	json_object_object_add(phd, "pciHostDevices", list);
	json_object *conf = json_object_new_object();
	json_object_object_add(conf, "permittedHostDevices", phd);
	json_object *spec = json_object_new_object();
	json_object_object_add(spec, "configuration", conf);
	json_object *cr = json_object_new_object();
	if (!o->patch) {
		json_object_object_add(cr, "apiVersion", json_object_new_string("kubevirt.io/v1"));
		json_object_object_add(cr, "kind", json_object_new_string("KubeVirt"));
		json_object *md = json_object_new_object();
		json_object_object_add(md, "name", json_object_new_string("kubevirt"));
		json_object_object_add(md, "namespace", json_object_new_string("kubevirt"));
		json_object_object_add(cr, "metadata", md);
	}
	json_object_object_add(cr, "spec", spec);
	e->config = cr;
	if (o->patch)
		vp_strv_pushf(&e->notes, "apply with `kubectl patch kubevirt kubevirt -n kubevirt --type merge --patch-file FILE`; "
			      "a merge patch replaces the whole pciHostDevices list, so include the entries of every node");
	else
		vp_strv_pushf(&e->notes, "merge this into the KubeVirt CR (`kubectl edit kubevirt kubevirt -n kubevirt`) rather "
			      "than replacing it: it carries only the permitted host devices");
	vp_strv_pushf(&e->notes, "KubeVirt releases that still gate host devices also need HostDevices in "
		      "spec.configuration.developerConfiguration.featureGates");
	vp_strv_pushf(&e->notes, "a VirtualMachine asks for a device with spec.template.spec.domain.devices.hostDevices: "
		      "[{name: gpu1, deviceName: %s}]", e->fns[0].name);
}

/* A minimal YAML writer: block maps and sequences, scalars as JSON (a valid YAML subset). */
static void yaml_write(struct vp_buf *b, json_object *v, int indent, bool in_seq)
{
	if (json_object_is_type(v, json_type_object)) {
		bool first = true;
		json_object_object_foreach(v, key, val) {
			if (!(first && in_seq))
				vp_buf_printf(b, "%*s", indent, "");
			first = false;
			vp_buf_printf(b, "%s:", key);
			bool nested = (json_object_is_type(val, json_type_object) && json_object_object_length(val) > 0) ||
				      (json_object_is_type(val, json_type_array) && json_object_array_length(val) > 0);
			if (nested) {
				vp_buf_puts(b, "\n");
				yaml_write(b, val, indent + 2, false);
			} else {
				vp_buf_puts(b, " ");
				yaml_write(b, val, 0, false);
			}
		}
		if (first)
			vp_buf_puts(b, "{}\n");
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (!n)
			vp_buf_puts(b, "[]\n");
		for (size_t i = 0; i < n; i++) {
			vp_buf_printf(b, "%*s- ", indent, "");
			yaml_write(b, json_object_array_get_idx(v, i), indent + 2, true);
		}
	} else {
		vp_buf_printf(b, "%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

/* ---- OpenStack Nova ---- */

static void build_nova(const struct vp_host *h, struct vp_export *e)
{
	json_object *specs = json_object_new_array(), *aliases = json_object_new_array();
	struct vp_buf t = { 0 };
	vp_buf_puts(&t, "[pci]\n");
	for (size_t i = 0; i < e->n_fns; i++) {
		const struct vp_pci_dev *d = e->fns[i].dev;
		_cleanup_free_ char *v = hex4(d->vendor), *p = hex4(d->device);
		bool first_of_id = true;
		for (size_t j = 0; j < i && first_of_id; j++)
			first_of_id = !same_id(e->fns[j].dev, d);
		/* Identical devices that stay on the host: each spec names its address. */
		bool by_addr = others_with_id(h, e, d) > 0;
		if (by_addr || first_of_id) {
			json_object *s = json_object_new_object();
			json_object_object_add(s, "vendor_id", json_object_new_string(v));
			json_object_object_add(s, "product_id", json_object_new_string(p));
			if (by_addr)
				json_object_object_add(s, "address", json_object_new_string(d->addr));
			vp_buf_printf(&t, "# %s%s%s\ndevice_spec = %s\n", d->addr, d->device_name ? " " : "",
				      d->device_name ? d->device_name : "",
				      json_object_to_json_string_ext(s, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_array_add(specs, s);
		}
		if (!first_of_id)
			continue;
		json_object *a = json_object_new_object();
		json_object_object_add(a, "name", json_object_new_string(e->fns[i].name));
		json_object_object_add(a, "vendor_id", json_object_new_string(v));
		json_object_object_add(a, "product_id", json_object_new_string(p));
		json_object_object_add(a, "device_type", json_object_new_string(e->fns[i].device_type));
		vp_buf_printf(&t, "alias = %s\n",
			      json_object_to_json_string_ext(a, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_array_add(aliases, a);
	}
	json_object *pci = json_object_new_object();
	json_object_object_add(pci, "device_spec", specs);
	json_object_object_add(pci, "alias", aliases);
	e->config = json_object_new_object();
	json_object_object_add(e->config, "pci", pci);
	e->text = vp_buf_steal(&t);
	vp_strv_pushf(&e->notes, "device_spec goes into nova.conf on this compute node; alias into nova.conf of the API and "
		      "compute services alike");
	vp_strv_pushf(&e->notes, "add PciPassthroughFilter to [filter_scheduler] enabled_filters, and give the flavor "
		      "--property \"pci_passthrough:alias\"=\"%s:1\"", e->fns[0].name);
}

/* ---- Proxmox VE ---- */

static char *node_name(struct vp_root *root, const char *given)
{
	if (given)
		return strdup(given);
	char *n = NULL;
	if (vp_root_read_str(root, "etc/hostname", &n) >= 0 && n && *n) {
		n[strcspn(n, ". \t\n")] = '\0';
		if (*n)
			return n;
	}
	free(n);
	if (vp_root_read_str(root, "proc/sys/kernel/hostname", &n) >= 0 && n && *n) {
		n[strcspn(n, ". \t\n")] = '\0';
		if (*n)
			return n;
	}
	free(n);
	return NULL;
}

/* All functions of d's slot are exported: the mapping can name the slot ("0000:01:00"). */
static bool whole_slot(const struct vp_host *h, const struct vp_export *e, const struct vp_pci_dev *d)
{
	for (size_t i = 0; i < h->n_devs; i++) {
		if (!streq(h->devs[i].slot, d->slot))
			continue;
		bool ours = false;
		for (size_t j = 0; j < e->n_fns && !ours; j++)
			ours = e->fns[j].dev == &h->devs[i];
		if (!ours)
			return false;
	}
	return true;
}

struct pve_map {
	const struct vp_pci_dev *first; /* id, subsystem-id and group come from it */
	char *name;
	char **paths;
	bool slot;
};

static void build_proxmox(struct vp_root *root, const struct vp_host *h, struct vp_export *e, const struct vp_export_opts *o)
{
	_cleanup_free_ char *node = node_name(root, o->node);
	if (!node) {
		node = strdup("NODE");
		vp_strv_pushf(&e->notes, "this host's name is unknown (no /etc/hostname): replace NODE, or give --node NAME");
	}
	struct pve_map *maps = NULL;
	size_t n = 0;
	for (size_t i = 0; i < e->n_fns; i++) {
		const struct vp_pci_dev *d = e->fns[i].dev;
		bool slot = !d->physfn && whole_slot(h, e, d);
		if (slot && d->func != 0)
			continue; /* the slot's mapping is made from function 0 */
		_cleanup_free_ char *path = slot ? strdup(d->slot) : strdup(d->addr);
		/* identical cards (or VFs) form one mapping: a pool, the first free path is used */
		struct pve_map *m = NULL;
		for (size_t j = 0; j < n && !m; j++)
			if (same_id(maps[j].first, d) && maps[j].slot == slot &&
			    maps[j].first->subsys_vendor == d->subsys_vendor && maps[j].first->subsys_device == d->subsys_device)
				m = &maps[j];
		if (!m) {
			struct pve_map *nm = realloc(maps, (n + 1) * sizeof(*maps));
			if (!nm)
				break;
			maps = nm;
			m = &maps[n++];
			*m = (struct pve_map){ .first = d, .slot = slot };
			_cleanup_free_ char *base = id_name(d, '-', true, 40);
			m->name = strdup(base);
			for (size_t k = 0, suffix = 2; k + 1 < n; k++)
				if (streq(maps[k].name, m->name)) {
					free(m->name);
					m->name = vp_strdup_printf("%s-%zu", base, suffix++);
					k = (size_t)-1;
				}
		}
		vp_strv_push(&m->paths, path);
	}
	json_object *arr = json_object_new_array();
	struct vp_buf t = { 0 };
	for (size_t i = 0; i < n; i++) {
		const struct vp_pci_dev *d = maps[i].first;
		_cleanup_free_ char *paths = vp_strv_join(maps[i].paths, ";");
		_cleanup_free_ char *id = vp_strdup_printf("%04x:%04x", d->vendor & 0xffff, d->device & 0xffff);
		_cleanup_free_ char *sub = d->subsys_vendor >= 0 && d->subsys_device >= 0 ?
			vp_strdup_printf("%04x:%04x", d->subsys_vendor, d->subsys_device) : NULL;
		struct vp_buf map = { 0 };
		vp_buf_printf(&map, "node=%s,path=%s,id=%s", node, paths, id);
		if (d->iommu_group >= 0)
			vp_buf_printf(&map, ",iommugroup=%d", d->iommu_group);
		if (sub)
			vp_buf_printf(&map, ",subsystem-id=%s", sub);
		json_object *m = json_object_new_object();
		json_object_object_add(m, "id", json_object_new_string(maps[i].name));
		if (d->device_name)
			json_object_object_add(m, "description", json_object_new_string(d->device_name));
		json_object *entry = json_object_new_object();
		json_object_object_add(entry, "node", json_object_new_string(node));
		json_object_object_add(entry, "path", json_object_new_string(paths));
		json_object_object_add(entry, "id", json_object_new_string(id));
		if (d->iommu_group >= 0)
			json_object_object_add(entry, "iommugroup", json_object_new_int(d->iommu_group));
		if (sub)
			json_object_object_add(entry, "subsystem-id", json_object_new_string(sub));
		json_object *ml = json_object_new_array();
		json_object_array_add(ml, entry);
		json_object_object_add(m, "map", ml);
		json_object_array_add(arr, m);
		vp_buf_printf(&t, "%s%s\n", i ? "\n" : "", maps[i].name);
		if (d->device_name) {
			_cleanup_free_ char *desc = strdup(d->device_name);
			for (char *c = desc; c && *c; c++)
				if (*c == '\n' || *c == '\t')
					*c = ' ';
			vp_buf_printf(&t, "\tdescription %s\n", desc ? desc : "");
		}
		vp_buf_printf(&t, "\tmap %s\n", map.data);
		vp_buf_free(&map);
		if (d->iommu_group < 0)
			vp_strv_pushf(&e->notes, "%s is in no IOMMU group on this host: Proxmox will refuse the mapping until the "
				      "IOMMU is active", d->addr);
		free(maps[i].name);
		vp_strv_free(maps[i].paths);
	}
	free(maps);
	e->config = json_object_new_object();
	json_object_object_add(e->config, "pci", arr);
	e->text = vp_buf_steal(&t);
	vp_strv_pushf(&e->notes, "append to /etc/pve/mapping/pci.cfg, or create each mapping with `pvesh create "
		      "/cluster/mapping/pci --id NAME --map MAP`; other nodes add their own map lines to the same ids");
}

int vp_export_build(struct vp_root *root, const struct vp_host *h, char *const *handed, const struct vp_export_opts *o,
		    struct vp_export **ret, char **ret_err)
{
	*ret_err = NULL;
	_cleanup_strv_free_ char **addrs = NULL;
	int r = select_fns(h, handed, o, &addrs, ret_err);
	if (r < 0)
		return r;
	_cleanup_(vp_export_freep) struct vp_export *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->kind = o->kind;
	_cleanup_strv_free_ char **not_vfio = NULL;
	e->fns = calloc(vp_strv_len(addrs) + 1, sizeof(*e->fns));
	if (!e->fns)
		return -ENOMEM;
	for (size_t i = 0; addrs[i]; i++) {
		struct vp_export_fn *f = &e->fns[e->n_fns++];
		f->dev = vp_host_dev(h, addrs[i]);
		f->device_type = device_type(f->dev);
		switch (o->kind) {
		case VP_EXPORT_KUBEVIRT: f->name = vp_export_resource_name(f->dev); break;
		case VP_EXPORT_NOVA: f->name = id_name(f->dev, '-', true, 60); break;
		case VP_EXPORT_PROXMOX: f->name = id_name(f->dev, '-', true, 40); break;
		}
		if (!f->name)
			return -ENOMEM;
		if (f->dev->iommu_group >= 0) {
			const struct vp_group *g = vp_host_group(h, f->dev->iommu_group);
			if (g && !g->isolated)
				vp_strv_pushf(&e->notes, "%s shares IOMMU group %d with devices outside its card: the scheduler "
					      "can assign it only together with them", f->dev->addr, g->id);
		}
		if (!on_vfio(f->dev))
			vp_strv_pushf(&not_vfio, "%s (%s)", f->dev->addr, f->dev->driver ? f->dev->driver : "no driver");
	}
	if (not_vfio) {
		_cleanup_free_ char *l = vp_strv_join(not_vfio, ", ");
		vp_strv_pushf(&e->notes, "not on vfio-pci yet: %s; the scheduler can assign them only once they are: hand "
			      "them over first (`vfio-pilot apply`, then reboot)", l);
	}
	switch (o->kind) {
	case VP_EXPORT_KUBEVIRT:
		build_kubevirt(h, e, o);
		if (o->yaml) {
			struct vp_buf t = { 0 };
			vp_buf_puts(&t, "---\n");
			yaml_write(&t, e->config, 0, false);
			e->text = vp_buf_steal(&t);
		} else
			e->text = vp_strdup_printf("%s\n", json_object_to_json_string_ext(e->config, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		break;
	case VP_EXPORT_NOVA: build_nova(h, e); break;
	case VP_EXPORT_PROXMOX: build_proxmox(root, h, e, o); break;
	}
	if (!e->config || !e->text)
		return -ENOMEM;
	if (!e->notes && !(e->notes = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = TAKE_PTR(e);
	return 0;
}

struct vp_export *vp_export_free(struct vp_export *e)
{
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n_fns; i++)
		free(e->fns[i].name);
	free(e->fns);
	json_object_put(e->config);
	free(e->text);
	vp_strv_free(e->notes);
	free(e);
	return NULL;
}

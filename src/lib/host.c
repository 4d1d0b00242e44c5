/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Builds the host model (host.h) from the root: PCI devices, IOMMU groups and
 * units, cards, /proc facts, os-release and module state. Uses root.c for all
 * I/O, names.c for pci.ids and modules.c for libkmod; never prints.
 */
#include "host.h"

#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "names.h"
#include "util.h"

const char *const vp_host_inputs[] = {
	"proc/cmdline",
	"proc/cpuinfo",
	"proc/interrupts",
	"proc/modules",
	"proc/sys/kernel/osrelease",
	"etc/os-release",
	"usr/lib/os-release",
	"dev/kvm",
	"run/ostree-booted",
	"sys/class/iommu/**",
	"sys/kernel/iommu_groups/**",
	"sys/bus/pci/devices/**",
	"sys/bus/pci/drivers/**",
	"sys/module/vfio_pci/**",
	"sys/module/vfio_iommu_type1/**",
	"lib/modules/$KVER/modules.*",
	"usr/lib/modules/$KVER/modules.*",
	"boot/config-$KVER",
	"usr/bin/virsh",
	"usr/sbin/libvirtd",
	"usr/sbin/virtqemud",
	NULL,
};

/* Attributes read from each sys/bus/pci/devices/ADDR/ directory. */
const char *const vp_pci_dev_attrs[] = {
	"vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision",
	"driver_override", "boot_vga", "reset_method", "sriov_totalvfs", "sriov_numvfs",
	"numa_node", "driver", "iommu_group", "physfn", "mdev_supported_types", NULL,
};

static int note(struct vp_host *h, const char *rel, const char *why)
{
	return vp_strv_push_take(&h->notes, vp_strdup_printf("/%s: %s", rel, why));
}

static const char *errno_word(int e)
{
	switch (e) {
	case -EFBIG: return "file too large, treated as unknown";
	case -ELOOP: return "symlink loop, treated as unknown";
	case -EINVAL: return "invalid content, treated as unknown";
	case -ERANGE: return "value out of range, treated as unknown";
	case -EISDIR: return "a directory where a file was expected, treated as unknown";
	default: return "unreadable, treated as unknown";
	}
}

/* Reads an optional hex attribute: absent -> -1 silently; garbage -> -1 and a note. */
static int read_hex_opt(struct vp_host *h, struct vp_root *root, const char *dir, const char *attr, uint64_t max)
{
	char rel[512];
	uint64_t v;
	snprintf(rel, sizeof(rel), "%s/%s", dir, attr);
	int e = vp_root_read_hex(root, rel, max, &v);
	if (e == -ENOENT)
		return -1;
	if (e < 0) {
		note(h, rel, errno_word(e));
		return -1;
	}
	return (int)v;
}

static int read_uint_opt(struct vp_host *h, struct vp_root *root, const char *dir, const char *attr, uint64_t max)
{
	char rel[512];
	uint64_t v;
	snprintf(rel, sizeof(rel), "%s/%s", dir, attr);
	int e = vp_root_read_uint(root, rel, max, &v);
	if (e == -ENOENT)
		return -1;
	if (e < 0) {
		note(h, rel, errno_word(e));
		return -1;
	}
	return (int)v;
}

static char *read_str_opt(struct vp_host *h, struct vp_root *root, const char *rel)
{
	char *s = NULL;
	int e = vp_root_read_str(root, rel, &s);
	if (e < 0 && e != -ENOENT && e != -ENOTDIR)
		note(h, rel, errno_word(e));
	return e < 0 ? NULL : s;
}

static int parse_group_id(const char *s)
{
	uint64_t v;
	if (vp_parse_uint(s, 0x7fffffff, &v) < 0)
		return -1;
	return (int)v;
}

static void load_mdev_types(struct vp_host *h, struct vp_root *root, const char *dir, struct vp_pci_dev *d)
{
	char rel[512];
	_cleanup_strv_free_ char **types = NULL;
	snprintf(rel, sizeof(rel), "%s/mdev_supported_types", dir);
	if (vp_root_list(root, rel, &types) < 0 || !types[0])
		return;
	size_t n = vp_strv_len(types);
	d->mdev_types = calloc(n, sizeof(*d->mdev_types));
	if (!d->mdev_types)
		return;
	for (size_t i = 0; i < n; i++) {
		struct vp_mdev_type *t = &d->mdev_types[d->n_mdev_types++];
		char tdir[600];
		snprintf(tdir, sizeof(tdir), "%s/%s", rel, types[i]);
		t->id = strdup(types[i]);
		char f[700];
		snprintf(f, sizeof(f), "%s/name", tdir);
		t->name = read_str_opt(h, root, f);
		snprintf(f, sizeof(f), "%s/description", tdir);
		t->description = read_str_opt(h, root, f);
		snprintf(f, sizeof(f), "%s/device_api", tdir);
		t->device_api = read_str_opt(h, root, f);
		t->available_instances = read_uint_opt(h, root, tdir, "available_instances", 0x7fffffff);
	}
}

/* Parent bridge: the path component before the device in the devices/ link target. */
static char *parent_of(struct vp_root *root, const char *rel)
{
	_cleanup_free_ char *t = NULL;
	if (vp_root_read_link(root, rel, &t) < 0)
		return NULL;
	char *last = strrchr(t, '/');
	if (!last)
		return NULL;
	*last = 0;
	char *prev = strrchr(t, '/');
	prev = prev ? prev + 1 : t;
	char addr[VP_PCI_ADDR_LEN];
	if (vp_pci_addr_parse(prev, addr) < 0 || !streq(addr, prev))
		return NULL;
	return strdup(addr);
}

static int load_dev(struct vp_host *h, struct vp_root *root, const char *name, struct vp_pci_dev *d)
{
	char dir[300], rel[400];
	snprintf(dir, sizeof(dir), "sys/bus/pci/devices/%s", name);
	memcpy(d->addr, name, sizeof(d->addr));
	sscanf(name, "%x:%x:%x.%x", &d->domain, &d->bus, &d->dev, &d->func);
	snprintf(d->slot, sizeof(d->slot), "%.10s", name);
	d->card = -1;

	d->vendor = read_hex_opt(h, root, dir, "vendor", 0xffff);
	d->device = read_hex_opt(h, root, dir, "device", 0xffff);
	d->subsys_vendor = read_hex_opt(h, root, dir, "subsystem_vendor", 0xffff);
	d->subsys_device = read_hex_opt(h, root, dir, "subsystem_device", 0xffff);
	d->class_code = read_hex_opt(h, root, dir, "class", 0xffffff);
	d->revision = read_hex_opt(h, root, dir, "revision", 0xff);
	d->sriov_totalvfs = read_uint_opt(h, root, dir, "sriov_totalvfs", 0xffff);
	d->sriov_numvfs = read_uint_opt(h, root, dir, "sriov_numvfs", 0xffff);
	d->numa_node = -1;
	d->boot_vga = read_uint_opt(h, root, dir, "boot_vga", 1);

	snprintf(rel, sizeof(rel), "%s/driver_override", dir);
	d->driver_override = read_str_opt(h, root, rel);
	if (d->driver_override && (streq(d->driver_override, "(null)") || !*d->driver_override))
		d->driver_override = (free(d->driver_override), NULL);

	snprintf(rel, sizeof(rel), "%s/reset_method", dir);
	_cleanup_free_ char *rm = read_str_opt(h, root, rel);
	if (rm)
		vp_strv_split(rm, " \t", &d->reset_methods);

	snprintf(rel, sizeof(rel), "%s/driver", dir);
	int e = vp_root_link_basename(root, rel, &d->driver);
	if (e == 0 || e == -ENOENT)
		d->driver_known = true;
	else
		note(h, rel, errno_word(e));

	snprintf(rel, sizeof(rel), "%s/iommu_group", dir);
	_cleanup_free_ char *g = NULL;
	d->iommu_group = -1;
	e = vp_root_link_basename(root, rel, &g);
	if (e == 0) {
		d->iommu_group = parse_group_id(g);
		if (d->iommu_group < 0)
			note(h, rel, "invalid group link, treated as unknown");
	} else if (e != -ENOENT) {
		note(h, rel, errno_word(e));
	}

	snprintf(rel, sizeof(rel), "%s/physfn", dir);
	_cleanup_free_ char *pf = NULL;
	char pfaddr[VP_PCI_ADDR_LEN];
	if (vp_root_link_basename(root, rel, &pf) == 0 && vp_pci_addr_parse(pf, pfaddr) == 0)
		d->physfn = strdup(pfaddr);

	d->parent = parent_of(root, dir);
	load_mdev_types(h, root, dir, d);
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct vp_pci_dev *)a)->addr, ((const struct vp_pci_dev *)b)->addr);
}

static int load_devices(struct vp_host *h, struct vp_root *root)
{
	_cleanup_strv_free_ char **names = NULL;
	int e = vp_root_list(root, "sys/bus/pci/devices", &names);
	if (e == -ENOENT)
		return 0;
	if (e < 0)
		return e;
	size_t n = vp_strv_len(names);
	h->devs = calloc(n ? n : 1, sizeof(*h->devs));
	if (!h->devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char addr[VP_PCI_ADDR_LEN];
		if (vp_pci_addr_parse(names[i], addr) < 0 || !streq(addr, names[i])) {
			char rel[300];
			snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", names[i]);
			note(h, rel, "not a PCI address, ignored");
			continue;
		}
		load_dev(h, root, names[i], &h->devs[h->n_devs++]);
	}
	qsort(h->devs, h->n_devs, sizeof(*h->devs), cmp_dev);
	return 0;
}

static struct vp_pci_dev *find_dev(const struct vp_host *h, const char *addr)
{
	struct vp_pci_dev key;
	snprintf(key.addr, sizeof(key.addr), "%s", addr);
	return bsearch(&key, h->devs, h->n_devs, sizeof(*h->devs), cmp_dev);
}

static int cmp_group(const void *a, const void *b)
{
	return ((const struct vp_group *)a)->id - ((const struct vp_group *)b)->id;
}

static int load_groups(struct vp_host *h, struct vp_root *root)
{
	_cleanup_strv_free_ char **ids = NULL;
	int e = vp_root_list(root, "sys/kernel/iommu_groups", &ids);
	if (e == -ENOENT || e == -ENOTDIR)
		return 0;
	if (e < 0) {
		note(h, "sys/kernel/iommu_groups", errno_word(e));
		return 0;
	}
	h->groups_dir = true;
	size_t n = vp_strv_len(ids);
	h->groups = calloc(n ? n : 1, sizeof(*h->groups));
	if (!h->groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char rel[300];
		int id = parse_group_id(ids[i]);
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%s", ids[i]);
		if (id < 0) {
			note(h, rel, "not a group number, ignored");
			continue;
		}
		struct vp_group *g = &h->groups[h->n_groups++];
		g->id = id;
		g->card = -1;
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%s/type", ids[i]);
		g->type = read_str_opt(h, root, rel);
		_cleanup_strv_free_ char **members = NULL;
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%s/devices", ids[i]);
		e = vp_root_list(root, rel, &members);
		if (e < 0) {
			note(h, rel, errno_word(e));
			continue;
		}
		g->devs = calloc(vp_strv_len(members) + 1, sizeof(*g->devs));
		if (!g->devs)
			return -ENOMEM;
		for (size_t j = 0; members[j]; j++) {
			struct vp_pci_dev *d = find_dev(h, members[j]);
			if (d)
				g->devs[g->n_devs++] = d; /* non-PCI members (platform devices) are skipped */
		}
	}
	qsort(h->groups, h->n_groups, sizeof(*h->groups), cmp_group);
	return 0;
}


/* Devices are sorted by address, so the functions of one slot are adjacent. */
static int build_cards(struct vp_host *h)
{
	h->cards = calloc(h->n_devs ? h->n_devs : 1, sizeof(*h->cards));
	if (!h->cards)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_devs;) {
		size_t j = i;
		while (j < h->n_devs && streq(h->devs[j].slot, h->devs[i].slot))
			j++;
		/* Function 0's vendor defines the card; without function 0, the lowest function's. */
		int vendor = h->devs[i].vendor;
		struct vp_card *c = &h->cards[h->n_cards];
		memcpy(c->slot, h->devs[i].slot, sizeof(c->slot));
		c->vendor = vendor;
		c->devs = calloc(j - i, sizeof(*c->devs));
		if (!c->devs)
			return -ENOMEM;
		for (size_t k = i; k < j; k++) {
			struct vp_pci_dev *d = &h->devs[k];
			if (d->vendor != vendor || vendor < 0 || vp_class_is_bridge(d->class_code))
				continue;
			d->card = (int)h->n_cards;
			c->devs[c->n_devs++] = d;
			if (vp_class_is_display(d->class_code))
				c->display = true;
			if (d->boot_vga == 1)
				c->boot_vga = true;
		}
		if (c->n_devs)
			h->n_cards++;
		else
			free(c->devs);
		i = j;
	}
	return 0;
}

static void judge_groups(struct vp_host *h)
{
	for (size_t i = 0; i < h->n_groups; i++) {
		struct vp_group *g = &h->groups[i];
		g->viable = true;
		int card = -1;
		bool one_card = true, any = false;
		for (size_t j = 0; j < g->n_devs; j++) {
			const struct vp_pci_dev *d = g->devs[j];
			if (!d->driver_known || (d->driver && !vp_driver_is_dma_safe(d->driver)))
				g->viable = false;
			if (vp_class_is_bridge(d->class_code))
				continue;
			any = true;
			if (d->card < 0 || (card >= 0 && d->card != card))
				one_card = false;
			card = d->card;
		}
		g->isolated = any && one_card;
		g->card = g->isolated ? card : -1;
	}
}

static void parse_cpuinfo(struct vp_host *h, const char *s)
{
	for (const char *line = s; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *colon = memchr(line, ':', len);
		if (colon) {
			size_t klen = (size_t)(colon - line);
			while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
				klen--;
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - line);
			if (klen == 9 && !strncmp(line, "vendor_id", 9) && h->cpu_vendor == VP_CPU_UNKNOWN) {
				if (vlen == 12 && !strncmp(v, "GenuineIntel", 12))
					h->cpu_vendor = VP_CPU_INTEL;
				else if (vlen == 12 && !strncmp(v, "AuthenticAMD", 12))
					h->cpu_vendor = VP_CPU_AMD;
				else
					h->cpu_vendor = VP_CPU_OTHER;
			} else if (klen == 10 && !strncmp(line, "model name", 10) && !h->cpu_model) {
				h->cpu_model = strndup(v, vlen);
			} else if (klen == 5 && !strncmp(line, "flags", 5) && h->cpu_vmx == VP_TRI_UNKNOWN) {
				_cleanup_free_ char *flags = strndup(v, vlen);
				_cleanup_strv_free_ char **fv = NULL;
				if (flags && vp_strv_split(flags, " \t", &fv) == 0) {
					h->cpu_vmx = vp_strv_contains(fv, "vmx") ? VP_TRI_YES : VP_TRI_NO;
					h->cpu_svm = vp_strv_contains(fv, "svm") ? VP_TRI_YES : VP_TRI_NO;
					h->cpu_hypervisor = vp_strv_contains(fv, "hypervisor") ? VP_TRI_YES : VP_TRI_NO;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

static char *unquote(const char *v, size_t n)
{
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	return strndup(v, n);
}

static void parse_os_release(struct vp_host *h, const char *s)
{
	struct { const char *key; char **dst; } keys[] = {
		{ "ID", &h->os.id }, { "ID_LIKE", &h->os.id_like }, { "VERSION_ID", &h->os.version_id },
		{ "NAME", &h->os.name }, { "PRETTY_NAME", &h->os.pretty_name }, { "VARIANT_ID", &h->os.variant_id },
	};
	for (const char *line = s; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *eq = memchr(line, '=', len);
		for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i].key);
			if ((size_t)(eq - line) == kl && !strncmp(line, keys[i].key, kl) && !*keys[i].dst)
				*keys[i].dst = unquote(eq + 1, len - kl - 1);
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void load_proc(struct vp_host *h, struct vp_root *root)
{
	h->kernel_release = read_str_opt(h, root, "proc/sys/kernel/osrelease");
	h->cmdline = read_str_opt(h, root, "proc/cmdline");
	if (h->cmdline)
		vp_strv_split(h->cmdline, " \t\n", &h->cmdline_words);

	char *buf = NULL;
	int e = vp_root_read_file(root, "proc/cpuinfo", 64u << 20, &buf, NULL);
	if (e == 0)
		parse_cpuinfo(h, buf);
	else if (e != -ENOENT)
		note(h, "proc/cpuinfo", errno_word(e));
	free(buf);

	buf = NULL;
	e = vp_root_read_file(root, "proc/interrupts", 64u << 20, &buf, NULL);
	if (e == 0)
		h->irq_remapping = strstr(buf, " IR-") || strstr(buf, "\tIR-") ? VP_TRI_YES : VP_TRI_NO;
	else if (e != -ENOENT)
		note(h, "proc/interrupts", errno_word(e));
	free(buf);

	buf = NULL;
	e = vp_root_read_file(root, "etc/os-release", 1u << 20, &buf, NULL);
	if (e == -ENOENT)
		e = vp_root_read_file(root, "usr/lib/os-release", 1u << 20, &buf, NULL);
	if (e == 0)
		parse_os_release(h, buf);
	else if (e != -ENOENT)
		note(h, "etc/os-release", errno_word(e));
	free(buf);
}

static void load_iommu_units(struct vp_host *h, struct vp_root *root)
{
	int e = vp_root_list(root, "sys/class/iommu", &h->iommu_units);
	if (e < 0 && e != -ENOENT)
		note(h, "sys/class/iommu", errno_word(e));
	for (size_t i = 0; h->iommu_units && h->iommu_units[i]; i++) {
		const char *u = h->iommu_units[i];
		enum vp_iommu_vendor v = vp_startswith(u, "dmar") ? VP_IOMMU_INTEL
				       : vp_startswith(u, "ivhd") ? VP_IOMMU_AMD : VP_IOMMU_OTHER;
		if (h->iommu_vendor == VP_IOMMU_NONE || h->iommu_vendor == VP_IOMMU_OTHER)
			h->iommu_vendor = v;
	}
}

/* Debian patches in CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF; Fedora leaves DEFAULT_ON unset. */
static void load_kernel_config(struct vp_host *h, struct vp_root *root)
{
	h->intel_iommu_default_on = VP_TRI_UNKNOWN;
	if (!h->kernel_release || strchr(h->kernel_release, '/'))
		return;
	char rel[300];
	_cleanup_free_ char *buf = NULL;
	snprintf(rel, sizeof(rel), "boot/config-%s", h->kernel_release);
	if (vp_root_read_file(root, rel, 16u << 20, &buf, NULL) < 0)
		return;
	if (strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y") || strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y"))
		h->intel_iommu_default_on = VP_TRI_YES;
	else if (strstr(buf, "CONFIG_INTEL_IOMMU=y"))
		h->intel_iommu_default_on = VP_TRI_NO;
}

static void load_misc(struct vp_host *h, struct vp_root *root, unsigned flags)
{
	load_kernel_config(h, root);
	h->kvm_dev = vp_root_exists(root, "dev/kvm") > 0;
	h->ostree_booted = vp_root_exists(root, "run/ostree-booted") > 0;
	static const char *const progs[] = { "usr/bin/virsh", "usr/sbin/libvirtd", "usr/sbin/virtqemud" };
	bool client = false, daemon = false;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (vp_root_exists(root, progs[i]) > 0) {
			vp_strv_push(&h->libvirt_programs, strrchr(progs[i], '/') + 1);
			if (i == 0)
				client = true;
			else
				daemon = true;
		}
	}
	h->libvirt_installed = client && daemon;

	h->vfio_pci_loaded = vp_root_exists(root, "sys/module/vfio_pci") > 0;
	_cleanup_free_ char *unsafe = read_str_opt(h, root, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
	h->unsafe_interrupts_param = unsafe && (streq(unsafe, "Y") || streq(unsafe, "1"));

	h->vfio_pci = VP_MOD_UNKNOWN;
	if ((flags & VP_HOST_MODULES) && h->kernel_release)
		h->vfio_pci = vp_module_state(root, h->kernel_release, "vfio-pci");
	if (h->vfio_pci_loaded && (h->vfio_pci == VP_MOD_UNKNOWN || h->vfio_pci == VP_MOD_MISSING))
		h->vfio_pci = VP_MOD_MODULE; /* loaded now, so it exists */
}

int vp_host_load(struct vp_root *root, unsigned flags, struct vp_host **ret)
{
	_cleanup_(vp_host_freep) struct vp_host *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cpu_vmx = h->cpu_svm = h->cpu_hypervisor = VP_TRI_UNKNOWN;
	h->irq_remapping = VP_TRI_UNKNOWN;

	struct stat st;
	int e = vp_root_stat(root, ".", &st);
	if (e < 0)
		return e;

	load_proc(h, root);
	load_iommu_units(h, root);
	e = load_devices(h, root);
	if (e < 0)
		return e;
	e = load_groups(h, root);
	if (e < 0)
		return e;
	e = build_cards(h);
	if (e < 0)
		return e;
	judge_groups(h);
	load_misc(h, root, flags);
	if (flags & VP_HOST_NAMES)
		vp_names_fill(h);
	*ret = TAKE_PTR(h);
	return 0;
}

struct vp_host *vp_host_free(struct vp_host *h)
{
	if (!h)
		return NULL;
	for (size_t i = 0; i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		free(d->driver);
		free(d->driver_override);
		vp_strv_free(d->reset_methods);
		free(d->physfn);
		free(d->parent);
		free(d->vendor_name);
		free(d->device_name);
		for (size_t j = 0; j < d->n_mdev_types; j++) {
			free(d->mdev_types[j].id);
			free(d->mdev_types[j].name);
			free(d->mdev_types[j].description);
			free(d->mdev_types[j].device_api);
		}
		free(d->mdev_types);
	}
	free(h->devs);
	for (size_t i = 0; i < h->n_groups; i++) {
		free(h->groups[i].type);
		free(h->groups[i].devs);
	}
	free(h->groups);
	for (size_t i = 0; i < h->n_cards; i++)
		free(h->cards[i].devs);
	free(h->cards);
	free(h->kernel_release);
	free(h->cmdline);
	vp_strv_free(h->cmdline_words);
	free(h->cpu_model);
	free(h->os.id);
	free(h->os.id_like);
	free(h->os.version_id);
	free(h->os.name);
	free(h->os.pretty_name);
	free(h->os.variant_id);
	vp_strv_free(h->iommu_units);
	vp_strv_free(h->libvirt_programs);
	vp_strv_free(h->notes);
	free(h);
	return NULL;
}

const struct vp_pci_dev *vp_host_dev(const struct vp_host *h, const char *addr)
{
	char canon[VP_PCI_ADDR_LEN];
	if (vp_pci_addr_parse(addr, canon) < 0)
		return NULL;
	return find_dev(h, canon);
}

const struct vp_group *vp_host_group(const struct vp_host *h, int id)
{
	struct vp_group key = { .id = id };
	return bsearch(&key, h->groups, h->n_groups, sizeof(*h->groups), cmp_group);
}

const struct vp_card *vp_host_card_of(const struct vp_host *h, const struct vp_pci_dev *d)
{
	return d && d->card >= 0 ? &h->cards[d->card] : NULL;
}

bool vp_host_iommu_active(const struct vp_host *h)
{
	return h->n_groups > 0;
}

const char *vp_host_cmdline_get(const struct vp_host *h, const char *key)
{
	const char *found = NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; h->cmdline_words && h->cmdline_words[i]; i++) {
		const char *w = h->cmdline_words[i];
		if (streq(w, "--"))
			break; /* the rest belongs to init */
		if (!strncmp(w, key, kl) && (w[kl] == '=' || !w[kl]))
			found = w[kl] ? w + kl + 1 : "";
	}
	return found;
}

bool vp_class_is_bridge(int class_code)
{
	return class_code >= 0 && (class_code >> 16) == 0x06;
}

bool vp_class_is_display(int class_code)
{
	return class_code >= 0 && (class_code >> 16) == 0x03;
}

const char *vp_class_short(int c)
{
	if (c < 0)
		return "unknown";
	switch (c >> 8) {
	case 0x0300: return "VGA";
	case 0x0302: return "3D";
	case 0x0380: return "Display";
	case 0x0403: return "Audio";
	case 0x0c03: return "USB";
	case 0x0c80: return "Serial bus";
	case 0x0108: return "NVMe";
	case 0x0106: return "SATA";
	case 0x0200: return "Ethernet";
	case 0x0280: return "Network";
	case 0x0600: return "Host bridge";
	case 0x0601: return "ISA bridge";
	case 0x0604: return "PCI bridge";
	case 0x0c05: return "SMBus";
	case 0x0b40: return "Coprocessor";
	case 0x1080: return "Encryption";
	case 0x1200: return "Accelerator";
	}
	switch (c >> 16) {
	case 0x01: return "Storage";
	case 0x02: return "Network";
	case 0x03: return "Display";
	case 0x04: return "Multimedia";
	case 0x06: return "Bridge";
	case 0x08: return "System";
	case 0x0c: return "Serial bus";
	case 0x13: return "Instrumentation";
	}
	return "Other";
}

bool vp_driver_is_dma_safe(const char *driver)
{
	return !driver || streq(driver, "vfio-pci") || streq(driver, "pci-stub") || streq(driver, "pcieport") ||
	       strstr(driver, "vfio") != NULL;
}

const char *vp_iommu_vendor_to_string(enum vp_iommu_vendor v)
{
	switch (v) {
	case VP_IOMMU_INTEL: return "intel";
	case VP_IOMMU_AMD: return "amd";
	case VP_IOMMU_OTHER: return "other";
	default: return NULL;
	}
}

const char *vp_cpu_vendor_to_string(enum vp_cpu_vendor v)
{
	switch (v) {
	case VP_CPU_INTEL: return "intel";
	case VP_CPU_AMD: return "amd";
	case VP_CPU_OTHER: return "other";
	default: return NULL;
	}
}

const char *vp_mod_state_to_string(enum vp_mod_state s)
{
	switch (s) {
	case VP_MOD_MISSING: return "missing";
	case VP_MOD_MODULE: return "module";
	case VP_MOD_BUILTIN: return "builtin";
	default: return "unknown";
	}
}

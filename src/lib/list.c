/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds the `list` document from the host model (see list.h). */
#include "list.h"

#include <string.h>

#include "parallel.h"
#include "reset.h"
#include "util.h"

const struct vp_col vp_list_device_cols[] = {
	{ "address", NULL, VP_COL_NARROW },
	{ "class", NULL, VP_COL_JSON_ONLY },
	{ "class_name", "CLASS", 0 },
	{ "description", "DEVICE", VP_COL_TEXT_ONLY | VP_COL_SHRINK | VP_COL_NARROW },
	{ "vendor_id", NULL, VP_COL_JSON_ONLY },
	{ "device_id", NULL, VP_COL_JSON_ONLY },
	{ "subsystem_id", NULL, VP_COL_JSON_ONLY },
	{ "revision", NULL, VP_COL_JSON_ONLY },
	{ "vendor_name", NULL, VP_COL_JSON_ONLY },
	{ "device_name", NULL, VP_COL_JSON_ONLY },
	{ "driver", NULL, 0 },
	{ "driver_override", NULL, VP_COL_JSON_ONLY },
	{ "card", NULL, VP_COL_JSON_ONLY },
	{ "boot_vga", NULL, VP_COL_JSON_ONLY },
	{ "bridge", NULL, VP_COL_JSON_ONLY },
	{ "parent", NULL, VP_COL_JSON_ONLY },
	{ "iommu_group", NULL, VP_COL_JSON_ONLY },
	{ "reset_methods", NULL, VP_COL_JSON_ONLY },
	{ "sriov_totalvfs", NULL, VP_COL_JSON_ONLY },
	{ "physfn", NULL, VP_COL_JSON_ONLY },
	{ "reset", NULL, VP_COL_JSON_ONLY },
	{ "marks", NULL, VP_COL_TEXT_ONLY },
	/* narrow text forms (output.h): "01:00.0" as lspci shows it, and the names without the vendor's */
	{ "address_short", NULL, VP_COL_TEXT_ONLY | VP_COL_JSON_ONLY },
	{ "description_short", NULL, VP_COL_TEXT_ONLY | VP_COL_JSON_ONLY },
};
const size_t vp_list_n_device_cols = ARRAY_SIZE(vp_list_device_cols);

/* "%04x" of v into buf, or NULL when v is unknown (< 0). */
static const char *hex4(char buf[8], int v)
{
	return v < 0 ? NULL : vp_hex(buf, (unsigned)v, 4);
}

char *vp_dev_description(const struct vp_pci_dev *d)
{
	char ids[24] = "[????:????]";
	if (d->vendor >= 0 && d->device >= 0)
		snprintf(ids, sizeof(ids), "[%04x:%04x]", d->vendor, d->device);
	if (d->vendor_name && d->device_name)
		return vp_strdup_printf("%s %s %s", d->vendor_name, d->device_name, ids);
	if (d->vendor_name)
		return vp_strdup_printf("%s device %s", d->vendor_name, ids);
	return vp_strdup_printf("Unknown device %s", ids);
}

/*
 * Cells of neighbouring rows repeat (class, vendor, names, driver, revision, parent bridge, false):
 * the rows filled together share one JSON value per distinct string or boolean, each row holding a
 * reference (json-c counts them), instead of thousands of copies. Only the rows of one batch share,
 * and a batch is filled by one thread. The JSON and the text are the same bytes.
 */
#define CELL_SLOTS 256

struct cells {
	json_object *slot[CELL_SLOTS];
	json_object *boolean[2];
	json_object *strv;  /* the last list of strings (reset methods) */
	/* vp_table_shows() of description, reset and marks, the same for every device table (same
	 * columns, same document): 0 not asked yet, 1 no, 2 yes */
	char shows[3];
};

static bool shows(struct cells *c, const struct vp_table *t, int i, const char *key)
{
	if (!c)
		return vp_table_shows(t, key);
	if (!c->shows[i])
		c->shows[i] = vp_table_shows(t, key) ? 2 : 1;
	return c->shows[i] == 2;
}

static json_object *cell_string(struct cells *c, const char *s)
{
	if (!s)
		return NULL;
	if (!c)
		return json_object_new_string(s);
	uint32_t hash = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		hash = (hash ^ *p) * 16777619u;
	json_object **o = &c->slot[hash % CELL_SLOTS];
	if (*o && streq(json_object_get_string(*o), s))
		return json_object_get(*o);
	json_object *v = json_object_new_string(s);
	if (v)
		*o = v; /* the slot does not own it (the row does); a colliding string takes the slot over */
	return v;
}

static json_object *cell_boolean(struct cells *c, bool v)
{
	if (c && c->boolean[v])
		return json_object_get(c->boolean[v]);
	json_object *o = json_object_new_boolean(v);
	if (c)
		c->boolean[v] = o; /* not owned, as the strings */
	return o;
}

/* vp_json_strv() of v, shared with the previous row's when the same */
static json_object *cell_strv(struct cells *c, char *const *v)
{
	if (c && c->strv && v) {
		size_t n = json_object_array_length(c->strv), i = 0;
		for (; i < n && v[i]; i++)
			if (!streq(json_object_get_string(json_object_array_get_idx(c->strv, i)), v[i]))
				break;
		if (i == n && !v[i])
			return json_object_get(c->strv);
	}
	json_object *o = vp_json_strv(v);
	if (c)
		c->strv = o; /* not owned, as the strings */
	return o;
}

/* vp_row_str() and vp_row_bool() through the cells c (none: NULL); keys are literals as there. */
#define cell_str(c, row, key, s) vp_row_take_new(row, key, cell_string(c, s))
#define cell_bool(c, row, key, v) vp_row_take_new(row, key, cell_boolean(c, v))
#define cell_int_opt(row, key, v) vp_row_take_new(row, key, (v) < 0 ? NULL : json_object_new_int64(v))

/* Cells of columns the document's format does not show are skipped. */
static void device_row(const struct vp_host *h, const struct vp_pci_dev *d, struct vp_table *t, json_object *row,
		       struct cells *c)
{
	char cls[8], v[8], dv[8], sub[16] = "", rev[8] = "";
	const struct vp_card *card = vp_host_card_of(h, d);
	bool bridge = vp_class_is_bridge(d->class_code);
	if (d->subsys_vendor >= 0 && d->subsys_device >= 0) {
		vp_hex(sub, (unsigned)d->subsys_vendor, 4);
		sub[4] = ':';
		vp_hex(sub + 5, (unsigned)d->subsys_device, 4);
	}
	if (d->revision >= 0)
		vp_hex(rev, (unsigned)d->revision, 2);

	vp_row_take_new(row, "address", json_object_new_string(d->addr)); /* one per row: not shared */
	cell_str(c, row, "class", hex4(cls, d->class_code < 0 ? -1 : d->class_code >> 8));
	cell_str(c, row, "class_name", vp_class_short(d->class_code));
	if (shows(c, t, 0, "description")) {
		_cleanup_free_ char *desc = vp_dev_description(d);
		vp_row_str(row, "description", desc);
	}
	cell_str(c, row, "vendor_id", hex4(v, d->vendor));
	cell_str(c, row, "device_id", hex4(dv, d->device));
	cell_str(c, row, "subsystem_id", *sub ? sub : NULL);
	cell_str(c, row, "revision", *rev ? rev : NULL);
	cell_str(c, row, "vendor_name", d->vendor_name);
	cell_str(c, row, "device_name", d->device_name);
	cell_str(c, row, "driver", d->driver_known ? d->driver : "unknown");
	cell_str(c, row, "driver_override", d->driver_override);
	cell_str(c, row, "card", card ? card->slot : NULL);
	cell_bool(c, row, "boot_vga", d->boot_vga == 1);
	cell_bool(c, row, "bridge", bridge);
	cell_str(c, row, "parent", d->parent);
	cell_int_opt(row, "iommu_group", d->iommu_group);
	if (d->reset_methods)
		vp_row_take_new(row, "reset_methods", cell_strv(c, d->reset_methods));
	else
		vp_row_take_new(row, "reset_methods", NULL);
	cell_int_opt(row, "sriov_totalvfs", d->sriov_totalvfs);
	cell_str(c, row, "physfn", d->physfn);
	/* Reset facts and verdict for the functions of display cards (reset.h); null for the rest. */
	struct vp_reset rs;
	if (shows(c, t, 1, "reset") && card && card->display && vp_reset_assess(h, d, NULL, &rs) == 0) {
		vp_row_take(row, "reset", vp_reset_to_json(&rs));
		vp_reset_clear(&rs);
	} else
		vp_row_str(row, "reset", NULL);

	if (!shows(c, t, 2, "marks"))
		return;
	_cleanup_strv_free_ char **marks = NULL;
	if (d->boot_vga == 1)
		vp_strv_push(&marks, "boot-vga");
	if (bridge)
		vp_strv_push(&marks, "bridge");
	if (d->driver_override)
		vp_strv_push_take(&marks, vp_strdup_printf("override=%s", d->driver_override));
	if (d->sriov_totalvfs > 0)
		vp_strv_push_take(&marks, vp_strdup_printf("sriov=%d/%d", d->sriov_numvfs < 0 ? 0 : d->sriov_numvfs, d->sriov_totalvfs));
	if (d->physfn)
		vp_strv_push(&marks, "vf");
	if (d->n_mdev_types)
		vp_strv_push(&marks, "mdev");
	_cleanup_free_ char *m = marks ? vp_strv_join(marks, ",") : NULL;
	vp_row_str(row, "marks", m);
	/* text only (the "marks" test above): the narrow forms */
	vp_row_str(row, "address_short", vp_startswith(d->addr, "0000:") ? d->addr + 5 : d->addr);
	if (d->vendor_name && d->device_name) {
		char ids[24] = "[????:????]";
		if (d->vendor >= 0 && d->device >= 0)
			snprintf(ids, sizeof(ids), "[%04x:%04x]", d->vendor, d->device);
		_cleanup_free_ char *s = vp_strdup_printf("%s %s", d->device_name, ids);
		vp_row_str(row, "description_short", s);
	} else {
		_cleanup_free_ char *s = vp_dev_description(d);
		vp_row_str(row, "description_short", s);
	}
}

void vp_list_device_row(const struct vp_host *h, const struct vp_pci_dev *d, struct vp_table *t, json_object *row)
{
	device_row(h, d, t, row, NULL);
}

char *vp_iommu_inactive_reason(const struct vp_host *h)
{
	const char *where = h->groups_dir ? "/sys/kernel/iommu_groups is empty" : "/sys/kernel/iommu_groups does not exist";
	if (h->cpu_hypervisor == VP_TRI_YES && vp_strv_len(h->iommu_units) == 0)
		return vp_strdup_printf("No IOMMU groups: %s. This machine is a virtual machine without a virtual IOMMU, "
					"so passthrough is impossible here; run vfio-pilot on the physical host.", where);
	const char *iommu = vp_host_cmdline_get(h, "iommu");
	if (iommu && streq(iommu, "off"))
		return vp_strdup_printf("No IOMMU groups: %s because iommu=off is on the kernel command line. Remove it and reboot.", where);
	if (h->cpu_vendor == VP_CPU_INTEL) {
		const char *v = vp_host_cmdline_get(h, "intel_iommu");
		if (v && vp_optlist_has(v, "off"))
			return vp_strdup_printf("No IOMMU groups: %s because intel_iommu=%s is on the kernel command line. Remove it and reboot.", where, v);
		if (h->acpi_dmar == VP_TRI_NO)
			return vp_strdup_printf("No IOMMU groups: %s. The firmware does not describe VT-d (no ACPI DMAR table): enable VT-d "
						"in the firmware setup, then reboot (`vfio-pilot check` says whether a kernel argument is needed too).", where);
		if ((!v || !vp_optlist_has(v, "on")) && h->acpi_dmar == VP_TRI_YES)
			return vp_strdup_printf("No IOMMU groups: %s. The firmware describes VT-d (ACPI DMAR table) but the kernel did not "
						"turn it on: add intel_iommu=on to the kernel command line (`vfio-pilot check` prints the "
						"exact command), then reboot.", where);
		if (!v || !vp_optlist_has(v, "on"))
			return vp_strdup_printf("No IOMMU groups: %s. Enable VT-d in the firmware setup; kernels that do not turn it on by "
						"default (Fedora, Arch) also need intel_iommu=on (`vfio-pilot check` prints the exact "
						"fix for this host), then reboot.", where);
		return vp_strdup_printf("No IOMMU groups: %s although intel_iommu=on is set. Enable VT-d in the firmware setup, then reboot.", where);
	}
	if (h->cpu_vendor == VP_CPU_AMD) {
		const char *v = vp_host_cmdline_get(h, "amd_iommu");
		if (v && vp_optlist_has(v, "off"))
			return vp_strdup_printf("No IOMMU groups: %s because amd_iommu=%s is on the kernel command line. Remove it and reboot.", where, v);
		return vp_strdup_printf("No IOMMU groups: %s. Enable IOMMU (AMD-Vi) in the firmware setup, then reboot; AMD needs no kernel argument.", where);
	}
	return vp_strdup_printf("No IOMMU groups: %s. Enable the IOMMU in the firmware setup and kernel, then reboot.", where);
}

static bool in_card(const struct vp_card *c, const struct vp_pci_dev *d)
{
	for (size_t i = 0; c && i < c->n_devs; i++)
		if (c->devs[i] == d)
			return true;
	return false;
}

char *vp_group_verdict(const struct vp_host *h, const struct vp_group *g)
{
	const struct vp_pci_dev *pick = NULL;
	for (size_t i = 0; i < g->n_devs; i++) {
		const struct vp_pci_dev *d = g->devs[i];
		if (vp_class_is_bridge(d->class_code))
			continue;
		/* the card a reader looks for: the first display function, else the first endpoint */
		if (!pick || (vp_class_is_display(d->class_code) && !vp_class_is_display(pick->class_code)))
			pick = d;
	}
	if (!pick)
		return strdup("nothing to hand over: bridges only");
	if (g->isolated) {
		const struct vp_card *c = g->card >= 0 ? &h->cards[g->card] : NULL;
		return strdup(c && c->boot_vga ? "can be handed over, but it is the host's boot display" : "can be handed over");
	}
	/* With a display function, say what shares its group; otherwise name every endpoint. */
	bool gpu = vp_class_is_display(pick->class_code);
	const struct vp_card *pc = gpu ? vp_host_card_of(h, pick) : NULL;
	struct vp_buf b = { 0 };
	size_t shown = 0, more = 0;
	vp_buf_puts(&b, gpu ? "cannot: shared with " : "cannot: shared by ");
	for (size_t i = 0; i < g->n_devs; i++) {
		const struct vp_pci_dev *d = g->devs[i];
		if (vp_class_is_bridge(d->class_code) || (gpu && (d == pick || in_card(pc, d))))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		vp_buf_printf(&b, "%s%s (%s)", shown++ ? ", " : "", d->addr,
			      !d->driver_known ? "driver unknown" : d->driver ? d->driver : "no driver");
	}
	if (!shown)
		vp_buf_puts(&b, "other devices");
	if (more)
		vp_buf_printf(&b, " and %zu more", more);
	return vp_buf_steal(&b);
}

/*
 * The device rows are created in document order first, then filled by several threads
 * (vp_parallel_for): a row is filled from the host model alone, so the bytes do not depend
 * on the threads, and on a host of thousands of devices filling is most of the work.
 */
struct fill {
	const struct vp_host *h;
	const struct vp_pci_dev **devs;
	struct vp_table **tables;
	json_object **rows;
	size_t n, cap;
};

/* The row of d in table t: filled now, or left to fill_rows() when f has room. */
static void add_dev_row(struct fill *f, const struct vp_host *h, const struct vp_pci_dev *d, struct vp_table *t)
{
	json_object *row = vp_table_row(t);
	if (!f->rows || f->n == f->cap) {
		device_row(h, d, t, row, NULL);
		return;
	}
	f->devs[f->n] = d;
	f->tables[f->n] = t;
	f->rows[f->n++] = row;
}

#define ROWS_PER_FILL 64

/* Rows k * ROWS_PER_FILL on, sharing their repeated cells. */
static void fill_batch(void *ctx, size_t k)
{
	struct fill *f = ctx;
	struct cells c = { 0 };
	for (size_t i = k * ROWS_PER_FILL; i < (k + 1) * ROWS_PER_FILL && i < f->n; i++)
		device_row(f->h, f->devs[i], f->tables[i], f->rows[i], &c);
}

void vp_list_render(const struct vp_host *h, struct vp_doc *doc)
{
	/* each device has one row at most: in its group's table or among the ungrouped */
	size_t cap = h->n_devs ? h->n_devs : 1;
	struct fill f = { .h = h, .devs = calloc(cap, sizeof(*f.devs)), .tables = calloc(cap, sizeof(*f.tables)),
			  .rows = calloc(cap, sizeof(*f.rows)), .cap = cap };
	if (!f.devs || !f.tables || !f.rows) {
		free(f.devs);
		free(f.tables);
		free(f.rows);
		f = (struct fill){ .h = h };
	}

	bool active = vp_host_iommu_active(h);
	json_object *io = vp_doc_record(doc, "iommu", "IOMMU:");
	vp_row_bool(io, "active", active);
	vp_row_str(io, "vendor", active ? vp_iommu_vendor_to_string(h->iommu_vendor) : NULL);
	vp_row_strv(io, "units", h->iommu_units);
	vp_row_int(io, "groups", (long long)h->n_groups);
	vp_row_str(io, "default_domain", h->default_domain);
	_cleanup_free_ char *reason = active ? NULL : vp_iommu_inactive_reason(h);
	vp_row_str(io, "reason", reason);
	if (h->notes) {
		_cleanup_free_ char *all = vp_strv_join(h->notes, "\n  ");
		vp_doc_text(doc, "Host files that were unreadable or garbled (their values are shown as unknown):\n  %s", all);
	}
	if (h->notes)
		vp_doc_json(doc, "notes", vp_json_strv(h->notes));

	static const struct vp_col gcols[] = {
		{ "id", "group", 0 }, { "viable", NULL, 0 }, { "isolated", NULL, 0 }, { "card", NULL, 0 }, { "verdict", NULL, 0 },
	};
	struct vp_table *gt = vp_doc_table(doc, "groups", NULL, gcols, ARRAY_SIZE(gcols), VP_STYLE_TABLE);
	struct cells gc = { 0 }; /* the groups' repeated cells (true, false, "can be handed over") */
	for (size_t i = 0; i < h->n_groups; i++) {
		const struct vp_group *g = &h->groups[i];
		json_object *row = vp_table_row(gt);
		vp_row_take_new(row, "id", json_object_new_int64(g->id));
		cell_bool(&gc, row, "viable", g->viable);
		cell_bool(&gc, row, "isolated", g->isolated);
		cell_str(&gc, row, "card", g->card >= 0 ? h->cards[g->card].slot : NULL);
		_cleanup_free_ char *verdict = vp_group_verdict(h, g);
		cell_str(&gc, row, "verdict", verdict);
		struct vp_table *dt = vp_row_table(gt, row, "devices", vp_list_device_cols, vp_list_n_device_cols);
		for (size_t j = 0; j < g->n_devs; j++)
			add_dev_row(&f, h, g->devs[j], dt);
	}

	struct vp_table *ut = vp_doc_table(doc, "ungrouped", active ? "Devices outside any IOMMU group:" : "PCI devices:",
					   vp_list_device_cols, vp_list_n_device_cols, VP_STYLE_TABLE);
	for (size_t i = 0; i < h->n_devs; i++)
		if (h->devs[i].iommu_group < 0)
			add_dev_row(&f, h, &h->devs[i], ut);
	if (f.rows)
		vp_parallel_for((f.n + ROWS_PER_FILL - 1) / ROWS_PER_FILL, 4, fill_batch, &f);
	free(f.devs);
	free(f.tables);
	free(f.rows);
}

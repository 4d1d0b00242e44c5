/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bind / unbind at run time (see bind.h). Uses the host model for planning,
 * the root handle for every read and write, libkmod for loading vfio-pci on the
 * live root, json-c for the state file and virt for libvirt's view.
 */
#include "bind.h"

#include <errno.h>
#include <json-c/json.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hostneeds.h"
#include "select.h"
#include "util.h"

static const char *const status_names[] = { "done", "skipped", "noted", "failed" };

const char *vp_bind_result_to_string(enum vp_bind_result r)
{
	static const char *const n[] = { "ok", "refused", "rolled-back", "rollback-failed" };
	return r <= VP_BIND_ROLLBACK_FAILED ? n[r] : "unknown";
}

static int add_dev(struct vp_bind_report *rep, const struct vp_pci_dev *d)
{
	for (size_t i = 0; i < rep->n_devs; i++)
		if (streq(rep->devs[i].addr, d->addr))
			return 0;
	struct vp_bind_dev *nv = realloc(rep->devs, (rep->n_devs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	rep->devs = nv;
	struct vp_bind_dev *b = &rep->devs[rep->n_devs++];
	memset(b, 0, sizeof(*b));
	snprintf(b->addr, sizeof(b->addr), "%s", d->addr);
	snprintf(b->slot, sizeof(b->slot), "%s", d->slot);
	b->driver_before = d->driver ? strdup(d->driver) : NULL;
	b->driver_after = d->driver ? strdup(d->driver) : NULL; /* until run */
	b->result = "not-run";
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct vp_bind_dev *)a)->addr, ((const struct vp_bind_dev *)b)->addr);
}

/* issue 11 §1: storage and NICs the host needs, and its last display, judged as plan judges them (hostneeds.c). */
static void judge_host_needs(const struct vp_host *h, const struct vp_bind_opts *o, struct vp_bind_report *rep)
{
	if (o->unbind)
		return;
	_cleanup_strv_free_ char **addrs = NULL;
	for (size_t i = 0; i < rep->n_devs; i++)
		vp_strv_push(&addrs, rep->devs[i].addr);
	const struct vp_needs_opts no = { .allow_host_device = o->allow_host_device, .allow_host_gpu = o->allow_host_gpu,
					  .last_display = true };
	vp_hostneeds_judge(h, addrs, &no, &rep->refusals, &rep->notes);
}

int vp_bind_plan(const struct vp_host *h, char *const *slots, const struct vp_bind_opts *o, struct vp_bind_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->unbind = o->unbind;
	for (size_t i = 0; slots && slots[i]; i++) {
		const struct vp_card *c = vp_host_card(h, slots[i]);
		for (size_t j = 0; c && j < c->n_devs; j++)
			if (add_dev(rep, c->devs[j]) < 0)
				return -ENOMEM;
	}
	size_t n_card_devs = rep->n_devs;
	if (o->whole_group)
		for (size_t i = 0; i < n_card_devs; i++) {
			const struct vp_pci_dev *d = vp_host_dev(h, rep->devs[i].addr);
			const struct vp_group *g = d ? vp_host_group(h, d->iommu_group) : NULL;
			for (size_t j = 0; g && j < g->n_devs; j++)
				if (!vp_class_is_bridge(g->devs[j]->class_code) && add_dev(rep, g->devs[j]) < 0)
					return -ENOMEM;
		}
	if (rep->n_devs)
		qsort(rep->devs, rep->n_devs, sizeof(*rep->devs), cmp_dev);

	for (size_t i = 0; i < rep->n_devs; i++) {
		const struct vp_pci_dev *d = vp_host_dev(h, rep->devs[i].addr);
		if (!d)
			continue;
		if (vp_class_is_bridge(d->class_code))
			vp_strv_pushf(&rep->refusals, "%s is a PCI bridge; vfio-pci cannot drive bridges (they stay on pcieport)", d->addr);
		bool in_card = false;
		for (size_t k = 0; slots && slots[k]; k++)
			in_card |= streq(d->slot, slots[k]);
		/* --whole-group must not take the host's disks away with the GPU's group. */
		if (!o->unbind && !in_card && d->class_code >= 0 && (d->class_code >> 16) == 0x01 && d->driver &&
		    !vp_driver_is_dma_safe(d->driver))
			vp_strv_pushf(&rep->refusals, "%s is a storage controller (%s) in the same IOMMU group; moving it to vfio-pci would take "
				    "its disks from the host: give the GPU a slot of its own instead", d->addr, d->driver);
		if (!o->unbind) {
			if (d->iommu_group < 0)
				vp_strv_pushf(&rep->refusals, "%s is in no IOMMU group: the IOMMU is not active, so vfio-pci cannot take it "
					    "(run `vfio-pilot check`)", d->addr);
			if (d->boot_vga == 1 && !o->allow_host_gpu)
				vp_strv_pushf(&rep->refusals, "%s is the boot VGA device, the host's own display; binding it leaves the host "
					    "without a console (pass --allow-host-gpu if you can reach the host another way)",
				       d->addr);
			if (d->sriov_numvfs > 0)
				vp_strv_pushf(&rep->refusals, "%s has %d SR-IOV VFs enabled and vfio-pci refuses such a PF; write 0 to its "
					    "sriov_numvfs first", d->addr, d->sriov_numvfs);
		}
		for (size_t k = 0; k < o->n_used; k++) {
			if (!streq(o->used[k].addr, d->addr))
				continue;
			if (o->used[k].running)
				vp_strv_pushf(&rep->refusals, "%s is used by the running libvirt domain '%s'; shut the domain down first",
				       d->addr, o->used[k].domain);
			else
				vp_strv_push_take(&rep->notes,
						  vp_strdup_printf("%s is in the definition of libvirt domain '%s' (not "
								   "running); libvirt takes it when the domain starts",
								   d->addr, o->used[k].domain));
		}
	}
	if (o->libvirt_note)
		vp_strv_push(&rep->notes, o->libvirt_note);

	/* A group the guest cannot use because other endpoints stay with the host. */
	if (!o->unbind && !o->whole_group) {
		int seen[64];
		size_t n_seen = 0;
		for (size_t i = 0; i < rep->n_devs; i++) {
			const struct vp_pci_dev *d = vp_host_dev(h, rep->devs[i].addr);
			const struct vp_group *g = d ? vp_host_group(h, d->iommu_group) : NULL;
			bool dup = false;
			for (size_t k = 0; g && k < n_seen; k++)
				dup |= seen[k] == g->id;
			if (!g || dup)
				continue;
			if (n_seen < ARRAY_SIZE(seen))
				seen[n_seen++] = g->id;
			for (size_t j = 0; j < g->n_devs; j++) {
				const struct vp_pci_dev *x = g->devs[j];
				bool ours = false;
				for (size_t k = 0; k < rep->n_devs; k++)
					ours |= streq(rep->devs[k].addr, x->addr);
				if (ours || vp_class_is_bridge(x->class_code) || !x->driver || vp_driver_is_dma_safe(x->driver))
					continue;
				vp_strv_push_take(&rep->notes,
						  vp_strdup_printf("IOMMU group %d also holds %s (driver %s), which stays with "
								   "the host: a guest cannot use the group until it is on "
								   "vfio-pci too (--whole-group) or unbound",
								   g->id, x->addr, x->driver));
			}
		}
	}
	judge_host_needs(h, o, rep);
	rep->result = rep->refusals ? VP_BIND_REFUSED : VP_BIND_OK;
	return 0;
}

/* ---- running ---- */

struct ctx {
	struct vp_root *root;
	const struct vp_bind_opts *o;
	struct vp_bind_report *rep;
	json_object *state;       /* {"devices": {addr: {"driver": .., "driver_override": ..}}} */
};

static struct vp_bind_step *add_step(struct ctx *c, const char *dev, const char *step, enum vp_step_status st,
				     char *detail_take, const char *error)
{
	struct vp_bind_report *rep = c->rep;
	struct vp_bind_step *nv = realloc(rep->steps, (rep->n_steps + 1) * sizeof(*nv));
	if (!nv) {
		free(detail_take);
		return NULL;
	}
	rep->steps = nv;
	struct vp_bind_step *s = &rep->steps[rep->n_steps++];
	s->device = dev ? strdup(dev) : NULL;
	s->step = step;
	s->detail = detail_take;
	s->status = st;
	s->error = error ? strdup(error) : NULL;
	return s;
}

/* Writes value to rel ("echo VALUE > /rel"), records a step and calls the test hook. */
static int write_step(struct ctx *c, const char *dev, const char *step, const char *rel, const char *value)
{
	int e = vp_root_write_attr(c->root, rel, value);
	const char *shown = streq(value, "\n") ? "''" : value;
	char *detail = vp_strdup_printf("echo %s > /%s", shown, rel);
	if (e < 0) {
		add_step(c, dev, step, VP_STEP_FAILED, detail, strerror(-e));
		return e;
	}
	add_step(c, dev, step, VP_STEP_DONE, detail, NULL);
	if (c->o->after_write)
		c->o->after_write(c->o->ud, rel, value);
	return 0;
}

static char *cur_driver(struct ctx *c, const char *addr)
{
	char rel[96], *drv = NULL;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", addr);
	if (vp_root_link_basename(c->root, rel, &drv) < 0)
		return NULL;
	return drv;
}

static char *cur_override(struct ctx *c, const char *addr)
{
	char rel[96], *s = NULL;
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", addr);
	if (vp_root_read_str(c->root, rel, &s) < 0)
		return NULL;
	if (!*s || streq(s, "(null)"))
		return (free(s), NULL);
	return s;
}

static bool drv_is(const char *d, const char *name)
{
	return d && streq(d, name);
}

/* Waits up to verify_wait_ms for the driver link to satisfy want (vfio-pci or "not vfio-pci"). */
static char *wait_driver(struct ctx *c, const char *addr, bool want_vfio)
{
	unsigned waited = 0;
	for (;;) {
		char *d = cur_driver(c, addr);
		bool ok = want_vfio ? drv_is(d, "vfio-pci") : d && !drv_is(d, "vfio-pci");
		if (ok || waited >= c->o->verify_wait_ms)
			return d;
		free(d);
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		waited += 50;
	}
}

/* ---- state file ---- */

static json_object *state_load(struct vp_root *root)
{
	char *txt = NULL;
	size_t len = 0;
	json_object *j = NULL;
	if (vp_root_read_file(root, VP_BIND_STATE, 1u << 20, &txt, &len) == 0) {
		j = json_tokener_parse(txt);
		free(txt);
	}
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		j = json_object_new_object();
	}
	json_object *devs;
	if (!json_object_object_get_ex(j, "devices", &devs) || !json_object_is_type(devs, json_type_object))
		json_object_object_add(j, "devices", json_object_new_object());
	return j;
}

static json_object *state_devs(json_object *state)
{
	return json_object_object_get(state, "devices");
}

static int state_save(struct vp_root *root, json_object *state)
{
	int e = vp_root_mkdir_p(root, "var/lib/vfio-pilot", 0755);
	if (e < 0)
		return e;
	const char *s = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								      JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *txt = vp_strdup_printf("%s\n", s);
	if (!txt)
		return -ENOMEM;
	return vp_root_write_atomic(root, VP_BIND_STATE, txt, strlen(txt), 0644);
}

int vp_bind_state_get(struct vp_root *root, const char *addr, char **ret_driver, char **ret_override)
{
	json_object *state = state_load(root);
	json_object *e = json_object_object_get(state_devs(state), addr);
	int r = 0;
	if (e) {
		json_object *d = json_object_object_get(e, "driver"), *ov = json_object_object_get(e, "driver_override");
		*ret_driver = json_object_is_type(d, json_type_string) ? strdup(json_object_get_string(d)) : NULL;
		if (ret_override)
			*ret_override = json_object_is_type(ov, json_type_string) ? strdup(json_object_get_string(ov)) : NULL;
		r = 1;
	}
	json_object_put(state);
	return r;
}

/* ---- module ---- */

static void kmod_silent(void *data, int priority, const char *file, int line, const char *fn, const char *format,
			va_list args)
{
}

static int load_vfio_pci(char **ret_err)
{
	struct kmod_ctx *k = kmod_new(NULL, NULL);
	if (!k) {
		*ret_err = strdup("libkmod could not start");
		return -ENOMEM;
	}
	kmod_set_log_fn(k, kmod_silent, NULL);
	struct kmod_list *l = NULL, *it;
	int e = kmod_module_new_from_lookup(k, "vfio-pci", &l);
	if (e >= 0 && !l) {
		*ret_err = strdup("no vfio-pci module for the running kernel (is the kernel's modules package installed?)");
		e = -ENOENT;
	}
	kmod_list_foreach(it, l) {
		if (e < 0)
			break;
		struct kmod_module *m = kmod_module_get_module(it);
		e = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, NULL, NULL, NULL, NULL);
		if (e < 0)
			*ret_err = vp_strdup_printf("loading %s failed: %s", kmod_module_get_name(m), strerror(-e));
		kmod_module_unref(m);
		break;
	}
	kmod_module_unref_list(l);
	kmod_unref(k);
	return e < 0 ? e : 0;
}

static int module_step(struct ctx *c)
{
	int r = vp_root_exists(c->root, "sys/module/vfio_pci");
	if (r > 0) {
		bool builtin = vp_root_exists(c->root, "sys/module/vfio_pci/initstate") <= 0;
		add_step(c, NULL, "module", VP_STEP_SKIPPED,
			 strdup(builtin ? "vfio-pci is built into the kernel" : "vfio-pci is already loaded"), NULL);
		return 0;
	}
	if (!vp_root_is_live(c->root)) {
		add_step(c, NULL, "module", VP_STEP_NOTED,
			 strdup("vfio-pci is not loaded; on the live host it is loaded with libkmod here "
				"(never done for --root)"), NULL);
		return 0;
	}
	_cleanup_free_ char *err = NULL;
	int e = load_vfio_pci(&err);
	if (e < 0) {
		add_step(c, NULL, "module", VP_STEP_FAILED, strdup("modprobe vfio-pci (libkmod)"), err ? err : strerror(-e));
		return e;
	}
	add_step(c, NULL, "module", VP_STEP_DONE, strdup("modprobe vfio-pci (libkmod)"), NULL);
	return 0;
}

/* ---- bind ---- */

struct done {
	bool override_written;
	char *old_override;
	char *old_driver;
	bool unbound, probed, state_added;
};

static void done_free(struct done *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].old_override);
		free(d[i].old_driver);
	}
	free(d);
}

static char *path_dev(const char *addr, const char *attr)
{
	return vp_strdup_printf("sys/bus/pci/devices/%s/%s", addr, attr);
}

/* Undoes the bind steps of devs[0..n) in reverse and forgets the state entries this
 * run added for any of devs[0..n_all). Returns false when an undo step failed. */
static bool undo_bind(struct ctx *c, struct vp_bind_dev *devs, struct done *dn, size_t n, size_t n_all, const char *slot)
{
	bool ok = true;
	for (size_t k = n; k-- > 0;) {
		struct vp_bind_dev *b = &devs[k];
		struct done *d = &dn[k];
		if (!d->override_written && !d->unbound && !d->probed)
			continue;
		_cleanup_free_ char *now = cur_driver(c, b->addr);
		if (drv_is(now, "vfio-pci")) {
			if (write_step(c, b->addr, "undo_release", "sys/bus/pci/drivers/vfio-pci/unbind", b->addr) < 0)
				ok = false;
		}
		if (d->override_written) {
			_cleanup_free_ char *rel = path_dev(b->addr, "driver_override");
			if (write_step(c, b->addr, "undo_override", rel, d->old_override ? d->old_override : "\n") < 0)
				ok = false;
		}
		free(now);
		now = cur_driver(c, b->addr);
		if (d->unbound && !now) {
			if (write_step(c, b->addr, "undo_probe", "sys/bus/pci/drivers_probe", b->addr) < 0)
				ok = false;
			free(now);
			now = wait_driver(c, b->addr, false);
		}
		if (d->old_driver && !drv_is(now, d->old_driver)) {
			add_step(c, b->addr, "undo_verify", VP_STEP_FAILED,
				 vp_strdup_printf("driver: %s", now ? now : "none"),
				 "the previous driver did not take the device back");
			ok = false;
		} else {
			add_step(c, b->addr, "undo_verify", VP_STEP_DONE,
				 vp_strdup_printf("driver: %s", now ? now : "none (as before)"), NULL);
		}
		b->result = "rolled-back";
	}
	bool any_state = false;
	for (size_t k = 0; k < n_all; k++)
		if (dn[k].state_added) {
			json_object_object_del(state_devs(c->state), devs[k].addr);
			any_state = true;
		}
	if (any_state) {
		int e = state_save(c->root, c->state);
		char *detail = vp_strdup_printf("forgot %s in /%s", slot, VP_BIND_STATE);
		add_step(c, slot, "undo_remember", e < 0 ? VP_STEP_FAILED : VP_STEP_DONE, detail, e < 0 ? strerror(-e) : NULL);
		ok &= e >= 0;
	}
	return ok;
}

static int bind_unit(struct ctx *c, struct vp_bind_dev *devs, size_t n, const char *slot)
{
	struct done *dn = calloc(n, sizeof(*dn));
	if (!dn)
		return -ENOMEM;
	int fail = 0;
	bool need_state = false;
	json_object *sd = state_devs(c->state);
	for (size_t k = 0; k < n; k++) {
		dn[k].old_driver = cur_driver(c, devs[k].addr);
		dn[k].old_override = cur_override(c, devs[k].addr);
		if (drv_is(dn[k].old_driver, "vfio-pci"))
			continue;
		if (!json_object_object_get(sd, devs[k].addr)) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "driver", dn[k].old_driver ? json_object_new_string(dn[k].old_driver) : NULL);
			json_object_object_add(e, "driver_override",
					       dn[k].old_override ? json_object_new_string(dn[k].old_override) : NULL);
			json_object_object_add(sd, devs[k].addr, e);
			dn[k].state_added = true;
			need_state = true;
		}
	}
	if (need_state) {
		int e = state_save(c->root, c->state);
		char *detail = vp_strdup_printf("previous drivers of %s saved in /%s", slot, VP_BIND_STATE);
		add_step(c, slot, "remember", e < 0 ? VP_STEP_FAILED : VP_STEP_DONE, detail, e < 0 ? strerror(-e) : NULL);
		if (e < 0) {
			for (size_t k = 0; k < n; k++)
				if (dn[k].state_added)
					json_object_object_del(sd, devs[k].addr);
			for (size_t k = 0; k < n; k++)
				devs[k].result = "failed";
			c->rep->result = VP_BIND_ROLLED_BACK;
			done_free(dn, n);
			return 0;
		}
	}
	size_t k;
	for (k = 0; k < n && !fail; k++) {
		struct vp_bind_dev *b = &devs[k];
		struct done *d = &dn[k];
		if (drv_is(d->old_driver, "vfio-pci")) {
			add_step(c, b->addr, "verify", VP_STEP_SKIPPED, strdup("already on vfio-pci"), NULL);
			b->result = "already";
			continue;
		}
		_cleanup_free_ char *ov = path_dev(b->addr, "driver_override");
		if (write_step(c, b->addr, "driver_override", ov, "vfio-pci") < 0) {
			fail = 1;
			break;
		}
		d->override_written = true;
		if (d->old_driver) {
			_cleanup_free_ char *ub = path_dev(b->addr, "driver/unbind");
			if (write_step(c, b->addr, "unbind", ub, b->addr) < 0) {
				fail = 1;
				break;
			}
			d->unbound = true;
		}
		if (write_step(c, b->addr, "probe", "sys/bus/pci/drivers_probe", b->addr) < 0) {
			fail = 1;
			break;
		}
		d->probed = true;
		_cleanup_free_ char *now = wait_driver(c, b->addr, true);
		if (!drv_is(now, "vfio-pci")) {
			_cleanup_free_ char *why = vp_strdup_printf("expected vfio-pci; the kernel log says why "
								    "(`vfio-pilot diagnose`)");
			add_step(c, b->addr, "verify", VP_STEP_FAILED, vp_strdup_printf("driver: %s", now ? now : "none"), why);
			fail = 1;
			break;
		}
		add_step(c, b->addr, "verify", VP_STEP_DONE, strdup("driver: vfio-pci"), NULL);
		b->result = "bound";
	}
	if (fail) {
		devs[k].result = "failed";
		for (size_t j = k + 1; j < n; j++)
			devs[j].result = "not-run";
		bool ok = undo_bind(c, devs, dn, k + 1, n, slot);
		c->rep->result = ok ? VP_BIND_ROLLED_BACK : VP_BIND_ROLLBACK_FAILED;
	}
	done_free(dn, n);
	return 0;
}

/* ---- unbind ---- */

struct udone {
	bool override_cleared, released, probed;
	char *old_override;
};

static bool undo_unbind(struct ctx *c, struct vp_bind_dev *devs, struct udone *dn, size_t n)
{
	bool ok = true;
	for (size_t k = n; k-- > 0;) {
		struct vp_bind_dev *b = &devs[k];
		struct udone *d = &dn[k];
		if (!d->override_cleared && !d->released && !d->probed)
			continue;
		/* driver_override steers the probe back to vfio-pci, even for a device that vfio-pci
		 * held through ids= without an override; the original value is put back afterwards. */
		_cleanup_free_ char *ov = path_dev(b->addr, "driver_override");
		if (write_step(c, b->addr, "undo_override", ov, "vfio-pci") < 0)
			ok = false;
		_cleanup_free_ char *now = cur_driver(c, b->addr);
		if (d->released || d->probed) {
			if (now && !drv_is(now, "vfio-pci")) {
				_cleanup_free_ char *ub = path_dev(b->addr, "driver/unbind");
				if (write_step(c, b->addr, "undo_release", ub, b->addr) < 0)
					ok = false;
			}
			free(now);
			now = cur_driver(c, b->addr);
			if (!now && write_step(c, b->addr, "undo_probe", "sys/bus/pci/drivers_probe", b->addr) < 0)
				ok = false;
			free(now);
			now = wait_driver(c, b->addr, true);
		}
		if (!drv_is(d->old_override, "vfio-pci") &&
		    write_step(c, b->addr, "undo_override", ov, d->old_override ? d->old_override : "\n") < 0)
			ok = false;
		bool back = drv_is(now, "vfio-pci") || !d->released;
		add_step(c, b->addr, "undo_verify", back ? VP_STEP_DONE : VP_STEP_FAILED,
			 vp_strdup_printf("driver: %s", now ? now : "none"), back ? NULL : "vfio-pci did not take it back");
		ok &= back;
		b->result = "rolled-back";
	}
	return ok;
}

static int unbind_unit(struct ctx *c, struct vp_bind_dev *devs, size_t n, const char *slot)
{
	struct udone *dn = calloc(n, sizeof(*dn));
	if (!dn)
		return -ENOMEM;
	json_object *sd = state_devs(c->state);
	int fail = 0;
	size_t k;
	bool forget = false;
	for (k = 0; k < n && !fail; k++) {
		struct vp_bind_dev *b = &devs[k];
		struct udone *d = &dn[k];
		_cleanup_free_ char *drv = cur_driver(c, b->addr);
		d->old_override = cur_override(c, b->addr);
		json_object *st = json_object_object_get(sd, b->addr);
		const char *prev_override = NULL; /* what driver_override held before bind ("none", ...) */
		if (st) {
			json_object *po = json_object_object_get(st, "driver_override");
			if (json_object_is_type(po, json_type_string) && !streq(json_object_get_string(po), "vfio-pci"))
				prev_override = json_object_get_string(po);
			json_object *pd = json_object_object_get(st, "driver");
			b->remembered = true;
			b->previous = json_object_is_type(pd, json_type_string) ? strdup(json_object_get_string(pd)) : NULL;
		}
		if (!drv_is(drv, "vfio-pci") && !drv_is(d->old_override, "vfio-pci")) {
			add_step(c, b->addr, "verify", VP_STEP_SKIPPED,
				 vp_strdup_printf("not on vfio-pci (driver: %s); left alone", drv ? drv : "none"), NULL);
			b->result = "left";
			if (st) {
				json_object_object_del(sd, b->addr);
				forget = true;
			}
			continue;
		}
		if (d->old_override) {
			_cleanup_free_ char *ov = path_dev(b->addr, "driver_override");
			if (write_step(c, b->addr, "driver_override", ov, prev_override ? prev_override : "\n") < 0) {
				fail = 1;
				break;
			}
			d->override_cleared = true;
		}
		if (drv_is(drv, "vfio-pci")) {
			if (write_step(c, b->addr, "unbind", "sys/bus/pci/drivers/vfio-pci/unbind", b->addr) < 0) {
				fail = 1;
				break;
			}
			d->released = true;
		}
		if (write_step(c, b->addr, "probe", "sys/bus/pci/drivers_probe", b->addr) < 0) {
			fail = 1;
			break;
		}
		d->probed = true;
		_cleanup_free_ char *now = wait_driver(c, b->addr, false);
		if (!now && b->previous) {
			_cleanup_free_ char *bindp = vp_strdup_printf("sys/bus/pci/drivers/%s/bind", b->previous);
			if (vp_root_exists(c->root, bindp) > 0) {
				if (write_step(c, b->addr, "bind", bindp, b->addr) < 0) {
					fail = 1;
					break;
				}
				free(now);
				now = wait_driver(c, b->addr, false);
			}
		}
		const char *err = NULL;
		_cleanup_free_ char *why = NULL;
		if (drv_is(now, "vfio-pci"))
			err = "vfio-pci took the device again: a vfio-pci.ids= option or new_id matches it";
		else if (b->previous && !drv_is(now, b->previous))
			err = why = vp_strdup_printf("%s did not take the device back (is the %s module loaded?)", b->previous,
						     b->previous);
		if (err) {
			add_step(c, b->addr, "verify", VP_STEP_FAILED, vp_strdup_printf("driver: %s", now ? now : "none"), err);
			fail = 1;
			break;
		}
		add_step(c, b->addr, "verify", VP_STEP_DONE,
			 vp_strdup_printf("driver: %s%s", now ? now : "none",
					  !now ? (b->remembered ? " (as before)" : " (no previous driver remembered)") : ""),
			 NULL);
		b->result = "returned";
		if (st) {
			json_object_object_del(sd, b->addr);
			forget = true;
		}
	}
	if (fail) {
		devs[k].result = "failed";
		for (size_t j = k + 1; j < n; j++)
			devs[j].result = "not-run";
		bool ok = undo_unbind(c, devs, dn, k + 1);
		c->rep->result = ok ? VP_BIND_ROLLED_BACK : VP_BIND_ROLLBACK_FAILED;
		/* Devices returned before the failure are rolled back too: keep their state entries. */
		json_object_put(c->state);
		c->state = state_load(c->root);
		forget = false;
	}
	if (forget) {
		int e = state_save(c->root, c->state);
		add_step(c, slot, "forget", e < 0 ? VP_STEP_NOTED : VP_STEP_DONE,
			 vp_strdup_printf("%s removed from /%s", slot, VP_BIND_STATE), e < 0 ? strerror(-e) : NULL);
	}
	for (size_t j = 0; j < n; j++)
		free(dn[j].old_override);
	free(dn);
	return 0;
}

int vp_bind_run(struct vp_root *root, const struct vp_host *h, const struct vp_bind_opts *o, struct vp_bind_report *rep)
{
	if (rep->result == VP_BIND_REFUSED)
		return 0;
	struct ctx c = { .root = root, .o = o, .rep = rep, .state = state_load(root) };
	int e = 0;
	if (!o->unbind && module_step(&c) < 0) {
		rep->result = VP_BIND_ROLLED_BACK;
		goto out;
	}
	for (size_t i = 0; i < rep->n_devs && rep->result == VP_BIND_OK;) {
		size_t j = i;
		while (j < rep->n_devs && streq(rep->devs[j].slot, rep->devs[i].slot))
			j++;
		e = o->unbind ? unbind_unit(&c, rep->devs + i, j - i, rep->devs[i].slot)
			      : bind_unit(&c, rep->devs + i, j - i, rep->devs[i].slot);
		if (e < 0)
			break;
		i = j;
	}
out:
	for (size_t i = 0; i < rep->n_devs; i++) {
		free(rep->devs[i].driver_after);
		rep->devs[i].driver_after = cur_driver(&c, rep->devs[i].addr);
	}
	json_object_put(c.state);
	(void)h;
	return e;
}

void vp_bind_report_free(struct vp_bind_report *rep)
{
	for (size_t i = 0; i < rep->n_devs; i++) {
		free(rep->devs[i].driver_before);
		free(rep->devs[i].driver_after);
		free(rep->devs[i].previous);
	}
	free(rep->devs);
	for (size_t i = 0; i < rep->n_steps; i++) {
		free(rep->steps[i].device);
		free(rep->steps[i].detail);
		free(rep->steps[i].error);
	}
	free(rep->steps);
	vp_strv_free(rep->refusals);
	vp_strv_free(rep->notes);
	memset(rep, 0, sizeof(*rep));
}

/* ---- libvirt ---- */

int vp_bind_libvirt_usage(struct vp_root *root, const struct vp_host *h, const char *uri,
			  struct vp_virt_hostdev **ret, size_t *ret_n, char **ret_note)
{
	*ret = NULL;
	*ret_n = 0;
	*ret_note = NULL;
	if (!uri && !vp_root_is_live(root)) {
		*ret_note = strdup("libvirt domains were not checked: --root reads a copy of a host; pass --connect URI "
				   "to check a libvirt connection");
		return 0;
	}
	if (!uri && !h->libvirt_installed) {
		*ret_note = strdup("libvirt is not installed, so no libvirt domain can be using these devices");
		return 0;
	}
	_cleanup_(vp_virt_freep) struct vp_virt *v = NULL;
	int e = vp_virt_open(uri, true, &v);
	if (e == 0)
		e = v->ops->list_hostdevs(v, ret, ret_n);
	if (e < 0) {
		*ret_note = vp_strdup_printf("could not check libvirt domains on %s: %s", uri ? uri : "the default connection",
					     v ? vp_virt_error(v) : strerror(-e));
		return 0;
	}
	return 0;
}

/* ---- rendering ---- */

static const struct vp_col step_cols[] = {
	{ "device", NULL, 0 },
	{ "step", NULL, 0 },
	{ "status", NULL, 0 },
	{ "detail", NULL, VP_COL_WRAP },
	{ "error", NULL, VP_COL_WRAP },
};

/* The renderer keeps a pointer to the columns: one static set per command. */
static const struct vp_col bind_dev_cols[] = {
	{ "address", NULL, 0 },
	{ "driver_before", "BEFORE", 0 },
	{ "driver_after", "AFTER", 0 },
	{ "previous_driver", "REMEMBERED", VP_COL_JSON_ONLY },
	{ "result", NULL, 0 },
};
static const struct vp_col unbind_dev_cols[] = {
	{ "address", NULL, 0 },
	{ "driver_before", "BEFORE", 0 },
	{ "driver_after", "AFTER", 0 },
	{ "previous_driver", "REMEMBERED", 0 },
	{ "result", NULL, 0 },
};

void vp_bind_render(const struct vp_bind_report *rep, struct vp_doc *doc)
{
	const char *action = rep->unbind ? "unbind" : "bind";
	vp_doc_json(doc, "action", json_object_new_string(action));
	vp_doc_json(doc, "result", json_object_new_string(vp_bind_result_to_string(rep->result)));
	struct vp_table *t = vp_doc_table(doc, "steps", "Steps:", step_cols, ARRAY_SIZE(step_cols), VP_STYLE_TABLE);
	for (size_t i = 0; i < rep->n_steps; i++) {
		const struct vp_bind_step *s = &rep->steps[i];
		json_object *row = vp_table_row(t);
		vp_row_str(row, "device", s->device);
		vp_row_str(row, "step", s->step);
		vp_row_str(row, "status", status_names[s->status]);
		vp_row_str(row, "detail", s->detail);
		vp_row_str(row, "error", s->error);
	}
	t = vp_doc_table(doc, "devices", "Devices:", rep->unbind ? unbind_dev_cols : bind_dev_cols,
			 ARRAY_SIZE(bind_dev_cols), VP_STYLE_TABLE);
	for (size_t i = 0; i < rep->n_devs; i++) {
		const struct vp_bind_dev *b = &rep->devs[i];
		json_object *row = vp_table_row(t);
		vp_row_str(row, "address", b->addr);
		vp_row_str(row, "driver_before", b->driver_before);
		vp_row_str(row, "driver_after", b->driver_after);
		vp_row_str(row, "previous_driver", b->previous);
		vp_row_str(row, "result", b->result);
	}
	vp_doc_json(doc, "refusals", vp_json_strv(rep->refusals)); /* text: the refusals go to stderr */
	vp_doc_notes(doc, "notes", rep->notes);
	switch (rep->result) {
	case VP_BIND_OK:
		vp_doc_text(doc, "%s", rep->unbind ? "Done: the devices are back with the host."
						   : "Done: the devices are on vfio-pci.");
		break;
	case VP_BIND_ROLLED_BACK:
		vp_doc_text(doc, "A step failed; the steps done for that card were undone (see the failed step).");
		break;
	case VP_BIND_ROLLBACK_FAILED:
		vp_doc_text(doc, "A step failed and undoing it failed too: check the devices with `vfio-pilot list`.");
		break;
	default:
		break;
	}
}

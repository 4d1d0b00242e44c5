/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host-configuration plan (see plan.h and docs/plan.md). */
#include "plan.h"

#include <stdio.h>
#include <string.h>

#include <sys/stat.h>

#include "bootcfg.h"
#include "exec.h"
#include "fallback.h"
#include "grubdefault.h"
#include "handover.h"
#include "kargs.h"
#include "firmware.h"
#include "hostneeds.h"
#include "modules.h"
#include "select.h"
#include "output.h"
#include "util.h"

/* Kernel-argument words live in kargs.c, boot configuration files in bootcfg.c and grubdefault.c. */
#define arg_key vp_karg_key
#define cmdline_conflict vp_kargs_conflict

/* ------------------------------------------------------------------ plan */

struct vp_plan *vp_plan_free(struct vp_plan *p)
{
	if (!p)
		return NULL;
	vp_strv_free(p->slots);
	vp_strv_free(p->extra);
	vp_strv_free(p->addrs);
	vp_strv_free(p->ids);
	vp_strv_free(p->kargs);
	vp_strv_free(p->kargs_missing);
	vp_strv_free(p->modules);
	vp_strv_free(p->softdeps);
	vp_strv_free(p->blacklisted);
	vp_strv_free(p->state_blacklisted);
	free(p->pin_kernel_cmdline);
	for (size_t i = 0; i < p->n_kernels; i++) {
		free(p->kernels[i].kver);
		vp_strv_free(p->kernels[i].modules);
	}
	free(p->kernels);
	vp_strv_free(p->blockers);
	vp_strv_free(p->warnings);
	vp_strv_free(p->notes);
	vp_strv_free(p->next_steps);
	free(p->bad_input);
	vp_changeset_free(p->cs);
	free(p->state_txn);
	vp_strv_free(p->state_devices);
	vp_strv_free(p->state_kargs);
	vp_strv_free(p->stays);
	vp_strv_free(p->added);
	vp_strv_free(p->removed);
	vp_strv_free(p->kargs_stale);
	free(p);
	return NULL;
}

#define ADD(v, ...) vp_strv_push_take(&(v), vp_strdup_printf(__VA_ARGS__))

static const char *driver_str(const struct vp_pci_dev *d)
{
	return d->driver ? d->driver : d->driver_known ? "no driver" : "driver unknown";
}

/* The module that provides a PCI driver: sys/bus/pci/drivers/D/module, else a table of known names. */
static char *driver_module(struct vp_root *root, const char *driver)
{
	char rel[256];
	char *m = NULL;
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", driver);
	if (vp_root_link_basename(root, rel, &m) == 0)
		return m;
	static const char *const map[][2] = {
		{ "xhci_hcd", "xhci_pci" }, { "ehci-pci", "ehci_pci" }, { "ohci-pci", "ohci_pci" },
		{ "nvidia-gpu", "i2c_nvidia_gpu" }, { "i915", "i915" }, { "nouveau", "nouveau" }, { "bochs-drm", "bochs" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(map[i][0], driver))
			return strdup(map[i][1]);
	m = strdup(driver);
	for (char *p = m; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

/* The host GPU drivers of a vendor: both the one bound now and its alternative. */
static void vendor_gpu_modules(int vendor, char ***out)
{
	static const struct {
		int vendor;
		const char *mods[2];
	} t[] = { { 0x10de, { "nouveau", "nvidia" } }, { 0x1002, { "amdgpu", "radeon" } }, { 0x8086, { "i915", "xe" } } };
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].vendor == vendor)
			for (size_t k = 0; k < 2; k++)
				if (!vp_strv_contains(*out, t[i].mods[k]))
					vp_strv_push(out, t[i].mods[k]);
}

static bool dev_selected(const struct vp_plan *p, const struct vp_host *h, const struct vp_pci_dev *d)
{
	const struct vp_card *c = vp_host_card_of(h, d);
	return (c && vp_strv_contains(p->slots, c->slot)) || vp_strv_contains(p->extra, d->addr);
}

/* Blockers and warnings about the selection; --whole-group may add cards. */
static void judge_selection(struct vp_plan *p, const struct vp_host *h, const struct vp_plan_opts *o)
{
	/* isolation: every non-bridge device of each group must belong to a selected card */
	for (int pass = 0; pass < 8; pass++) {
		bool grew = false;
		_cleanup_strv_free_ char **seen = NULL;
		for (size_t s = 0; p->slots[s] && !grew; s++) {
			const struct vp_card *c = vp_host_card(h, p->slots[s]);
			for (size_t f = 0; c && f < c->n_devs && !grew; f++) {
				const struct vp_pci_dev *d = c->devs[f];
				const struct vp_group *g = d->iommu_group >= 0 ? vp_host_group(h, d->iommu_group) : NULL;
				if (!g) {
					if (pass == 0 && f == 0)
						ADD(p->warnings, "%s is in no IOMMU group now (the IOMMU is not active), so its isolation cannot "
								 "be checked before the reboot; run `vfio-pilot status` after it", d->addr);
					continue;
				}
				_cleanup_free_ char *gkey = vp_strdup_printf("%d", g->id);
				if (vp_strv_contains(seen, gkey))
					continue;
				vp_strv_push(&seen, gkey);
				_cleanup_strv_free_ char **others = NULL, **add = NULL;
				for (size_t k = 0; k < g->n_devs; k++) {
					const struct vp_pci_dev *x = g->devs[k];
					if (vp_class_is_bridge(x->class_code) || dev_selected(p, h, x))
						continue;
					vp_strv_push_take(&others, vp_strdup_printf("%s (%s, %s)", x->addr, vp_class_short(x->class_code),
										    driver_str(x)));
					const struct vp_card *xc = vp_host_card_of(h, x);
					if (o->whole_group) {
						ADD(p->warnings, "--whole-group: %s (%s, %s) shares IOMMU group %d with %s and is handed over too",
						    x->addr, vp_class_short(x->class_code), driver_str(x), g->id, d->addr);
						if ((x->class_code >> 16) == 0x01)
							ADD(p->warnings, "%s is a storage controller: if the host boots from a disk on it, the host "
									 "will not find its root file system after the reboot", x->addr);
						if (!xc)
							vp_strv_push(&p->extra, x->addr); /* a function of another vendor: no card of its own */
						else if (!vp_strv_contains(add, xc->slot))
							vp_strv_push(&add, xc->slot);
						grew = true;
					}
				}
				for (size_t k = 0; add && add[k]; k++)
					vp_strv_push(&p->slots, add[k]);
				if (others && !o->whole_group) {
					_cleanup_free_ char *j = vp_strv_join(others, ", ");
					ADD(p->blockers, "IOMMU group %d of %s is not isolated: it also holds %s, and a group is handed over "
							 "whole; move the card to another slot, or add --whole-group to hand over every device "
							 "of the group", g->id, c->slot, j);
				}
			}
		}
		if (!grew)
			break;
		vp_strv_sort(p->slots);
	}
	/* boot display, and the last display */
	size_t displays = 0, taken = 0;
	for (size_t i = 0; i < h->n_cards; i++) {
		const struct vp_card *c = &h->cards[i];
		if (!c->display)
			continue;
		displays++;
		bool sel = vp_strv_contains(p->slots, c->slot);
		taken += sel;
		if (sel && c->boot_vga) {
			if (o->allow_host_gpu)
				ADD(p->warnings, "%s is the boot display (boot_vga=1): after the reboot the host has no console on it; "
						 "this is a single-GPU setup, keep SSH or a serial console at hand", c->slot);
			else
				ADD(p->blockers, "%s is the boot display (boot_vga=1); handing it over leaves this host without a console. "
						 "Hand over a secondary GPU, or add --allow-host-gpu for a single-GPU setup (manage the host over SSH)",
				    c->slot);
		}
	}
	if (displays && taken == displays) {
		if (o->allow_host_gpu)
			ADD(p->warnings, "no display device is left for the host");
		else
			ADD(p->blockers, "handing over %s leaves the host without any display device; "
					 "keep one GPU for the host, or add --allow-host-gpu for a single-GPU setup", taken > 1 ? "these cards" : "this card");
	}
}

/* issue 11 §1: storage and NICs the host itself needs (hostneeds.c); the displays are judged above. */
static void judge_host_needs(struct vp_plan *p, const struct vp_host *h, const struct vp_plan_opts *o)
{
	const struct vp_needs_opts no = { .allow_host_device = o->allow_host_device };
	vp_hostneeds_judge(h, p->addrs, &no, &p->blockers, &p->warnings);
}

/* issue 11 §2: an IOMMU that no reboot can turn on is a blocker, not a promise (firmware.c). */
static void judge_firmware(struct vp_plan *p, const struct vp_host *h)
{
	char *why = vp_firmware_iommu_blocker(h);
	if (!why || vp_strv_push_take(&p->blockers, why) < 0)
		return;
	p->n_firmware_blockers++;
	/* drop the promise that the isolation can be checked after the reboot: no reboot helps here */
	size_t k = 0;
	for (size_t i = 0; p->warnings && p->warnings[i]; i++) {
		if (strstr(p->warnings[i], "is in no IOMMU group now"))
			free(p->warnings[i]);
		else
			p->warnings[k++] = p->warnings[i];
	}
	if (p->warnings)
		p->warnings[k] = NULL;
}

static void collect_devices(struct vp_plan *p, const struct vp_host *h, struct vp_root *root, const struct vp_plan_opts *o)
{
	_cleanup_free_ const struct vp_pci_dev **sel = calloc(h->n_devs + 1, sizeof(*sel));
	size_t nsel = 0;
	for (size_t i = 0; sel && i < h->n_devs; i++)
		if (dev_selected(p, h, &h->devs[i]))
			sel[nsel++] = &h->devs[i];
	{
		for (size_t f = 0; f < nsel; f++) {
			const struct vp_pci_dev *d = sel[f];
			vp_strv_push(&p->addrs, d->addr);
			if (d->vendor >= 0 && d->device >= 0) {
				_cleanup_free_ char *id = vp_strdup_printf("%04x:%04x", d->vendor, d->device);
				if (!vp_strv_contains(p->ids, id))
					vp_strv_push(&p->ids, id);
			}
			if (vp_class_is_display(d->class_code))
				vendor_gpu_modules(d->vendor, &p->softdeps);
			if (d->driver && !streq(d->driver, "vfio-pci") && !streq(d->driver, "pci-stub")) {
				_cleanup_free_ char *m = driver_module(root, d->driver);
				if (m && !vp_strv_contains(p->softdeps, m))
					vp_strv_push(&p->softdeps, m);
			} else if ((d->class_code >> 8) == 0x0403 && !vp_strv_contains(p->softdeps, "snd_hda_intel")) {
				vp_strv_push(&p->softdeps, "snd_hda_intel");
			}
		}
	}
	/* an identical device that stays with the host: ids= would take it too */
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct vp_pci_dev *d = &h->devs[i];
		if (vp_strv_contains(p->addrs, d->addr) || d->vendor < 0)
			continue;
		_cleanup_free_ char *id = vp_strdup_printf("%04x:%04x", d->vendor, d->device);
		if (vp_strv_contains(p->ids, id) && !p->by_address) {
			p->by_address = true;
			ADD(p->notes, "%s has the same id %s as a device handed over but stays with the host, so the devices are bound "
				      "by address (driver_override set by a modprobe install hook before vfio-pci loads), never by id",
			    d->addr, id);
		}
	}
	if (p->by_address) {
		vp_strv_free(p->ids);
		p->ids = calloc(1, sizeof(char *));
	}
	if (o->blacklist || (p->state_blacklisted && p->state_blacklisted[0])) {
		for (size_t s = 0; p->slots[s]; s++) {
			const struct vp_card *c = vp_host_card(h, p->slots[s]);
			for (size_t f = 0; c && f < c->n_devs; f++) {
				const struct vp_pci_dev *d = c->devs[f];
				if (!vp_class_is_display(d->class_code))
					continue;
				char **mods = NULL;
				vendor_gpu_modules(d->vendor, &mods);
				if (d->driver && !streq(d->driver, "vfio-pci")) {
					_cleanup_free_ char *m = driver_module(root, d->driver);
					if (m && !vp_strv_contains(mods, m))
						vp_strv_push(&mods, m);
				}
				for (size_t k = 0; mods && mods[k]; k++)
					if (!vp_strv_contains(p->blacklisted, mods[k]) &&
					    (o->blacklist || vp_strv_contains(p->state_blacklisted, mods[k])))
						vp_strv_push(&p->blacklisted, mods[k]);
				vp_strv_free(mods);
			}
		}
		_cleanup_strv_free_ char **kept = NULL;
		for (size_t i = 0; p->state_blacklisted && p->state_blacklisted[i]; i++)
			if (vp_strv_contains(p->blacklisted, p->state_blacklisted[i]))
				vp_strv_push(&kept, p->state_blacklisted[i]);
		_cleanup_free_ char *k = kept ? vp_strv_join(kept, " ") : NULL;
		if (k && !o->blacklist)
			ADD(p->notes, "the blacklist of %s stays (transaction %s wrote it for a card that stays; --no-blacklist "
				      "drops it)", k, p->state_txn);
		for (size_t i = 0; i < h->n_devs; i++) {
			const struct vp_pci_dev *d = &h->devs[i];
			if (vp_strv_contains(p->addrs, d->addr) || !d->driver || !vp_class_is_display(d->class_code))
				continue;
			_cleanup_free_ char *m = driver_module(root, d->driver);
			if (m && vp_strv_contains(p->blacklisted, m))
				ADD(p->warnings, "--blacklist: %s also drives the host's display %s; blacklisting it leaves that display "
						 "without its driver after the reboot", m, d->addr);
		}
	}
}

/* The ids= value of an `options vfio-pci ... ids=...` line, else NULL (newly allocated). */
static char *vfio_options_ids(const char *line)
{
	_cleanup_strv_free_ char **w = NULL;
	if (vp_strv_split(line, " \t", &w) < 0 || !w[0] || !streq(w[0], "options") || !w[1] ||
	    !(streq(w[1], "vfio-pci") || streq(w[1], "vfio_pci")))
		return NULL;
	for (size_t i = 2; w[i]; i++)
		if (vp_startswith(w[i], "ids="))
			return strdup(w[i] + 4);
	return NULL;
}

/*
 * What the user already configured: another modprobe.d file that sets vfio-pci's ids= competes with
 * ours (the kernel keeps one value), so it is merged when it names only ids of the set, else refused
 * with the reason. A softdep on a driver built into a kernel does nothing there.
 */
static void judge_existing_modprobe(struct vp_plan *p, struct vp_root *root)
{
	static const char *const dirs[] = { "etc/modprobe.d", "run/modprobe.d", "usr/lib/modprobe.d", "lib/modprobe.d" };
	for (size_t d = 0; d < ARRAY_SIZE(dirs) && p->addrs && p->addrs[0]; d++) {
		_cleanup_strv_free_ char **names = NULL;
		if (vp_root_list(root, dirs[d], &names) < 0)
			continue;
		for (size_t i = 0; names[i]; i++) {
			_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", dirs[d], names[i]);
			if (!rel || streq(rel, VP_PLAN_MODPROBE) || !(strlen(names[i]) > 5 && streq(names[i] + strlen(names[i]) - 5, ".conf")))
				continue;
			if (d == 3 && vp_root_exists(root, "usr/lib/modprobe.d") > 0)
				continue; /* lib -> usr/lib: read once */
			_cleanup_free_ char *text = NULL;
			if (vp_root_read_file(root, rel, 1u << 20, &text, NULL) < 0)
				continue;
			_cleanup_strv_free_ char **lines = NULL;
			if (vp_strv_split(text, "\n", &lines) < 0)
				continue;
			for (size_t l = 0; lines[l]; l++) {
				_cleanup_free_ char *ids = vfio_options_ids(lines[l]);
				if (!ids)
					continue;
				_cleanup_strv_free_ char **v = NULL;
				vp_strv_split(ids, ",", &v);
				bool inside = !p->by_address;
				for (size_t k = 0; inside && v && v[k]; k++)
					inside = vp_strv_contains(p->ids, v[k]);
				if (inside)
					ADD(p->notes, "/%s already sets `options vfio-pci ids=%s`: every id of it is in the handed-over set, "
						      "and /%s names them all, so whichever value the kernel keeps binds the same devices",
					    rel, ids, VP_PLAN_MODPROBE);
				else
					ADD(p->blockers, "/%s sets `options vfio-pci ids=%s`, for devices outside this plan%s; vfio-pci takes "
							 "one ids= value, so one of the two files would be ignored. Hand those devices over "
							 "with vfio-pilot too (name them in the plan) and remove that line, or remove it if it "
							 "is stale", rel, ids, p->by_address ? " (and this plan binds by address, without ids=)" : "");
			}
		}
	}
	for (size_t s = 0; p->softdeps && p->softdeps[s]; s++)
		for (size_t i = 0; i < p->n_kernels; i++)
			if (vp_module_state(root, p->kernels[i].kver, p->softdeps[s]) == VP_MOD_BUILTIN) {
				if (p->by_address)
					ADD(p->warnings, "%s is built into %s: `softdep %s pre: vfio-pci` does nothing there and binding by "
							 "address has no command-line form, so when booting that kernel %s keeps the card",
					    p->softdeps[s], p->kernels[i].kver, p->softdeps[s], p->softdeps[s]);
				else
					ADD(p->notes, "%s is built into %s: `softdep %s pre: vfio-pci` does nothing there; early binding on "
						      "that kernel rests on vfio-pci.ids= on the kernel command line", p->softdeps[s],
					    p->kernels[i].kver, p->softdeps[s]);
			}
}

static int kver_cmp(const char *k, int major, int minor)
{
	unsigned a = 0, b = 0;
	if (sscanf(k, "%u.%u", &a, &b) != 2)
		return 0;
	return a != (unsigned)major ? (a < (unsigned)major ? -1 : 1) : b < (unsigned)minor ? -1 : b > (unsigned)minor;
}

static void collect_kernels(struct vp_plan *p, struct vp_root *root, const struct vp_host *h)
{
	_cleanup_strv_free_ char **kvers = NULL;
	if (vp_installed_kernels(root, &kvers) < 0 || !kvers[0]) {
		ADD(p->warnings, "no installed kernel found under /lib/modules or /usr/lib/modules; the initramfs names the vfio "
				 "modules without checking them");
		vp_strv_push(&p->modules, "vfio_pci");
		vp_strv_push(&p->modules, "vfio");
		vp_strv_push(&p->modules, "vfio_iommu_type1");
		return;
	}
	size_t n = vp_strv_len(kvers);
	p->kernels = calloc(n, sizeof(*p->kernels));
	if (!p->kernels)
		return;
	static const char *const wanted[] = { "vfio_pci", "vfio", "vfio_iommu_type1", "vfio_virqfd" };
	for (size_t i = 0; i < n; i++) {
		struct vp_plan_kernel *k = &p->kernels[p->n_kernels++];
		k->kver = strdup(kvers[i]);
		k->vfio_pci = vp_module_state(root, kvers[i], "vfio_pci");
		for (size_t m = 0; m < ARRAY_SIZE(wanted); m++) {
			if (streq(wanted[m], "vfio_virqfd") && kver_cmp(kvers[i], 6, 2) >= 0)
				continue; /* merged into vfio in 6.2 */
			if (vp_module_state(root, kvers[i], wanted[m]) == VP_MOD_MODULE)
				vp_strv_push(&k->modules, wanted[m]);
		}
		if (k->vfio_pci == VP_MOD_BUILTIN)
			ADD(p->notes, "vfio-pci is built into %s: /etc/modprobe.d options do not reach it there, vfio-pci.ids= on the "
				      "kernel command line does", kvers[i]);
		else if (k->vfio_pci == VP_MOD_MISSING)
			ADD(p->warnings, "kernel %s has no vfio-pci module; the card stays with its host driver when booting it", kvers[i]);
		else if (k->vfio_pci == VP_MOD_MODULE)
			ADD(p->notes, "vfio-pci is a module in %s (libkmod)", kvers[i]);
		if (k->vfio_pci == VP_MOD_BUILTIN && p->by_address)
			ADD(p->warnings, "vfio-pci is built into %s: the modprobe install hook that sets driver_override never runs there, "
					 "so binding by address does not work when booting that kernel", kvers[i]);
	}
	/*
	 * The modules named for the initramfs span every installed kernel: a module of any kernel is named,
	 * also where another kernel has it built in (the generators skip a built-in module, and modprobe
	 * succeeds for one). A module that another kernel lacks altogether (vfio_virqfd, merged into vfio in
	 * 6.2) is left out: the generators fail on a missing module, and vfio-pci pulls it in as a dependency
	 * where it exists.
	 */
	char **mods = NULL;
	_cleanup_strv_free_ char **builtin_in = NULL;
	for (size_t m = 0; m < ARRAY_SIZE(wanted); m++) {
		bool some = false;
		const char *lacks = NULL, *builtin = NULL;
		for (size_t i = 0; i < p->n_kernels; i++) {
			if (vp_strv_contains(p->kernels[i].modules, wanted[m]))
				some = true;
			else if (vp_module_state(root, p->kernels[i].kver, wanted[m]) == VP_MOD_BUILTIN)
				builtin = p->kernels[i].kver;
			else if (!lacks)
				lacks = p->kernels[i].kver;
		}
		if (!some)
			continue;
		if (lacks && p->n_kernels > 1) {
			ADD(p->notes, "%s is not named for the initramfs: kernel %s has no such module (the generators would fail on "
				      "it); vfio-pci loads it as a dependency in the kernels that have it", wanted[m], lacks);
			continue;
		}
		if (builtin && !vp_strv_contains(builtin_in, builtin))
			vp_strv_push(&builtin_in, builtin);
		vp_strv_push(&mods, wanted[m]);
	}
	for (size_t i = 0; builtin_in && builtin_in[i]; i++)
		ADD(p->notes, "the vfio modules are built into %s and modules in another installed kernel: they are named for "
			      "every initramfs, which is harmless where they are built in", builtin_in[i]);
	p->modules = mods ? mods : calloc(1, sizeof(char *));
	(void)h;
}

/* CONFIG_INTEL_IOMMU_DEFAULT_ON of one installed kernel, from its config file (boot/ or the module directory). */
static enum vp_tri kernel_intel_default(struct vp_root *root, const char *kver)
{
	static const char *const where[] = { "boot/config-%s", "usr/lib/modules/%s/config", "lib/modules/%s/config" };
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		_cleanup_free_ char *rel = vp_strdup_printf(where[i], kver);
		_cleanup_free_ char *buf = NULL;
		if (!rel || vp_root_read_file(root, rel, 16u << 20, &buf, NULL) < 0)
			continue;
		if (strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y") || strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y"))
			return VP_TRI_YES;
		if (strstr(buf, "CONFIG_INTEL_IOMMU=y"))
			return VP_TRI_NO;
		/* a config without the IOMMU lines says nothing: try the next place */
	}
	return VP_TRI_UNKNOWN;
}

/*
 * intel_iommu=on is needed unless every installed kernel turns VT-d on by itself
 * (CONFIG_INTEL_IOMMU_DEFAULT_ON, or Debian's ..._INTGPU_OFF), judged from each
 * kernel's config, the running one's as host.c read it where its file is
 * missing. The distribution's name decides nothing: a kernel without a config
 * gets the argument, which is harmless where VT-d is on anyway. *why names the
 * kernel that needs it (or is unknown), NULL when every kernel has it on.
 */
static bool intel_iommu_needed(struct vp_root *root, const struct vp_host *h, const struct vp_plan *p, char **why)
{
	*why = NULL;
	bool intel = h->cpu_vendor == VP_CPU_INTEL || h->iommu_vendor == VP_IOMMU_INTEL;
	if (!intel)
		return false;
	if (p->n_kernels == 0) {
		if (h->intel_iommu_default_on == VP_TRI_YES)
			return false;
		*why = strdup(h->intel_iommu_default_on == VP_TRI_NO ? "the running kernel's config leaves VT-d off by default"
								       : "no kernel config says whether VT-d is on by default");
		return true;
	}
	for (size_t i = 0; i < p->n_kernels; i++) {
		const char *k = p->kernels[i].kver;
		enum vp_tri t = kernel_intel_default(root, k);
		if (t == VP_TRI_UNKNOWN && h->kernel_release && streq(h->kernel_release, k))
			t = h->intel_iommu_default_on;
		if (t == VP_TRI_YES)
			continue;
		*why = t == VP_TRI_NO ? vp_strdup_printf("kernel %s leaves VT-d off by default (its config has no "
							 "CONFIG_INTEL_IOMMU_DEFAULT_ON)", k)
				      : vp_strdup_printf("nothing in kernel %s's config (/boot/config-%s, if there is one) says "
							 "whether VT-d is on by default", k, k);
		return true;
	}
	return false;
}

static void collect_kargs(struct vp_plan *p, struct vp_root *root, const struct vp_host *h, const struct vp_plan_opts *o)
{
	_cleanup_free_ char *why = NULL;
	if (intel_iommu_needed(root, h, p, &why)) {
		vp_strv_push(&p->kargs, "intel_iommu=on");
		if (why && !vp_cmdline_has(h->cmdline_words, "intel_iommu=on"))
			ADD(p->notes, "intel_iommu=on is added: %s", why);
	} else if (h->cpu_vendor == VP_CPU_AMD)
		ADD(p->notes, "AMD: the IOMMU (AMD-Vi) is on by default; no kernel argument is added (amd_iommu=on is not a valid value)");
	else if (h->cpu_vendor == VP_CPU_INTEL)
		ADD(p->notes, "every installed kernel's config turns the Intel IOMMU on by default (CONFIG_INTEL_IOMMU_DEFAULT_ON); "
			      "intel_iommu=on is not added");
	if (p->iommu_pt)
		vp_strv_push(&p->kargs, "iommu=pt");
	if (p->ids && p->ids[0]) {
		_cleanup_free_ char *j = vp_strv_join(p->ids, ",");
		vp_strv_push_take(&p->kargs, vp_strdup_printf("vfio-pci.ids=%s", j));
	}
	enum vp_initramfs i = p->platform.initramfs;
	if (i == VP_INITRAMFS_DRACUT || i == VP_INITRAMFS_RPM_OSTREE)
		vp_strv_push(&p->kargs, "rd.driver.pre=vfio_pci");
}

/* ------------------------------------------------------------------ file contents */

static char *modprobe_content(const struct vp_plan *p)
{
	struct vp_buf b = { 0 };
	_cleanup_free_ char *addrs = vp_strv_join(p->addrs, " ");
	vp_buf_printf(&b, "# Written by vfio-pilot: hand %s to vfio-pci at boot.\n# Remove it with `vfio-pilot undo`.\n",
		      addrs ? addrs : "");
	if (p->by_address) {
		vp_buf_puts(&b, "# Bound by address: an identical device stays with the host, so no ids= here.\n");
		/* the fallback boot entry (fallback.c) refuses vfio-pci with module_blacklist=: leave the devices to their drivers */
		vp_buf_puts(&b, "# When the fallback boot entry is booted (module_blacklist=vfio_pci), the devices keep their drivers.\n");
		vp_buf_printf(&b, "install vfio-pci read -r c < /proc/cmdline; case \" $c \" in *\" module_blacklist=vfio_pci \"*) ;; "
				  "*) for d in %s; do echo vfio-pci > /sys/bus/pci/devices/$d/driver_override; done ;; esac; "
				  "exec /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS\n", addrs ? addrs : "");
	} else {
		_cleanup_free_ char *ids = vp_strv_join(p->ids, ",");
		vp_buf_printf(&b, "options vfio-pci ids=%s\n", ids ? ids : "");
	}
	for (size_t i = 0; p->softdeps && p->softdeps[i]; i++)
		vp_buf_printf(&b, "softdep %s pre: vfio-pci\n", p->softdeps[i]);
	for (size_t i = 0; p->blacklisted && p->blacklisted[i]; i++)
		vp_buf_printf(&b, "blacklist %s\n", p->blacklisted[i]);
	return vp_buf_steal(&b);
}

static char *modules_line(const struct vp_plan *p, const char *sep)
{
	return vp_strv_join(p->modules, sep);
}

static int plan_file(struct vp_plan *p, const char *rel, const char *content, mode_t mode)
{
	if (!content)
		return -ENOMEM;
	int e = vp_changeset_set_file(p->cs, rel, content, strlen(content), mode);
	if (e == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
	else if (e < 0 && e != -ENOMEM)
		ADD(p->blockers, "/%s cannot be read (%s)", rel, strerror(-e));
	return e;
}

/* Edits an existing file with fn; returns 1 changed, 0 unchanged, -ENOENT when absent. */
static int plan_edit(struct vp_plan *p, const char *rel, char *(*fn)(const char *, char *const *, char ***),
		     char *const *args)
{
	_cleanup_free_ char *cur = NULL;
	int e = vp_changeset_read(p->cs, rel, &cur, NULL);
	if (e == -ELOOP) {
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
		return e;
	}
	if (e <= 0)
		return e == 0 ? -ENOENT : e;
	struct stat st;
	mode_t mode = vp_root_stat(vp_changeset_root(p->cs), rel, &st) == 0 ? st.st_mode & 07777 : 0644;
	_cleanup_free_ char *nw = fn(cur, args, NULL);
	return plan_file(p, rel, nw, mode);
}

/* A boot configuration file that holds a NUL byte cannot be edited as text: the whole plan is refused as bad input. */
static void bad_input(struct vp_plan *p, const char *rel)
{
	if (!p->bad_input)
		p->bad_input = vp_strdup_printf("/%s holds a NUL byte, so vfio-pilot cannot edit it safely and changes nothing; "
						"remove the NUL byte (for example with `tr -d '\\000'`) and plan again", rel);
}

typedef int (*vp_bytes_edit_fn)(const char *, size_t, char *const *, char **, size_t *, char ***);

/* Edits an existing file as bytes with fn; returns 1 changed, 0 unchanged, -ENOENT when absent, -EINVAL for a NUL byte. */
static int plan_edit_bytes(struct vp_plan *p, const char *rel, vp_bytes_edit_fn fn, char *const *args)
{
	_cleanup_free_ char *cur = NULL;
	size_t len = 0;
	int e = vp_changeset_read(p->cs, rel, &cur, &len);
	if (e == -ELOOP) {
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
		return e;
	}
	if (e < 0 && e != -ENOMEM)
		ADD(p->blockers, "/%s cannot be read (%s)", rel, strerror(-e));
	if (e <= 0)
		return e == 0 ? -ENOENT : e;
	if (vp_bytes_have_nul(cur, len)) {
		bad_input(p, rel);
		return -EINVAL;
	}
	struct stat st;
	mode_t mode = vp_root_stat(vp_changeset_root(p->cs), rel, &st) == 0 ? st.st_mode & 07777 : 0644;
	_cleanup_free_ char *nw = NULL;
	size_t nl = 0;
	if (fn(cur, len, args, &nw, &nl, NULL) < 0)
		return -ENOMEM;
	e = vp_changeset_set_file(p->cs, rel, nw, nl, mode);
	if (e == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first", rel);
	else if (e < 0 && e != -ENOMEM)
		ADD(p->blockers, "/%s cannot be read (%s)", rel, strerror(-e));
	return e;
}

/* The BLS entries the plan edits: every location, without the fallback entry (it keeps its own arguments). */
static int bls_entries(struct vp_plan *p, struct vp_root *root, struct vp_bls_entry **ret, size_t *ret_n)
{
	struct vp_bls_entry *v = NULL;
	size_t n = 0, k = 0;
	int e = vp_bls_load_all(root, &v, &n);
	if (e < 0)
		return e;
	for (size_t i = 0; i < n; i++) {
		if (vp_bls_entry_is_fallback(&v[i])) {
			free(v[i].rel);
			free(v[i].id);
			free(v[i].text);
			continue;
		}
		if (v[i].has_nul)
			bad_input(p, v[i].rel);
		v[k++] = v[i];
	}
	*ret = v;
	*ret_n = k;
	return 0;
}

/* The words of an entry's options (every options line). */
static char **entry_words(const struct vp_bls_entry *x)
{
	_cleanup_free_ char *o = vp_bls_options(x->text, x->len);
	char **w = NULL;
	vp_cmdline_split(o ? o : "", &w);
	return w;
}

/* Which of p->kargs the boot configuration lacks; conflicting values become blockers. */
static void find_missing_kargs(struct vp_plan *p, struct vp_root *root, const struct vp_host *h)
{
	_cleanup_strv_free_ char **words = NULL; /* what the configuration holds, for conflicts */
	struct vp_bls_entry *ent = NULL;
	size_t n_ent = 0;
	enum vp_bootloader b = p->no_bootloader ? VP_BOOT_UNKNOWN : p->platform.bootloader;
	if (b == VP_BOOT_GRUBBY || b == VP_BOOT_RPM_OSTREE || b == VP_BOOT_SYSTEMD_BOOT)
		bls_entries(p, root, &ent, &n_ent);
	_cleanup_strv_free_ char **conf = NULL; /* one configuration's words (kernelstub, grub) */
	if (b == VP_BOOT_KERNELSTUB) {
		conf = vp_kernelstub_options(root);
	} else if (b == VP_BOOT_GRUB) {
		struct vp_grub_defaults g;
		if (vp_grub_defaults_read(root, NULL, &g) == 0 && !g.unsafe) {
			_cleanup_free_ char *both = vp_strdup_printf("%s %s", g.linux_, g.linux_default);
			vp_cmdline_split(both ? both : "", &conf);
		}
		vp_grub_defaults_done(&g);
	}
	for (size_t i = 0; i < n_ent; i++) {
		_cleanup_strv_free_ char **w = entry_words(&ent[i]);
		for (size_t k = 0; w && w[k]; k++)
			vp_strv_push(&words, w[k]);
	}
	for (size_t k = 0; conf && conf[k]; k++)
		vp_strv_push(&words, conf[k]);
	for (size_t i = 0; p->kargs && p->kargs[i]; i++) {
		const char *a = p->kargs[i];
		bool have = false;
		switch (b) {
		case VP_BOOT_GRUBBY:
		case VP_BOOT_RPM_OSTREE:
			/* present when every entry has it; grubby adds it entry by entry where it is missing */
			have = n_ent > 0;
			for (size_t e = 0; e < n_ent && have; e++) {
				_cleanup_strv_free_ char **w = entry_words(&ent[e]);
				have = vp_cmdline_has(w, a);
			}
			break;
		case VP_BOOT_KERNELSTUB:
		case VP_BOOT_GRUB:
			have = vp_cmdline_has(conf, a);
			break;
		default:
			/* systemd-boot: each file is edited for what it lacks */
			have = false;
			break;
		}
		if (!have)
			vp_strv_push(&p->kargs_missing, a);
	}
	vp_bls_entries_free(ent, n_ent);
	/* conflicts: against the configuration where we know it, plus the running command line */
	for (size_t i = 0; p->kargs && p->kargs[i]; i++) {
		const char *c = cmdline_conflict(words, p->kargs[i]);
		if (!c)
			c = cmdline_conflict(h->cmdline_words, p->kargs[i]);
		if (!c || vp_strv_contains(p->kargs_stale, c)) /* the previous handed-over set's: replaced (handover.c) */
			continue;
		char k[128];
		arg_key(p->kargs[i], k, sizeof(k));
		if (streq(k, "iommu"))
			ADD(p->warnings, "the kernel command line already has %s; %s is added after it and wins", c, p->kargs[i]);
		else
			ADD(p->blockers, "the boot configuration already has %s, which conflicts with %s; remove it first "
					 "(or `vfio-pilot undo` the transaction that added it)", c, p->kargs[i]);
	}
	if (!p->kargs_missing)
		p->kargs_missing = calloc(1, sizeof(char *));
}

/* ------------------------------------------------------------------ per platform */

static void cmd(struct vp_plan *p, char *const *argv, char *const *undo, unsigned flags, const char *why)
{
	vp_changeset_command(p->cs, argv, undo, flags, why);
}

void vp_plan_grub_regen(struct vp_plan *p)
{
	switch (p->platform.distro) {
	case VP_DISTRO_DEBIAN:
	case VP_DISTRO_UBUNTU:
	case VP_DISTRO_POPOS:
		cmd(p, (char *[]){ "update-grub", NULL }, NULL, VP_CMD_RERUN_ON_UNDO, "regenerate /boot/grub/grub.cfg");
		break;
	case VP_DISTRO_OPENSUSE:
	case VP_DISTRO_FEDORA:
	case VP_DISTRO_RHEL:
		cmd(p, (char *[]){ "grub2-mkconfig", "-o", "/boot/grub2/grub.cfg", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
		    "regenerate /boot/grub2/grub.cfg");
		break;
	default:
		cmd(p, (char *[]){ "grub-mkconfig", "-o", "/boot/grub/grub.cfg", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
		    "regenerate /boot/grub/grub.cfg");
		break;
	}
}

/*
 * GRUB: the value grub-mkconfig uses is /etc/default/grub and then each
 * /etc/default/grub.d/NAME.cfg (grubdefault.c). Where grub.d exists the
 * arguments go into vfio-pilot's own drop-in, sorted last, which extends
 * GRUB_CMDLINE_LINUX_DEFAULT; otherwise into the last assignment in
 * /etc/default/grub. var: GRUB_CMDLINE_LINUX_DEFAULT (normal entries) or
 * GRUB_CMDLINE_LINUX (every entry; grubby hosts, for kernels installed later).
 * Returns 1 when a file changes.
 */
static int grub_defaults_edit(struct vp_plan *p, struct vp_root *root, const char *var, char *const *args,
			      const struct vp_grub_defaults *gd);

static int plan_grub_defaults(struct vp_plan *p, struct vp_root *root, const char *var, char *const *args, bool required)
{
	struct vp_grub_defaults g;
	int e = vp_grub_defaults_read(root, VP_GRUB_DROPIN, &g);
	if (e == -ENOENT && required)
		ADD(p->blockers, "/etc/default/grub does not exist; give --bootloader for the boot loader this host uses");
	if (e == 0 && g.nul && !p->bad_input)
		p->bad_input = vp_strdup_printf("%s; vfio-pilot changes nothing", g.unsafe);
	else if (e == 0 && g.unsafe)
		ADD(p->blockers, "GRUB's defaults cannot be edited safely: %s. Add the arguments to %s yourself and regenerate "
				 "grub.cfg, or plan with --bootloader none", g.unsafe, var);
	else if (e == 0)
		e = grub_defaults_edit(p, root, var, args, &g);
	vp_grub_defaults_done(&g);
	return e < 0 ? 0 : e;
}

static int grub_defaults_edit(struct vp_plan *p, struct vp_root *root, const char *var, char *const *args,
			      const struct vp_grub_defaults *gd)
{
	const struct vp_grub_defaults g = *gd;
	int changed = 0, e;
	/* what the files before vfio-pilot's drop-in already give every normal entry */
	_cleanup_free_ char *both = vp_strdup_printf("%s %s", g.linux_, streq(var, "GRUB_CMDLINE_LINUX") ? "" : g.linux_default);
	_cleanup_strv_free_ char **have = NULL, **want = NULL;
	vp_cmdline_split(both ? both : "", &have);
	for (size_t i = 0; args && args[i]; i++)
		if (!vp_cmdline_has(have, args[i]))
			vp_strv_push(&want, args[i]);
	if (g.dropin_dir) {
		/* a drop-in sorted after ours that assigns the variable outright would hide the arguments */
		const char *from = streq(var, "GRUB_CMDLINE_LINUX") ? g.linux_from : g.default_from;
		if (from && strcmp(from + 1, VP_GRUB_DROPIN) > 0) {
			ADD(p->blockers, "%s sorts after /%s and sets %s, so grub-mkconfig would not see the arguments; "
					 "rename it to sort before /%s or add the arguments to it yourself", from, VP_GRUB_DROPIN, var,
			    VP_GRUB_DROPIN);
			return 0;
		}
		/* keep what an earlier transaction put into the drop-in, add what is missing */
		_cleanup_free_ char *cur = NULL, *prev = NULL, *why = NULL;
		size_t len = 0;
		_cleanup_strv_free_ char **all = NULL;
		if (vp_changeset_read(p->cs, VP_GRUB_DROPIN, &cur, &len) > 0) {
			if (vp_bytes_have_nul(cur, len)) {
				bad_input(p, VP_GRUB_DROPIN);
				return 0;
			}
			if (vp_grub_eval_var(cur, len, "/" VP_GRUB_DROPIN, var, "", &prev, &why) == 0 && prev)
				vp_cmdline_split(prev, &all);
		}
		for (size_t i = 0; want && want[i]; i++)
			if (!vp_cmdline_has(all, want[i]))
				vp_strv_push(&all, want[i]);
		if (!all)
			return 0; /* nothing to add, and no drop-in of ours */
		_cleanup_free_ char *text = vp_grub_dropin_text(var, all);
		changed = plan_file(p, VP_GRUB_DROPIN, text, 0644) > 0;
		if (g.default_from && !streq(var, "GRUB_CMDLINE_LINUX") && !streq(g.default_from, "/" VP_GRUB_DEFAULT))
			ADD(p->notes, "%s sets GRUB_CMDLINE_LINUX_DEFAULT after /etc/default/grub; /%s extends the value it sets",
			    g.default_from, VP_GRUB_DROPIN);
		return changed;
	}
	if (!want)
		return 0;
	_cleanup_free_ char *cur = NULL;
	size_t len = 0;
	e = vp_changeset_read(p->cs, VP_GRUB_DEFAULT, &cur, &len);
	if (e == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first",
		    VP_GRUB_DEFAULT);
	else if (e < 0 && e != -ENOMEM)
		ADD(p->blockers, "/%s cannot be read (%s)", VP_GRUB_DEFAULT, strerror(-e));
	if (e <= 0)
		return 0;
	_cleanup_free_ char *nw = NULL, *why = NULL;
	size_t nl = 0;
	e = vp_grub_edit_var(cur, len, "/" VP_GRUB_DEFAULT, var, "", want, &nw, &nl, &why);
	if (e == -EINVAL) {
		ADD(p->blockers, "GRUB's defaults cannot be edited safely: %s. Add the arguments to %s yourself, or plan with "
				 "--bootloader none", why ? why : "", var);
		return 0;
	}
	if (e < 0)
		return e;
	struct stat st;
	mode_t mode = vp_root_stat(root, VP_GRUB_DEFAULT, &st) == 0 ? st.st_mode & 07777 : 0644;
	e = vp_changeset_set_file(p->cs, VP_GRUB_DEFAULT, nw, nl, mode);
	if (e == -ELOOP)
		ADD(p->blockers, "/%s is a symbolic link; vfio-pilot never writes through one. Replace it with a regular file first",
		    VP_GRUB_DEFAULT);
	return e > 0;
}

/* "/vmlinuz-X" in an entry on a separate /boot -> "/boot/vmlinuz-X" when the root has it there (grubby's view). */
static char *entry_kernel(struct vp_root *root, const struct vp_bls_entry *x)
{
	_cleanup_free_ char *k = vp_bls_get(x->text, x->len, "linux");
	if (!k)
		return NULL;
	if (vp_startswith(k, "/boot/"))
		return TAKE_PTR(k);
	_cleanup_free_ char *rel = vp_strdup_printf("boot%s%s", k[0] == '/' ? "" : "/", k);
	if (rel && vp_root_exists(root, rel) > 0)
		return vp_strdup_printf("/%s", rel);
	return TAKE_PTR(k);
}

/*
 * grubby: each entry gets only the arguments it lacks, and undo removes from
 * each entry only what this transaction added there, so an argument the user
 * had in some entries (their own intel_iommu=on) survives undo.
 */
static void plan_grubby_entries(struct vp_plan *p, struct vp_root *root)
{
	struct vp_bls_entry *ent = NULL;
	size_t n = 0;
	bls_entries(p, root, &ent, &n);
	_cleanup_strv_free_ char **done = NULL;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_free_ char **w = entry_words(&ent[i]), **miss = NULL;
		for (size_t k = 0; p->kargs_missing[k]; k++)
			if (!vp_cmdline_has(w, p->kargs_missing[k]))
				vp_strv_push(&miss, p->kargs_missing[k]);
		_cleanup_free_ char *kernel = entry_kernel(root, &ent[i]);
		if (!miss || !kernel || vp_strv_contains(done, kernel))
			continue;
		vp_strv_push(&done, kernel);
		_cleanup_free_ char *j = vp_strv_join(miss, " ");
		_cleanup_free_ char *upd = vp_strdup_printf("--update-kernel=%s", kernel);
		_cleanup_free_ char *add = vp_strdup_printf("--args=%s", j);
		_cleanup_free_ char *rem = vp_strdup_printf("--remove-args=%s", j);
		_cleanup_free_ char *why = vp_strdup_printf("add what the boot entry /%s lacks; undo removes only that", ent[i].rel);
		cmd(p, (char *[]){ "grubby", upd, add, NULL }, (char *[]){ "grubby", upd, rem, NULL }, 0, why);
		any = true;
	}
	if (!any && p->kargs_missing[0]) {
		/* no entry to read (or none names its kernel): every entry, as grubby's ALL */
		_cleanup_free_ char *j = vp_strv_join(p->kargs_missing, " ");
		_cleanup_free_ char *add = vp_strdup_printf("--args=%s", j);
		_cleanup_free_ char *rem = vp_strdup_printf("--remove-args=%s", j);
		cmd(p, (char *[]){ "grubby", "--update-kernel=ALL", add, NULL },
		    (char *[]){ "grubby", "--update-kernel=ALL", rem, NULL }, 0,
		    "add the kernel arguments to every installed kernel's boot entry");
	}
	vp_bls_entries_free(ent, n);
}

static bool has_bin(struct vp_root *root, const char *name)
{
	for (size_t i = 0; vp_bin_dirs[i]; i++) {
		_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", vp_bin_dirs[i], name);
		if (rel && vp_root_exists(root, rel) > 0)
			return true;
	}
	return false;
}

/* NixOS: the boot entries are generated from the system configuration; say what to put there instead. */
static void refuse_nixos(struct vp_plan *p)
{
	struct vp_buf b = { 0 };
	vp_buf_puts(&b, "NixOS generates its boot entries and initrd from the system configuration, so vfio-pilot edits none "
			"of them. Add this to /etc/nixos/configuration.nix, then run `sudo nixos-rebuild boot` and reboot:\n");
	vp_buf_puts(&b, "      boot.kernelParams = [");
	for (size_t i = 0; p->kargs && p->kargs[i]; i++)
		vp_buf_printf(&b, " \"%s\"", p->kargs[i]);
	vp_buf_puts(&b, " ];\n      boot.initrd.kernelModules = [");
	for (size_t i = 0; p->modules && p->modules[i]; i++)
		vp_buf_printf(&b, " \"%s\"", p->modules[i]);
	vp_buf_puts(&b, " ];\n      boot.extraModprobeConfig = ''\n");
	_cleanup_free_ char *mp = modprobe_content(p);
	for (const char *l = mp; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (*l != '#')
			vp_buf_printf(&b, "        %.*s\n", (int)len, l);
		l = nl ? nl + 1 : l + len;
	}
	vp_buf_puts(&b, "      '';");
	vp_strv_push_take(&p->blockers, vp_buf_steal(&b));
}

static void plan_bootloader(struct vp_plan *p, struct vp_root *root, const struct vp_host *h)
{
	if (p->platform.distro == VP_DISTRO_NIXOS) {
		refuse_nixos(p);
		return;
	}
	if (p->no_bootloader) {
		if (p->kargs_missing[0]) {
			_cleanup_free_ char *j = vp_strv_join(p->kargs_missing, " ");
			ADD(p->next_steps, "Add these arguments to the kernel command line yourself (--bootloader none): %s", j);
		}
		return;
	}
	char **miss = p->kargs_missing;
	_cleanup_free_ char *joined = vp_strv_join(miss, " ");
	switch (p->platform.bootloader) {
	case VP_BOOT_GRUBBY: {
		if (miss[0])
			plan_grubby_entries(p, root);
		/* kernels installed later take their options from /etc/kernel/cmdline and GRUB_CMDLINE_LINUX */
		plan_edit_bytes(p, VP_KERNEL_CMDLINE, vp_kernel_cmdline_edit, p->kargs);
		plan_grub_defaults(p, root, "GRUB_CMDLINE_LINUX", p->kargs, false);
		break;
	}
	case VP_BOOT_RPM_OSTREE:
		if (miss[0]) {
			char **argv = NULL, **undo = NULL;
			vp_strv_push(&argv, "rpm-ostree");
			vp_strv_push(&argv, "kargs");
			vp_strv_push(&undo, "rpm-ostree");
			vp_strv_push(&undo, "kargs");
			for (size_t i = 0; miss[i]; i++) {
				vp_strv_push_take(&argv, vp_strdup_printf("--append-if-missing=%s", miss[i]));
				vp_strv_push_take(&undo, vp_strdup_printf("--delete-if-present=%s", miss[i]));
			}
			cmd(p, argv, undo, 0, "add the kernel arguments to the next deployment");
			vp_strv_free(argv);
			vp_strv_free(undo);
		}
		break;
	case VP_BOOT_KERNELSTUB: {
		/* edit kernelstub's configuration as a file and let kernelstub rewrite the entry from it: undo restores the
		 * file byte for byte (order included) and runs kernelstub again; `kernelstub -d` would reorder the options */
		_cleanup_free_ char *cur = NULL;
		size_t len = 0;
		if (!miss[0])
			break;
		int e = vp_changeset_read(p->cs, VP_KERNELSTUB_CONFIG, &cur, &len);
		if (e <= 0) {
			ADD(p->blockers, "/%s cannot be read (%s); kernelstub keeps the kernel arguments there", VP_KERNELSTUB_CONFIG,
			    e == 0 ? "it does not exist" : strerror(-e));
			break;
		}
		if (vp_bytes_have_nul(cur, len)) {
			bad_input(p, VP_KERNELSTUB_CONFIG);
			break;
		}
		_cleanup_free_ char *nw = NULL;
		size_t nl = 0;
		if (vp_kernelstub_edit(cur, len, miss, &nw, &nl) < 0) {
			ADD(p->blockers, "/%s is not the JSON kernelstub writes (no \"user\" section); run `sudo kernelstub -a \"%s\"` "
					 "yourself", VP_KERNELSTUB_CONFIG, joined);
			break;
		}
		struct stat st;
		mode_t mode = vp_root_stat(root, VP_KERNELSTUB_CONFIG, &st) == 0 ? st.st_mode & 07777 : 0644;
		if (vp_changeset_set_file(p->cs, VP_KERNELSTUB_CONFIG, nw, nl, mode) > 0)
			cmd(p, (char *[]){ "kernelstub", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
			    "rewrite the boot entry from kernelstub's configuration");
		break;
	}
	case VP_BOOT_SYSTEMD_BOOT: {
		if (p->platform.distro == VP_DISTRO_OPENSUSE && has_bin(root, "sdbootutil")) {
			ADD(p->blockers, "sdbootutil writes this openSUSE host's boot entries and initrds (snapshots included), so "
					 "vfio-pilot edits none of them. Add %s to /etc/kernel/cmdline, then let sdbootutil rewrite the "
					 "entries: `sudo sdbootutil update-all-entries` (older versions: `sudo sdbootutil add-all-kernels`)",
			    joined && *joined ? joined : "the arguments");
			break;
		}
		int e = plan_edit_bytes(p, VP_KERNEL_CMDLINE, vp_kernel_cmdline_edit, p->kargs_missing);
		if (e == -ENOENT) {
			/* kernel-install falls back to /usr/lib/kernel/cmdline, then /proc/cmdline; make that explicit, plus ours */
			_cleanup_free_ char *usr = NULL;
			size_t ul = 0;
			_cleanup_strv_free_ char **w = NULL;
			if (vp_root_read_file(root, "usr/lib/kernel/cmdline", VP_BOOTCFG_MAX, &usr, &ul) >= 0 &&
			    !vp_bytes_have_nul(usr, ul)) {
				const char *nl = memchr(usr, '\n', ul);
				vp_kargs_split(usr, nl ? (size_t)(nl - usr) : ul, &w);
			} else {
				for (size_t i = 0; h->cmdline_words && h->cmdline_words[i]; i++)
					if (!vp_startswith(h->cmdline_words[i], "BOOT_IMAGE=") &&
					    !vp_startswith(h->cmdline_words[i], "initrd=") && !vp_fallback_drops(h->cmdline_words[i]))
						vp_strv_push(&w, h->cmdline_words[i]);
			}
			_cleanup_free_ char *base = w ? vp_strv_join(w, " ") : strdup("");
			size_t ll = 0;
			_cleanup_free_ char *line = vp_kargs_append(base ? base : "", base ? strlen(base) : 0, p->kargs_missing, &ll);
			_cleanup_free_ char *text = vp_strdup_printf("%s\n", line ? line : "");
			plan_file(p, VP_KERNEL_CMDLINE, text, 0644);
			free(p->pin_kernel_cmdline);
			p->pin_kernel_cmdline = vp_strdup_printf("%s\n", base ? base : "");
			ADD(p->notes, "/%s does not exist, so kernel-install takes new kernels' arguments from the running command "
				      "line. apply first writes that line alone to it, as a transaction of its own, then adds the "
				      "arguments: undo of the passthrough transaction then leaves the host's own line there (deleting "
				      "the file would let kernel-install copy /proc/cmdline, passthrough arguments included, into the "
				      "next kernel's entry); a second `vfio-pilot undo` removes the file", VP_KERNEL_CMDLINE);
		}
		struct vp_bls_entry *ent = NULL;
		size_t n = 0;
		bls_entries(p, root, &ent, &n);
		for (size_t i = 0; i < n; i++)
			plan_edit_bytes(p, ent[i].rel, vp_bls_edit, p->kargs_missing);
		if (!n)
			ADD(p->warnings, "no systemd-boot entries found under /boot/loader/entries, /boot/efi/loader/entries or "
					 "/efi/loader/entries; only /etc/kernel/cmdline is changed (used when kernels are installed)");
		vp_bls_entries_free(ent, n);
		ADD(p->notes, "a unified kernel image (UKI) embeds its command line: rebuild it after this change if you boot one");
		break;
	}
	case VP_BOOT_GRUB:
		if (plan_grub_defaults(p, root, "GRUB_CMDLINE_LINUX_DEFAULT", miss, true) > 0)
			vp_plan_grub_regen(p);
		break;
	default:
		ADD(p->blockers, "cannot tell which boot loader this host uses; give --bootloader grub|grubby|systemd-boot|kernelstub|"
				 "rpm-ostree, or --bootloader none to edit no boot configuration");
		break;
	}
}

static char *itools_modules(const char *text, char *const *mods, char ***unused)
{
	struct vp_buf b = { 0 };
	vp_buf_puts(&b, text);
	_cleanup_strv_free_ char **have = NULL;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		_cleanup_strv_free_ char **w = NULL;
		if (line && line[0] != '#' && vp_strv_split(line, " \t", &w) == 0 && w[0])
			vp_strv_push(&have, w[0]);
		p = nl ? nl + 1 : p + len;
	}
	bool header = false;
	for (size_t i = 0; mods && mods[i]; i++) {
		if (vp_strv_contains(have, mods[i]))
			continue;
		if (!header) {
			if (b.len && b.data[b.len - 1] != '\n')
				vp_buf_puts(&b, "\n");
			vp_buf_puts(&b, "# vfio-pilot: vfio modules (the softdeps in /etc/modprobe.d/vfio-pilot.conf load them early)\n");
			header = true;
		}
		vp_buf_printf(&b, "%s\n", mods[i]);
	}
	return vp_buf_steal(&b);
}

/* /etc/initramfs-tools/modules without the lines itools_modules added (the header and the modules after it). */
static char *itools_unmodules(const char *text)
{
	struct vp_buf b = { 0 };
	vp_buf_puts(&b, "");
	bool ours = false;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		if (line && vp_startswith(line, "# vfio-pilot: vfio modules"))
			ours = true;
		else if (ours && line && vp_startswith(line, "vfio") && !strchr(line, ' '))
			;
		else {
			ours = false;
			vp_buf_append(&b, p, len);
			if (nl)
				vp_buf_puts(&b, "\n");
		}
		p = nl ? nl + 1 : p + len;
	}
	return vp_buf_steal(&b);
}

/* ---- mkinitcpio: presets, drop-ins, MODULES order, HOOKS (kernel-facts §4.3) */

/* A shell value without its quotes (mkinitcpio's files are bash). Newly allocated. */
static char *unquote(const char *v)
{
	size_t l = strlen(v);
	while (l && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '\r'))
		l--;
	if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0])
		return strndup(v + 1, l - 2);
	return strndup(v, l);
}

/* The value of the last active `NAME=...` line of text (no leading '#'), else NULL. */
static char *last_assignment(const char *text, const char *name, bool *ret_append)
{
	char *val = NULL;
	size_t nl = strlen(name);
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, name, nl) == 0 && (q[nl] == '=' || (q[nl] == '+' && q[nl + 1] == '='))) {
			bool app = q[nl] == '+';
			const char *v = q + nl + (app ? 2 : 1);
			free(val);
			val = strndup(v, len - (size_t)(v - p));
			if (ret_append)
				*ret_append = app;
		}
		p = e ? e + 1 : p + len;
	}
	return val;
}

/* The config files that presets name with an active ALL_config= or PRESET_config= (rel paths). */
static char **mkinitcpio_preset_configs(struct vp_root *root, char ***ret_presets)
{
	char **configs = NULL;
	_cleanup_strv_free_ char **names = NULL;
	if (vp_root_list(root, "etc/mkinitcpio.d", &names) < 0)
		return NULL;
	for (size_t i = 0; names[i]; i++) {
		size_t l = strlen(names[i]);
		if (l <= 7 || !streq(names[i] + l - 7, ".preset"))
			continue;
		_cleanup_free_ char *rel = vp_strdup_printf("etc/mkinitcpio.d/%s", names[i]);
		_cleanup_free_ char *text = NULL;
		if (!rel || vp_root_read_file(root, rel, 1u << 20, &text, NULL) < 0)
			continue;
		for (const char *p = text; *p;) {
			const char *e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			_cleanup_free_ char *line = strndup(p, len);
			char *q = line;
			while (q && (*q == ' ' || *q == '\t'))
				q++;
			char *eq = q && *q != '#' ? strstr(q, "_config=") : NULL;
			const char *sp = q ? strpbrk(q, " \t#") : NULL;
			if (eq && (!sp || sp > eq)) {
				_cleanup_free_ char *v = unquote(eq + 8);
				if (v && v[0] == '/' && !vp_strv_contains(configs, v + 1))
					vp_strv_push(&configs, v + 1);
				if (ret_presets && !vp_strv_contains(*ret_presets, rel))
					vp_strv_push(ret_presets, rel);
			}
			p = e ? e + 1 : p + len;
		}
	}
	return configs;
}

/* text with mods put first into its last active MODULES=(...) (appended when there is none). Newly allocated. */
static char *mkinitcpio_conf_modules(const char *text, char *const *mods, bool remove)
{
	struct vp_buf b = { 0 };
	vp_buf_puts(&b, "");
	const char *last = NULL;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "MODULES=(", 9) == 0)
			last = p;
		p = e ? e + 1 : p + strlen(p);
	}
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *open = p == last ? strchr(p, '(') : NULL;
		const char *close = open ? memchr(open, ')', len - (size_t)(open - p)) : NULL;
		if (close) {
			_cleanup_free_ char *inner = strndup(open + 1, (size_t)(close - open - 1));
			_cleanup_strv_free_ char **w = NULL;
			vp_strv_split(inner ? inner : "", " \t", &w);
			struct vp_buf nb = { 0 };
			vp_buf_puts(&nb, "");
			for (size_t i = 0; !remove && mods && mods[i]; i++)
				if (!vp_strv_contains(w, mods[i]))
					vp_buf_printf(&nb, "%s%s", nb.len ? " " : "", mods[i]);
			for (size_t i = 0; w && w[i]; i++)
				if (!remove || !vp_strv_contains(mods, w[i]))
					vp_buf_printf(&nb, "%s%s", nb.len ? " " : "", w[i]);
			_cleanup_free_ char *n = vp_buf_steal(&nb);
			vp_buf_append(&b, p, (size_t)(open + 1 - p));
			vp_buf_puts(&b, n ? n : "");
			vp_buf_append(&b, close, len - (size_t)(close - p));
		} else {
			vp_buf_append(&b, p, len);
		}
		if (e)
			vp_buf_puts(&b, "\n");
		p = e ? e + 1 : p + len;
	}
	if (!last && !remove) {
		_cleanup_free_ char *j = vp_strv_join(mods, " ");
		if (b.len && b.data[b.len - 1] != '\n')
			vp_buf_puts(&b, "\n");
		vp_buf_printf(&b, "MODULES=(%s)\n", j ? j : "");
	}
	return vp_buf_steal(&b);
}

/*
 * Where mkinitcpio reads MODULES for this host, and what would defeat the
 * vfio modules there: a preset whose active ALL_config= makes mkinitcpio skip
 * /etc/mkinitcpio.conf.d (the modules then go into the file it names), a
 * later drop-in that assigns MODULES= (replacing ours), a HOOKS line without
 * modconf (the modprobe.d file would stay out of the image).
 */
static bool plan_mkinitcpio(struct vp_plan *p, const char *mods, bool empty)
{
	struct vp_root *root = vp_changeset_root(p->cs);
	bool changed = false;
	_cleanup_strv_free_ char **presets = NULL;
	_cleanup_strv_free_ char **configs = mkinitcpio_preset_configs(root, &presets);
	_cleanup_strv_free_ char **hooks_files = NULL;
	if (configs) {
		_cleanup_free_ char *pj = vp_strv_join(presets, ", /");
		for (size_t i = 0; configs[i]; i++) {
			_cleanup_free_ char *cur = NULL;
			if (vp_changeset_read(p->cs, configs[i], &cur, NULL) <= 0) {
				ADD(p->blockers, "the mkinitcpio preset /%s names the config /%s, which does not exist; fix the preset "
						 "first", pj ? pj : "", configs[i]);
				continue;
			}
			_cleanup_free_ char *nw = mkinitcpio_conf_modules(cur, p->modules, empty);
			struct stat st;
			mode_t mode = vp_root_stat(root, configs[i], &st) == 0 ? st.st_mode & 07777 : 0644;
			changed = plan_file(p, configs[i], nw, mode) > 0 || changed;
			vp_strv_push(&hooks_files, configs[i]);
		}
		ADD(p->notes, "the mkinitcpio preset /%s has an active *_config= line, which makes mkinitcpio skip the drop-ins "
			      "in /etc/mkinitcpio.conf.d; the vfio modules go first into MODULES of the file it names instead", pj ? pj : "");
		changed = vp_changeset_set_file(p->cs, VP_PLAN_MKINITCPIO, NULL, 0, 0644) > 0 || changed;
	} else {
		_cleanup_free_ char *t = vp_strdup_printf(
			"# Written by vfio-pilot: the vfio modules load before the GPU driver (the modconf hook carries\n"
			"# /etc/modprobe.d/vfio-pilot.conf). They go first in MODULES, before any GPU module of\n"
			"# mkinitcpio.conf or an earlier drop-in, which stay as they are.\n"
			"MODULES=(%s \"${MODULES[@]}\")\n", mods ? mods : "");
		if (empty)
			changed = vp_changeset_set_file(p->cs, VP_PLAN_MKINITCPIO, NULL, 0, 0644) > 0;
		else
			changed = plan_file(p, VP_PLAN_MKINITCPIO, t, 0644) > 0;
		vp_strv_push(&hooks_files, "etc/mkinitcpio.conf");
		_cleanup_strv_free_ char **dropins = NULL;
		if (vp_root_list(root, "etc/mkinitcpio.conf.d", &dropins) == 0)
			for (size_t i = 0; dropins[i]; i++) {
				size_t l = strlen(dropins[i]);
				_cleanup_free_ char *rel = vp_strdup_printf("etc/mkinitcpio.conf.d/%s", dropins[i]);
				if (!rel || l <= 5 || !streq(dropins[i] + l - 5, ".conf") || streq(rel, VP_PLAN_MKINITCPIO))
					continue;
				vp_strv_push(&hooks_files, rel);
				_cleanup_free_ char *text = NULL;
				bool app = false;
				if (empty || strcmp(rel, VP_PLAN_MKINITCPIO) < 0 || vp_root_read_file(root, rel, 1u << 20, &text, NULL) < 0)
					continue;
				_cleanup_free_ char *v = last_assignment(text, "MODULES", &app);
				if (v && !app)
					ADD(p->blockers, "/%s assigns MODULES=%s after vfio-pilot's drop-in /%s and so replaces the vfio modules "
							 "(drop-ins are read in name order); change it to MODULES+=%s", rel, v, VP_PLAN_MKINITCPIO, v);
			}
	}
	/* HOOKS as mkinitcpio ends up with it: the last assignment of the files it reads, in order */
	_cleanup_free_ char *hooks = NULL;
	const char *hooks_from = NULL;
	for (size_t i = 0; !empty && hooks_files && hooks_files[i]; i++) {
		_cleanup_free_ char *text = NULL;
		if (vp_changeset_read(p->cs, hooks_files[i], &text, NULL) <= 0)
			continue;
		char *v = last_assignment(text, "HOOKS", NULL);
		if (v) {
			free(hooks);
			hooks = v;
			hooks_from = hooks_files[i];
		}
	}
	if (hooks && !strstr(hooks, "modconf"))
		ADD(p->warnings, "HOOKS in /%s has no modconf hook: /%s stays out of the initramfs, so its ids and softdeps do "
				 "nothing at early boot and the vfio modules in MODULES bind no card before the GPU driver; add "
				 "modconf to HOOKS (after autodetect)", hooks_from, VP_PLAN_MODPROBE);
	return changed;
}

/* Does this root's dracut know --parallel (dracut 059 and later; its usage text names the option)? */
static bool dracut_has_parallel(struct vp_root *root)
{
	static const char *const where[] = { "usr/bin/dracut", "usr/sbin/dracut", "sbin/dracut", "bin/dracut" };
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		_cleanup_free_ char *text = NULL;
		if (vp_root_read_file(root, where[i], 4u << 20, &text, NULL) < 0)
			continue;
		return strstr(text, "--parallel") && strstr(text, "--regenerate-all");
	}
	return false;
}

static void plan_initramfs(struct vp_plan *p, bool modprobe_changed, const struct vp_host *h)
{
	_cleanup_free_ char *mods = modules_line(p, " ");
	bool changed = modprobe_changed;
	bool empty = !p->addrs || !p->addrs[0]; /* the last device released: take out what vfio-pilot wrote */
	switch (p->platform.initramfs) {
	case VP_INITRAMFS_DRACUT: {
		struct vp_buf b = { 0 };
		vp_buf_puts(&b, "# Written by vfio-pilot. force_drivers loads the vfio modules before udev starts (rd.driver.pre),\n"
				"# so vfio-pci claims the card before its host driver; install_items puts the modprobe.d file into\n"
				"# the image, which generic (non-hostonly) images would otherwise leave out.\n");
		if (mods && *mods)
			vp_buf_printf(&b, "force_drivers+=\" %s \"\n", mods);
		vp_buf_puts(&b, "install_items+=\" /" VP_PLAN_MODPROBE " \"\n");
		_cleanup_free_ char *t = vp_buf_steal(&b);
		if (empty)
			changed = vp_changeset_set_file(p->cs, VP_PLAN_DRACUT, NULL, 0, 0644) > 0 || changed;
		else
			changed = plan_file(p, VP_PLAN_DRACUT, t, 0644) > 0 || changed;
		if (!changed)
			break;
		bool debian = p->platform.distro == VP_DISTRO_DEBIAN || p->platform.distro == VP_DISTRO_UBUNTU ||
			      p->platform.distro == VP_DISTRO_POPOS;
		if (debian && p->n_kernels) {
			/* Debian names images initrd.img-KVER; give image and version explicitly (qemu-e2e.md pitfall 5) */
			for (size_t i = 0; i < p->n_kernels; i++) {
				_cleanup_free_ char *img = vp_strdup_printf("/boot/initrd.img-%s", p->kernels[i].kver);
				_cleanup_free_ char *why = vp_strdup_printf("rebuild the initramfs of %s", p->kernels[i].kver);
				cmd(p, (char *[]){ "dracut", "--force", img, p->kernels[i].kver, NULL }, NULL, VP_CMD_RERUN_ON_UNDO, why);
			}
		} else if (dracut_has_parallel(vp_changeset_root(p->cs))) {
			/* one dracut per kernel, all at once (dracut 059: --parallel, with --regenerate-all only) */
			cmd(p, (char *[]){ "dracut", "--force", "--regenerate-all", "--parallel", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
			    "rebuild the initramfs of every installed kernel, once each, in parallel");
		} else {
			cmd(p, (char *[]){ "dracut", "--force", "--regenerate-all", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
			    "rebuild the initramfs of every installed kernel");
		}
		if (!empty)
			ADD(p->next_steps, "Check the image: lsinitrd -f /%s (it must print the file)", VP_PLAN_MODPROBE);
		break;
	}
	case VP_INITRAMFS_RPM_OSTREE:
		if (!changed)
			break;
		if (empty) {
			cmd(p, (char *[]){ "rpm-ostree", "initramfs-etc", "--untrack=/" VP_PLAN_MODPROBE, NULL },
			    (char *[]){ "rpm-ostree", "initramfs-etc", "--track=/" VP_PLAN_MODPROBE, NULL }, 0,
			    "stop carrying the modprobe.d file into the initramfs");
			cmd(p, (char *[]){ "rpm-ostree", "initramfs", "--disable", NULL }, NULL, 0,
			    "go back to the distribution's generic initramfs");
			break;
		}
		cmd(p, (char *[]){ "rpm-ostree", "initramfs-etc", "--track=/" VP_PLAN_MODPROBE, NULL },
		    (char *[]){ "rpm-ostree", "initramfs-etc", "--untrack=/" VP_PLAN_MODPROBE, NULL }, 0,
		    "carry the modprobe.d file into the (generic, non-hostonly) initramfs");
		if (mods && *mods) {
			_cleanup_free_ char *arg = vp_strdup_printf("--arg=%s", mods);
			cmd(p, (char *[]){ "rpm-ostree", "initramfs", "--enable", "--arg=--force-drivers", arg, NULL },
			    (char *[]){ "rpm-ostree", "initramfs", "--disable", NULL }, 0,
			    "regenerate the initramfs locally with the vfio modules loaded before udev");
			ADD(p->warnings, "rpm-ostree: `rpm-ostree initramfs --enable` replaces any dracut arguments you enabled before, "
					 "and undo runs `rpm-ostree initramfs --disable`");
		}
		break;
	case VP_INITRAMFS_MKINITCPIO: {
		changed = plan_mkinitcpio(p, mods, empty) || changed;
		if (changed)
			cmd(p, (char *[]){ "mkinitcpio", "-P", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
			    "rebuild the initramfs of every preset (every installed kernel)");
		break;
	}
	case VP_INITRAMFS_TOOLS: {
		int e;
		_cleanup_free_ char *cur = NULL;
		if (empty) {
			e = vp_changeset_read(p->cs, "etc/initramfs-tools/modules", &cur, NULL) > 0 ? 0 : -ENOENT;
			_cleanup_free_ char *t = cur ? itools_unmodules(cur) : NULL;
			if (t && !streq(t, cur))
				e = plan_file(p, "etc/initramfs-tools/modules", t, 0644);
		} else {
			e = plan_edit(p, "etc/initramfs-tools/modules", itools_modules, p->modules);
		}
		if (e == -ENOENT && !empty) {
			_cleanup_free_ char *t = itools_modules("", p->modules, NULL);
			e = plan_file(p, "etc/initramfs-tools/modules", t, 0644);
		}
		changed = e > 0 || changed;
		if (changed)
			cmd(p, (char *[]){ "update-initramfs", "-u", "-k", "all", NULL }, NULL, VP_CMD_RERUN_ON_UNDO,
			    "rebuild the initramfs of every installed kernel");
		break;
	}
	default:
		ADD(p->blockers, "cannot tell which initramfs generator this host uses; give --initramfs dracut|mkinitcpio|"
				 "initramfs-tools|rpm-ostree");
		break;
	}
	(void)h;
}

int vp_plan_build(struct vp_root *root, const struct vp_host *h, const struct vp_plan_opts *o, struct vp_plan **ret,
		  char **ret_err)
{
	*ret_err = NULL;
	_cleanup_(vp_plan_freep) struct vp_plan *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int e = vp_changeset_new(root, &p->cs);
	if (e < 0)
		return e;
	vp_platform_detect(root, h, &p->platform);
	if (o->bootloader != VP_BOOT_UNKNOWN)
		p->platform.bootloader = o->bootloader;
	if (o->initramfs != VP_INITRAMFS_UNKNOWN)
		p->platform.initramfs = o->initramfs;
	p->no_bootloader = o->no_bootloader;

	if (!o->devices || !o->devices[0]) {
		*ret_err = vp_strdup_printf("name the card to %s: a PCI address (01:00.0) or a vendor:device id (10de:2204)",
					    o->release ? "release" : "hand over");
		return -EINVAL;
	}
	char *err = NULL;
	e = vp_select_cards(h, o->devices, &p->slots, &err);
	if (e == -EINVAL) {
		*ret_err = err;
		return e;
	}
	if (e < 0) {
		vp_strv_push_take(&p->blockers, err);
		p->slots = calloc(1, sizeof(char *));
		p->addrs = calloc(1, sizeof(char *));
		p->ids = calloc(1, sizeof(char *));
		*ret = TAKE_PTR(p);
		return 0;
	}
	/* the handed-over set: apply adds the cards to it, release takes them out (handover.c) */
	e = vp_handover_merge(p, root, h, o, &err);
	if (e == -EINVAL) {
		*ret_err = err;
		return e;
	}
	if (e < 0)
		return e;
	bool empty = !p->slots[0] && !p->extra;
	judge_selection(p, h, o);
	collect_devices(p, h, root, o);
	judge_host_needs(p, h, o);
	judge_firmware(p, h);
	collect_kernels(p, root, h);
	judge_existing_modprobe(p, root);
	if (!empty)
		collect_kargs(p, root, h, o);
	vp_handover_kargs(p, h);
	find_missing_kargs(p, root, h);
	if (p->bad_input) {
		*ret_err = TAKE_PTR(p->bad_input);
		return -EINVAL;
	}
	if (!p->addrs)
		p->addrs = calloc(1, sizeof(char *));
	if (!p->ids)
		p->ids = calloc(1, sizeof(char *));
	if (p->blockers) {
		*ret = TAKE_PTR(p);
		return 0;
	}

	bool nixos = p->platform.distro == VP_DISTRO_NIXOS; /* refused in plan_bootloader: nothing else to plan */
	if (empty) {
		/* the last device released: vfio-pilot's configuration goes entirely */
		vp_handover_drop_stale(p, root);
		vp_handover_teardown(p, root);
		if (!nixos)
			plan_initramfs(p, !vp_changeset_empty(p->cs), h);
	} else {
		/* files first (their diffs lead the plan), then the commands */
		_cleanup_free_ char *mp = modprobe_content(p);
		int mchanged = plan_file(p, VP_PLAN_MODPROBE, mp, 0644);
		/* the previous set's arguments out, then the boot loader's edits add the new ones */
		vp_handover_drop_stale(p, root);
		/* the boot loader's file edits come before the initramfs so commands run: kargs, then rebuilds */
		plan_bootloader(p, root, h);
		if (!p->bad_input && !nixos) { /* the way back from a black screen (fallback.c) */
			struct vp_fallback_ctx fc = { .cs = p->cs, .platform = p->platform, .no_bootloader = p->no_bootloader,
						      .kargs = p->kargs };
			vp_fallback_plan(&fc, root);
			for (size_t i = 0; fc.warnings && fc.warnings[i]; i++)
				vp_strv_push(&p->warnings, fc.warnings[i]);
			for (size_t i = 0; fc.notes && fc.notes[i]; i++)
				vp_strv_push(&p->notes, fc.notes[i]);
			vp_strv_free(fc.warnings);
			vp_strv_free(fc.notes);
		}
		if (!nixos)
			plan_initramfs(p, mchanged > 0, h);
	}
	if (p->bad_input) {
		*ret_err = TAKE_PTR(p->bad_input);
		return -EINVAL;
	}
	if (p->blockers) {
		vp_changeset_free(p->cs);
		vp_changeset_new(root, &p->cs);
	}

	json_object *meta_dev = json_object_new_array();
	for (size_t i = 0; p->addrs[i]; i++)
		json_object_array_add(meta_dev, json_object_new_string(p->addrs[i]));
	vp_changeset_set_meta(p->cs, "devices", meta_dev);
	json_object *meta_args = json_object_new_array();
	for (size_t i = 0; p->kargs && p->kargs[i]; i++)
		json_object_array_add(meta_args, json_object_new_string(p->kargs[i]));
	vp_changeset_set_meta(p->cs, "kernel_args", meta_args);
	vp_changeset_set_meta(p->cs, "bind", json_object_new_string(p->by_address ? "address" : "ids"));
	vp_changeset_set_meta(p->cs, "distro", json_object_new_string(vp_distro_to_string(p->platform.distro)));
	vp_changeset_set_meta(p->cs, "bootloader", json_object_new_string(p->no_bootloader ? "none"
										: vp_bootloader_to_string(p->platform.bootloader)));
	vp_changeset_set_meta(p->cs, "initramfs", json_object_new_string(vp_initramfs_to_string(p->platform.initramfs)));
	for (size_t i = 0; i < vp_changeset_n(p->cs); i++) { /* apply replaces files by rename: other links keep the old text */
		const struct vp_change *c = vp_changeset_get(p->cs, i);
		if (c->kind == VP_CHANGE_FILE && c->old && c->old_nlink > 1)
			ADD(p->warnings, "/%s has %lu other hard link%s: apply writes a new file under this name, the other names "
					 "keep the old content", c->path, c->old_nlink - 1, c->old_nlink == 2 ? "" : "s");
	}
	vp_handover_meta(p, h);
	if (p->addrs[0])
		ADD(p->next_steps, "Reboot, then run `vfio-pilot status` to verify that vfio-pci holds %s", p->addrs[0]);
	if (p->removed && p->removed[0]) {
		_cleanup_free_ char *r = vp_strv_join(p->removed, " ");
		ADD(p->next_steps, "After the reboot %s %s on %s host driver%s again (`vfio-pilot unbind DEVICE` gives a card back "
				   "now, without a reboot)", r, p->removed[1] ? "are" : "is", p->removed[1] ? "their" : "its",
		    p->removed[1] ? "s" : "");
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* ------------------------------------------------------------------ rendering */

/* The handed-over set (handover.h): JSON "handover"; text, when it changes, what stays, is added and is removed. */
static const struct vp_col handover_cols[] = {
	{ "action", NULL, VP_COL_JSON_ONLY },
	{ "previous_transaction", NULL, VP_COL_JSON_ONLY },
	{ "stays", NULL, VP_COL_ALIGN | VP_COL_WORDS },
	{ "added", NULL, VP_COL_ALIGN | VP_COL_WORDS },
	{ "removed", NULL, VP_COL_ALIGN | VP_COL_WORDS },
	{ "kernel_args_removed", NULL, VP_COL_JSON_ONLY },
	{ "none_stays", "", VP_COL_TEXT_ONLY },
};

/* The changes in the order apply makes them: a file's diff, a command with its reason and its undo. */
static const struct vp_col change_cols[] = {
	{ "step", NULL, VP_COL_TEXT_ONLY },
	{ "kind", NULL, VP_COL_JSON_ONLY },
	{ "path", NULL, VP_COL_JSON_ONLY },
	{ "action", NULL, VP_COL_JSON_ONLY },
	{ "diff", NULL, VP_COL_VERBATIM },
	{ "argv", NULL, VP_COL_JSON_ONLY },
	{ "undo_argv", NULL, VP_COL_JSON_ONLY },
	{ "rerun_on_undo", NULL, VP_COL_JSON_ONLY },
	{ "why", NULL, VP_COL_JSON_ONLY },
	{ "reason", NULL, VP_COL_TEXT_ONLY | VP_COL_PARENS },
};

static void fill_handover(const struct vp_plan *p, json_object *ho, bool none_stays)
{
	vp_row_str(ho, "action", p->release ? "release" : "apply");
	vp_row_str(ho, "previous_transaction", p->state_txn);
	vp_row_strv(ho, "stays", p->stays);
	vp_row_strv(ho, "added", p->added);
	vp_row_strv(ho, "removed", p->removed);
	vp_row_strv(ho, "kernel_args_removed", p->kargs_stale);
	if (none_stays)
		vp_row_str(ho, "none_stays", "nothing stays handed over: vfio-pilot's configuration is removed");
}

static void change_row(struct vp_table *t, const struct vp_change *c)
{
	json_object *o = vp_table_row(t);
	if (c->kind == VP_CHANGE_FILE) {
		_cleanup_free_ char *diff = vp_change_diff(c);
		_cleanup_free_ char *step = vp_strdup_printf("%s /%s", vp_file_action_to_string(c->action), c->path);
		_cleanup_free_ char *lp = vp_strdup_printf("/%s", c->path);
		vp_row_str(o, "step", step);
		vp_row_str(o, "kind", "file");
		vp_row_str(o, "path", lp);
		vp_row_str(o, "action", vp_file_action_to_string(c->action));
		vp_row_str(o, "diff", diff ? diff : "");
	} else {
		_cleanup_free_ char *shown = vp_argv_format(c->argv);
		_cleanup_free_ char *undo = c->undo_argv ? vp_argv_format(c->undo_argv) : NULL;
		_cleanup_free_ char *step = vp_strdup_printf("run: %s", shown ? shown : "");
		_cleanup_free_ char *reason = vp_strdup_printf(
			"%s; undo: %s", c->why ? c->why : "",
			undo ? undo : (c->flags & VP_CMD_RERUN_ON_UNDO) ? "run again after the files are restored" : "none");
		vp_row_str(o, "step", step);
		vp_row_str(o, "kind", "command");
		vp_row_strv(o, "argv", c->argv);
		vp_row_take(o, "undo_argv", c->undo_argv ? vp_json_strv(c->undo_argv) : NULL);
		vp_row_bool(o, "rerun_on_undo", c->flags & VP_CMD_RERUN_ON_UNDO);
		vp_row_str(o, "why", c->why);
		vp_row_str(o, "reason", reason);
	}
}

void vp_plan_render(const struct vp_plan *p, struct vp_doc *doc)
{
	const char *boot = p->no_bootloader ? "none" : vp_bootloader_to_string(p->platform.bootloader);
	_cleanup_free_ char *devs = vp_strv_join(p->addrs, " ");
	vp_doc_para(doc, 2, "Plan for %s on %s (boot loader: %s, initramfs: %s)", devs && *devs ? devs : "(nothing)",
		    vp_distro_to_string(p->platform.distro), boot, vp_initramfs_to_string(p->platform.initramfs));
	json_object *plat = json_object_new_object();
	vp_row_str(plat, "distro", vp_distro_to_string(p->platform.distro));
	vp_row_str(plat, "bootloader", boot);
	vp_row_str(plat, "initramfs", vp_initramfs_to_string(p->platform.initramfs));
	vp_doc_json(doc, "platform", plat);
	vp_doc_json(doc, "devices", vp_json_strv(p->addrs));
	vp_doc_json(doc, "bind", json_object_new_string(p->by_address ? "address" : "ids"));
	vp_doc_json(doc, "ids", vp_json_strv(p->ids));
	bool blocked = p->blockers && p->blockers[0];
	/* text: the kernel arguments after the handed-over set (and not at all when refused) */
	if (blocked)
		vp_doc_json(doc, "kernel_args", vp_json_strv(p->kargs));
	else
		vp_doc_words(doc, "kernel_args", "Kernel arguments", p->kargs);
	json_object *kern = json_object_new_array();
	for (size_t i = 0; i < p->n_kernels; i++) {
		json_object *k = json_object_new_object();
		vp_row_str(k, "kernel", p->kernels[i].kver);
		vp_row_str(k, "vfio_pci", vp_mod_state_to_string(p->kernels[i].vfio_pci));
		vp_row_strv(k, "modules", p->kernels[i].modules);
		json_object_array_add(kern, k);
	}
	vp_doc_json(doc, "kernels", kern);
	if (p->state_txn || p->release) {
		/* the handed-over set changes: what stays, what is added, what is removed (handover.h) */
		_cleanup_free_ char *title = vp_strdup_printf("Handed-over set (now: transaction %s):",
							      p->state_txn ? p->state_txn : "none");
		fill_handover(p, vp_doc_record_cols(doc, "handover", title, handover_cols, ARRAY_SIZE(handover_cols)),
			      !(devs && *devs));
	} else {
		json_object *ho = json_object_new_object();
		fill_handover(p, ho, false);
		vp_doc_json(doc, "handover", ho);
	}
	size_t mark = vp_doc_mark(doc);
	vp_doc_text_at(doc, "kernel_args", mark);
	if (blocked) {
		vp_doc_json(doc, "changes", json_object_new_array());
		vp_doc_list(doc, "warnings", "Warnings", p->warnings);
		vp_doc_list(doc, "blockers", "Refused", p->blockers);
		vp_doc_text_at(doc, "blockers", mark); /* the refusal first */
		vp_doc_json(doc, "notes", vp_json_strv(p->notes));
		vp_doc_json(doc, "next_steps", json_object_new_array());
		return;
	}
	size_t n = vp_changeset_n(p->cs);
	if (n == 0)
		vp_doc_para(doc, 2, "Nothing to change: the host is already configured this way.");
	struct vp_table *t = vp_doc_table(doc, "changes", NULL, change_cols, ARRAY_SIZE(change_cols), VP_STYLE_STEPS);
	/* files first, then commands: the order apply follows */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct vp_change *c = vp_changeset_get(p->cs, i);
			if ((c->kind == VP_CHANGE_FILE) == (pass == 0))
				change_row(t, c);
		}
	vp_doc_list(doc, "warnings", "Warnings", p->warnings);
	vp_doc_list(doc, "blockers", "Refused", p->blockers);
	vp_doc_list(doc, "notes", "Notes", p->notes);
	if (n)
		vp_doc_list(doc, "next_steps", p->release ? "After `vfio-pilot release`" : "After `vfio-pilot apply`",
			    p->next_steps);
	else
		vp_doc_json(doc, "next_steps", json_object_new_array());
}

/* ------------------------------------------------------------------ status */

/* Check ids are stable words (reboot, cmdline, vfio-pci, device, group); what a row is about is its
 * subject (JSON) and is named in its summary. */
static const struct vp_col status_cols[] = {
	{ "id", NULL, 0 }, { "subject", NULL, VP_COL_JSON_ONLY }, { "level", NULL, 0 }, { "summary", NULL, 0 }, { "fix", NULL, 0 },
};

static void status_row(struct vp_table *t, int *fails, const char *id, const char *subject, bool ok, bool warn, char *summary,
		       char *fix)
{
	json_object *row = vp_table_row(t);
	vp_row_str(row, "id", id);
	vp_row_str(row, "subject", subject);
	vp_row_str(row, "level", ok ? "pass" : warn ? "warn" : "fail");
	vp_row_str(row, "summary", summary);
	vp_row_str(row, "fix", ok ? NULL : fix);
	if (!ok && !warn)
		(*fails)++;
	free(summary);
	free(fix);
}

static long long boot_time(struct vp_root *root)
{
	_cleanup_free_ char *s = NULL;
	if (vp_root_read_file(root, "proc/stat", 1u << 20, &s, NULL) < 0)
		return -1;
	const char *b = strstr(s, "\nbtime ");
	long long v;
	if (!b || sscanf(b + 7, "%lld", &v) != 1)
		return -1;
	return v;
}

int vp_plan_status(struct vp_root *root, const struct vp_host *h, const struct vp_txn *t, struct vp_doc *doc)
{
	int fails = 0;
	json_object *devs = NULL, *args = NULL, *bind = NULL, *boot = NULL;
	json_object_object_get_ex(t->meta, "devices", &devs);
	json_object_object_get_ex(t->meta, "kernel_args", &args);
	json_object_object_get_ex(t->meta, "bind", &bind);
	json_object_object_get_ex(t->meta, "bootloader", &boot);
	bool by_addr = bind && streq(json_object_get_string(bind), "address");
	json_object *rec = vp_doc_record(doc, "transaction", NULL);
	json_object_object_add(rec, "id", json_object_new_string(t->id));
	json_object_object_add(rec, "state", json_object_new_string(t->state));
	json_object_object_add(rec, "bind", json_object_new_string(by_addr ? "address" : "ids"));
	struct vp_table *tab = vp_doc_table(doc, "checks", NULL, status_cols, ARRAY_SIZE(status_cols), VP_STYLE_CHECKLIST);

	long long bt = boot_time(root);
	/* an unknown boot time passes nothing: it is a warning, and the later fixes read as after a reboot */
	bool rebooted = bt < 0 || t->created <= bt;
	status_row(tab, &fails, "reboot", t->id, bt >= 0 && rebooted, bt < 0,
		   bt < 0 ? vp_strdup_printf("boot time unknown (no btime in /proc/stat): cannot tell whether the host was "
					     "rebooted after transaction %s", t->id)
		   : rebooted ? vp_strdup_printf("the host was booted after transaction %s", t->id)
			      : vp_strdup_printf("the host has not been rebooted since transaction %s was applied", t->id),
		   bt < 0 ? vp_strdup_printf("if the host was not rebooted since transaction %s, reboot, then run `vfio-pilot status` again", t->id)
			  : strdup("reboot, then run `vfio-pilot status` again"));

	struct vp_platform plat;
	vp_platform_detect(root, h, &plat);
	if (boot && vp_bootloader_from_string(json_object_get_string(boot)) != _VP_BOOT_MAX)
		plat.bootloader = vp_bootloader_from_string(json_object_get_string(boot));
	for (size_t i = 0; args && i < json_object_array_length(args); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(args, i));
		bool ok = vp_cmdline_has(h->cmdline_words, a);
		_cleanup_free_ char *fix = vp_platform_karg_fix(&plat, true, a);
		status_row(tab, &fails, "cmdline", a, ok, false,
			   ok ? vp_strdup_printf("%s is on the running kernel's command line", a)
			      : vp_strdup_printf("%s is not in /proc/cmdline", a),
			   rebooted ? vp_strdup_printf("the boot configuration did not pass it: %s", fix ? fix : "")
				    : strdup("reboot first"));
	}
	bool mod = vp_root_exists(root, "sys/module/vfio_pci") > 0;
	status_row(tab, &fails, "vfio-pci", "vfio_pci", mod, false,
		   mod ? strdup("vfio-pci is loaded (or built in): /sys/module/vfio_pci exists")
		       : strdup("vfio-pci is not loaded: /sys/module/vfio_pci does not exist"),
		   rebooted ? strdup("the initramfs did not load it; check `lsinitrd | grep vfio` (dracut) or "
				     "`lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio` and rebuild it")
			    : strdup("reboot first"));
	char **groups = NULL;
	for (size_t i = 0; devs && i < json_object_array_length(devs); i++) {
		const char *addr = json_object_get_string(json_object_array_get_idx(devs, i));
		const struct vp_pci_dev *d = vp_host_dev(h, addr);
		if (!d) {
			status_row(tab, &fails, "device", addr, false, false, vp_strdup_printf("%s is not on this host any more", addr),
				   strdup("the card was moved or removed; `vfio-pilot undo`, then plan again for its new address"));
			continue;
		}
		bool on = d->driver && streq(d->driver, "vfio-pci");
		bool runtime = on && !by_addr && d->driver_override && streq(d->driver_override, "vfio-pci");
		status_row(tab, &fails, "device", addr, on && !runtime, runtime,
			   !on ? vp_strdup_printf("%s is on %s, not vfio-pci", addr, driver_str(d))
			   : runtime ? vp_strdup_printf("%s is on vfio-pci, but through a runtime driver_override, not the boot configuration", addr)
				     : vp_strdup_printf("%s is on vfio-pci since boot", addr),
			   !rebooted ? strdup("reboot first")
			   : runtime ? strdup("reboot to check that the boot configuration binds it by itself")
				     : vp_strdup_printf("its host driver won the race: check that the initramfs holds /%s "
							"(`lsinitrd -f /%s`), then rebuild the initramfs and reboot", VP_PLAN_MODPROBE, VP_PLAN_MODPROBE));
		if (d->iommu_group >= 0) {
			_cleanup_free_ char *g = vp_strdup_printf("%d", d->iommu_group);
			if (!vp_strv_contains(groups, g))
				vp_strv_push(&groups, g);
		}
	}
	for (size_t i = 0; groups && groups[i]; i++) {
		int gid = atoi(groups[i]);
		const struct vp_group *g = vp_host_group(h, gid);
		_cleanup_free_ char *node = vp_strdup_printf("dev/vfio/%d", gid);
		bool dev = vp_root_exists(root, node) > 0;
		bool viable = g && g->viable;
		status_row(tab, &fails, "group", groups[i], dev && viable, false,
			   vp_strdup_printf("IOMMU group %d is %sviable; /dev/vfio/%d %s", gid, viable ? "" : "not ", gid,
					    dev ? "exists" : "is missing"),
			   !viable ? vp_strdup_printf("every device of group %d must be on vfio-pci (or unbound, or a bridge on pcieport): "
						      "`vfio-pilot list` shows which is not", gid)
				   : strdup("vfio-pci holds the group but /dev/vfio is missing: is udev running?"));
	}
	if (!devs || !json_object_array_length(devs))
		vp_doc_text(doc, "Transaction %s lists no devices.", t->id);
	vp_strv_free(groups);
	return fails;
}

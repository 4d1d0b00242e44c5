/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reset facts and verdict for one PCI function (see reset.h). */
#include "reset.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "util.h"

/* Config space offsets (PCI Local Bus 3.0, PCIe Base 6.0 §7.5). */
#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CAP_ID_PM 0x01
#define CAP_ID_EXP 0x10
#define CAP_ID_AF 0x13
#define PM_CTRL 4                 /* PMCSR, from the PM capability */
#define PM_CTRL_NO_SOFT_RESET 0x0008
#define EXP_DEVCAP 4
#define EXP_DEVCAP_FLR (1u << 28)
#define AF_CAP 3
#define AF_CAP_FLR 0x02
#define AF_CAP_TP 0x01

const struct vp_reset_bug_entry *vp_reset_bug_lookup(int vendor, int device)
{
	for (size_t i = 0; i < vp_reset_bug_table_len; i++)
		if (vp_reset_bug_table[i].vendor == vendor && vp_reset_bug_table[i].device == device)
			return &vp_reset_bug_table[i];
	return NULL;
}

const char *vp_reset_verdict_to_string(enum vp_reset_verdict v)
{
	static const char *const n[] = { "ok", "warn", "fail", "unknown" };
	return v <= VP_RESET_UNKNOWN ? n[v] : "unknown";
}

void vp_reset_parse_config(const uint8_t *cfg, size_t len, struct vp_reset *r)
{
	r->pcie = r->flr = r->pm_reset = VP_TRI_UNKNOWN;
	r->config_truncated = false;
	if (!cfg || len < 0x40)
		return;
	if (!(cfg[CFG_STATUS] & CFG_STATUS_CAP_LIST)) {
		r->pcie = r->flr = r->pm_reset = VP_TRI_NO;
		return;
	}
	bool pcie = false, pm = false, flr = false, pmr = false;
	unsigned ptr = cfg[CFG_CAP_PTR] & 0xfc;
	/* 48 capabilities fit in the 192 bytes after the header: a longer chain is a loop. */
	for (int n = 0; ptr >= 0x40 && n < 48; n++) {
		if (ptr + 2 > len) {
			r->config_truncated = true;
			break;
		}
		uint8_t id = cfg[ptr];
		if (id == CAP_ID_EXP || id == CAP_ID_PM || id == CAP_ID_AF) {
			size_t need = id == CAP_ID_EXP ? EXP_DEVCAP + 4 : id == CAP_ID_PM ? PM_CTRL + 2 : AF_CAP + 1;
			if (ptr + need > len) {
				r->config_truncated = true;
				break;
			}
			if (id == CAP_ID_EXP) {
				uint32_t devcap = (uint32_t)cfg[ptr + EXP_DEVCAP] | (uint32_t)cfg[ptr + EXP_DEVCAP + 1] << 8 |
						  (uint32_t)cfg[ptr + EXP_DEVCAP + 2] << 16 | (uint32_t)cfg[ptr + EXP_DEVCAP + 3] << 24;
				pcie = true;
				flr |= (devcap & EXP_DEVCAP_FLR) != 0;
			} else if (id == CAP_ID_PM) {
				uint16_t pmcsr = (uint16_t)(cfg[ptr + PM_CTRL] | cfg[ptr + PM_CTRL + 1] << 8);
				pm = true;
				pmr = !(pmcsr & PM_CTRL_NO_SOFT_RESET);
			} else {
				uint8_t af = cfg[ptr + AF_CAP];
				flr |= (af & AF_CAP_FLR) && (af & AF_CAP_TP);
			}
		}
		ptr = cfg[ptr + 1] & 0xfc;
	}
	if (r->config_truncated) {
		/* What was found before the cut is known; what is missing is not. */
		r->pcie = pcie ? VP_TRI_YES : VP_TRI_UNKNOWN;
		r->flr = flr ? VP_TRI_YES : VP_TRI_UNKNOWN;
		r->pm_reset = pm ? (pmr ? VP_TRI_YES : VP_TRI_NO) : VP_TRI_UNKNOWN;
		return;
	}
	r->pcie = pcie ? VP_TRI_YES : VP_TRI_NO;
	r->flr = flr ? VP_TRI_YES : VP_TRI_NO;
	r->pm_reset = pmr ? VP_TRI_YES : VP_TRI_NO;
}

const struct vp_pci_dev *vp_reset_card_dev(const struct vp_card *c)
{
	for (size_t i = 0; i < c->n_devs; i++)
		if (vp_class_is_display(c->devs[i]->class_code))
			return c->devs[i];
	return c->n_devs ? c->devs[0] : NULL;
}

char *vp_reset_udev_rule(const struct vp_pci_dev *d)
{
	return vp_strdup_printf("ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", ATTR{vendor}==\"0x%04x\", "
				"ATTR{device}==\"0x%04x\", RUN+=\"/bin/sh -c '/sbin/modprobe vendor-reset && "
				"echo device_specific > /sys%%p/reset_method'\"",
				d->addr, d->vendor < 0 ? 0 : d->vendor, d->device < 0 ? 0 : d->device);
}

/* How to install vendor-reset on this distribution (it is packaged nowhere official; the AUR has a DKMS package). */
static const char *install_cmd(const struct vp_platform *p)
{
	switch (p ? p->distro : VP_DISTRO_UNKNOWN) {
	case VP_DISTRO_ARCH:
		return "install the AUR package vendor-reset-dkms-git (with linux-headers), e.g. `yay -S vendor-reset-dkms-git`";
	case VP_DISTRO_DEBIAN:
	case VP_DISTRO_UBUNTU:
	case VP_DISTRO_POPOS:
		return "sudo apt install dkms build-essential git linux-headers-$(uname -r) && git clone "
		       "https://github.com/gnif/vendor-reset && sudo dkms install ./vendor-reset";
	case VP_DISTRO_FEDORA:
	case VP_DISTRO_RHEL:
		return "sudo dnf install dkms kernel-devel git && git clone https://github.com/gnif/vendor-reset && "
		       "sudo dkms install ./vendor-reset";
	case VP_DISTRO_FEDORA_ATOMIC:
		return "DKMS cannot build into the read-only /usr of Fedora Atomic: build vendor-reset (https://github.com/gnif/vendor-reset) "
		       "into a custom image or a layered akmod package";
	case VP_DISTRO_OPENSUSE:
		return "sudo zypper install dkms kernel-devel git && git clone https://github.com/gnif/vendor-reset && "
		       "sudo dkms install ./vendor-reset";
	default:
		return "install vendor-reset with DKMS: git clone https://github.com/gnif/vendor-reset && sudo dkms install ./vendor-reset";
	}
}

static bool has_method(char *const *m, const char *name)
{
	return m && vp_strv_contains(m, name);
}

static void bus_siblings(const struct vp_host *h, const struct vp_pci_dev *d, struct vp_reset *r)
{
	r->bridge = d->parent;
	if (!d->parent)
		return;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct vp_pci_dev *o = &h->devs[i];
		if (o->domain != d->domain || o->bus != d->bus || streq(o->slot, d->slot))
			continue;
		vp_strv_pushf(&r->bus_siblings, "%s (%s)", o->addr, o->driver ? o->driver : "no driver");
	}
}

static void set(struct vp_reset *r, enum vp_reset_verdict v, char *fix, const char *fmt, ...) _printf_(4, 5);
static void set(struct vp_reset *r, enum vp_reset_verdict v, char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->summary, fmt, ap) < 0)
		r->summary = NULL;
	va_end(ap);
	r->verdict = v;
	r->fix = fix;
}

/* The AMD reset-bug verdict: vendor-reset and device_specific decide. */
static void judge_bug(const struct vp_host *h, const struct vp_pci_dev *d, const struct vp_platform *p, struct vp_reset *r)
{
	const struct vp_reset_bug_entry *b = r->bug;
	_cleanup_free_ char *rule = vp_reset_udev_rule(d);
	_cleanup_free_ char *what = vp_strdup_printf("AMD %s (%s) is known for the AMD reset bug: after a guest stops, the "
						     "card does not come back until the host reboots", b->family, b->names);
	_cleanup_free_ char *setup = vp_strdup_printf(
		"load it at boot: echo vendor-reset | sudo tee /etc/modules-load.d/vendor-reset.conf; make the kernel use it for "
		"this card with /etc/udev/rules.d/99-vendor-reset.rules holding: %s; for this boot: sudo modprobe vendor-reset "
		"&& echo device_specific | sudo tee /sys/bus/pci/devices/%s/reset_method", rule, d->addr);
	if (r->device_specific && r->methods && streq(r->methods[0], "device_specific"))
		return set(r, VP_RESET_OK, NULL, "%s; vendor-reset handles it: device_specific is the kernel's first reset method", what);
	if (r->device_specific) {
		_cleanup_free_ char *order = vp_strv_join(r->methods, ", ");
		return set(r, VP_RESET_WARN, vp_strdup_printf("set device_specific as the only method: %s", setup),
			   "%s; vendor-reset offers device_specific, but the kernel tries %s first (reset_method: %s)", what,
			   r->methods[0], order);
	}
	if (h->vendor_reset_loaded && !r->methods)
		return set(r, VP_RESET_OK, NULL, "%s; vendor-reset is loaded and this kernel (no reset_method, before 5.15) uses its hook directly", what);
	if (h->vendor_reset_loaded)
		return set(r, VP_RESET_WARN, vp_strdup_printf("vendor-reset must be loaded before the card's driver and be told to act: %s", setup),
			   "%s; vendor-reset is loaded but the kernel does not offer device_specific for this card (reset_method: %s)", what,
			   r->methods[0] ? r->methods[0] : "empty");
	const char *kver = h->kernel_release ? h->kernel_release : "the running kernel";
	if (h->vendor_reset == VP_MOD_MODULE)
		return set(r, VP_RESET_FAIL, strdup(setup), "%s; vendor-reset is installed for %s but not loaded", what, kver);
	return set(r, VP_RESET_FAIL, vp_strdup_printf("%s; then %s", install_cmd(p), setup), "%s; vendor-reset is %s",
		   what, h->vendor_reset == VP_MOD_MISSING ? "not installed" : "not loaded");
}

static void judge_generic(const struct vp_pci_dev *d, struct vp_reset *r)
{
	char *const *m = r->methods;
	size_t n_sib = vp_strv_len(r->bus_siblings);
	_cleanup_free_ char *sibs = vp_strv_join(r->bus_siblings, ", ");
	if (m && !m[0])
		return set(r, VP_RESET_FAIL,
			   strdup("give the guest a card that can be reset, or reboot the host between guest runs; the next guest may "
				  "find the card as the last one left it and hang"),
			   "the kernel offers no reset method for %s (reset_method is %s): nothing resets it when the guest stops%s%s",
			   d->addr, d->reset_methods ? "empty" : "absent", n_sib ? "; a bus reset would also hit " : "", n_sib ? sibs : "");
	bool flr = has_method(m, "flr") || has_method(m, "af_flr") || (!m && r->flr == VP_TRI_YES);
	bool pm = has_method(m, "pm") || (!m && r->pm_reset == VP_TRI_YES);
	bool bus = has_method(m, "bus") || (!m && r->bridge);
	if (m && (streq(m[0], "device_specific") || streq(m[0], "acpi")))
		return set(r, VP_RESET_OK, NULL, "the kernel resets it with %s", m[0]);
	if (flr)
		return set(r, VP_RESET_OK, NULL, "function level reset (FLR)%s", m ? "" : " from the PCIe capability");
	if (pm)
		return set(r, VP_RESET_OK, NULL, "PM reset (D3hot to D0, NoSoftRst-): no FLR, but the power-state change resets it");
	if (!m && (r->flr == VP_TRI_UNKNOWN || r->pm_reset == VP_TRI_UNKNOWN))
		return set(r, VP_RESET_UNKNOWN, strdup("run as root: without root the kernel shows only the first 64 bytes of config "
						       "space, and this kernel has no reset_method (Linux 5.15 and later show it)"),
			   "cannot tell: no reset_method and %s", r->config_len ? "the capability list is cut off at 64 bytes"
			   : d->config_skipped ? "config space not read (the device sleeps; reading it would wake it)" : "no config space");
	if (bus && n_sib)
		return set(r, VP_RESET_WARN,
			   vp_strdup_printf("vfio-pci resets the card only when it owns every device on the bus: hand %s to the same "
					    "guest (bind --whole-group if they share the group) or move the card to a slot of its own", sibs),
			   "no FLR or PM reset: only a bus reset of %s, which also resets %s", r->bridge, sibs);
	if (bus)
		return set(r, VP_RESET_OK, NULL, "bus reset of %s (no FLR or PM reset); nothing else is behind that bridge", r->bridge);
	if (m)
		return set(r, VP_RESET_WARN, NULL, "the kernel resets it only with %s", m[0]);
	if (r->flr == VP_TRI_UNKNOWN || r->pm_reset == VP_TRI_UNKNOWN)
		return set(r, VP_RESET_UNKNOWN, strdup("run as root: without root the kernel shows only the first 64 bytes of config "
						       "space, and this kernel has no reset_method (Linux 5.15 and later show it)"),
			   "cannot tell: no reset_method and %s", r->config_len ? "the capability list is cut off at 64 bytes"
			   : d->config_skipped ? "config space not read (the device sleeps; reading it would wake it)" : "no config space");
	return set(r, VP_RESET_FAIL, strdup("give the guest a card that can be reset, or reboot the host between guest runs"),
		   "no FLR, no PM reset and no bridge for a bus reset: nothing resets it when the guest stops");
}

/* power_state and d3cold_allowed: a card that no longer answers, or sleeps where it may not wake. */
static void judge_power(const struct vp_pci_dev *d, struct vp_reset *r)
{
	if (!d->power_state)
		return;
	if (streq(d->power_state, "error") || streq(d->power_state, "unknown")) {
		char *old = r->summary;
		r->summary = vp_strdup_printf("the card does not answer (power_state %s): it is stuck, typically after a failed "
					      "reset; %s", d->power_state, old ? old : "");
		free(old);
		free(r->fix);
		r->fix = vp_strdup_printf("reboot the host; a remove and rescan sometimes brings it back: echo 1 | sudo tee "
					  "/sys/bus/pci/devices/%s/remove && echo 1 | sudo tee /sys/bus/pci/rescan", d->addr);
		r->verdict = VP_RESET_FAIL;
		return;
	}
	if (streq(d->power_state, "D3cold") && d->d3cold_allowed == 1 && d->driver && streq(d->driver, "vfio-pci") &&
	    r->verdict != VP_RESET_FAIL) {
		char *old = r->summary;
		r->summary = vp_strdup_printf("%s; it sleeps in D3cold while vfio-pci holds it, and cards that do not wake from "
					      "D3cold fail with \"Unable to change power state from D3cold to D0\"", old ? old : "");
		free(old);
		if (!r->fix)
			r->fix = vp_strdup_printf("if the guest cannot start it, keep it out of D3cold: echo 0 | sudo tee "
						  "/sys/bus/pci/devices/%s/d3cold_allowed (or boot with vfio-pci.disable_idle_d3=1)", d->addr);
		if (r->verdict == VP_RESET_OK)
			r->verdict = VP_RESET_WARN;
	}
}

/* Linux 5.15 and later show reset_method only when the device has some method (pci_reset_supported()). */
static bool kernel_shows_reset_method(const struct vp_host *h)
{
	unsigned maj = 0, min = 0;
	return h->kernel_release && sscanf(h->kernel_release, "%u.%u", &maj, &min) == 2 && (maj > 5 || (maj == 5 && min >= 15));
}

int vp_reset_assess(const struct vp_host *h, const struct vp_pci_dev *d, const struct vp_platform *p, struct vp_reset *ret)
{
	static char *const none[] = { NULL };
	struct vp_reset *r = ret;
	*r = (struct vp_reset){ .dev = d, .methods = d->reset_methods, .config_len = d->config_len };
	if (!r->methods && kernel_shows_reset_method(h))
		r->methods = none; /* absent on 5.15+: no method at all */
	vp_reset_parse_config(d->config, d->config_len, r);
	r->device_specific = has_method(d->reset_methods, "device_specific");
	r->bug = vp_reset_bug_lookup(d->vendor, d->device);
	bus_siblings(h, d, r);
	if (r->bug)
		judge_bug(h, d, p, r);
	else
		judge_generic(d, r);
	judge_power(d, r);
	if (!r->summary) {
		vp_reset_clear(r);
		return -ENOMEM;
	}
	return 0;
}

void vp_reset_clear(struct vp_reset *r)
{
	vp_strv_free(r->bus_siblings);
	free(r->summary);
	free(r->fix);
	*r = (struct vp_reset){ 0 };
}

static json_object *tri(enum vp_tri t)
{
	return t == VP_TRI_UNKNOWN ? NULL : json_object_new_boolean(t == VP_TRI_YES);
}

json_object *vp_reset_to_json(const struct vp_reset *r)
{
	json_object *o = json_object_new_object();
	vp_row_take(o, "methods", r->methods ? vp_json_strv(r->methods) : NULL);
	vp_row_take(o, "flr", tri(r->flr));
	vp_row_take(o, "pm_reset", tri(r->pm_reset));
	vp_row_int(o, "config_bytes", (long long)r->config_len);
	vp_row_bool(o, "config_truncated", r->config_truncated);
	vp_row_bool(o, "config_skipped", r->dev->config_skipped);
	vp_row_bool(o, "device_specific", r->device_specific);
	vp_row_str(o, "bus_reset_bridge", r->bridge);
	vp_row_take(o, "bus_reset_hits", vp_json_strv(r->bus_siblings));
	vp_row_str(o, "reset_bug_family", r->bug ? r->bug->family : NULL);
	vp_row_str(o, "reset_bug_source", r->bug ? r->bug->source : NULL);
	vp_row_int_opt(o, "d3cold_allowed", r->dev->d3cold_allowed);
	vp_row_str(o, "power_state", r->dev->power_state);
	vp_row_str(o, "verdict", vp_reset_verdict_to_string(r->verdict));
	vp_row_str(o, "summary", r->summary);
	vp_row_str(o, "fix", r->fix);
	return o;
}

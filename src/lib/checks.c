/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The readiness checks (see checks.h). Each check reads only the host model
 * and the detected platform; the facts behind each judgment are in
 * kernel-facts.md (sections named in the comments).
 */
#include "checks.h"

#include <stdarg.h>
#include <string.h>

#include "reset.h"
#include "hostneeds.h"
#include "util.h"

struct ctx {
	const struct vp_host *h;
	const struct vp_platform *p;
	char *const *targets;
	struct vp_check_report *rep;
};

typedef void (*check_fn)(struct ctx *c, struct vp_check_result *r);

static void set(struct vp_check_result *r, enum vp_level level, char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set(struct vp_check_result *r, enum vp_level level, char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->summary, fmt, ap) < 0)
		r->summary = NULL;
	va_end(ap);
	r->level = level;
	r->fix = fix;
}

static enum vp_level level_of(const struct ctx *c, const char *id)
{
	for (size_t i = 0; i < c->rep->n; i++)
		if (streq(c->rep->results[i].id, id))
			return c->rep->results[i].level;
	return VP_LEVEL_SKIP;
}

static void check_cpu_virt(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (h->cpu_vmx == VP_TRI_YES)
		return set(r, VP_LEVEL_PASS, NULL, "Intel VT-x (vmx) available");
	if (h->cpu_svm == VP_TRI_YES)
		return set(r, VP_LEVEL_PASS, NULL, "AMD-V (svm) available");
	if (h->cpu_vmx == VP_TRI_UNKNOWN)
		return set(r, VP_LEVEL_SKIP, NULL, "/proc/cpuinfo has no flags line; cannot tell");
	const char *where = h->cpu_vendor == VP_CPU_AMD ? "SVM Mode (AMD-V)" : "Intel Virtualization Technology (VT-x)";
	if (h->cpu_hypervisor == VP_TRI_YES)
		return set(r, VP_LEVEL_FAIL, strdup("this is a virtual machine without nested virtualization: enable nested "
					      "virtualization on its hypervisor, or run vfio-pilot on the physical host"),
			   "no vmx or svm flag: this host is itself a virtual machine");
	return set(r, VP_LEVEL_FAIL, vp_strdup_printf("enable %s in the firmware (BIOS/UEFI) setup, then reboot", where),
		   "no vmx or svm flag in /proc/cpuinfo");
}

static void check_kvm_device(struct ctx *c, struct vp_check_result *r)
{
	if (c->h->kvm_dev)
		return set(r, VP_LEVEL_PASS, NULL, "/dev/kvm exists");
	const char *mod = c->h->cpu_vendor == VP_CPU_AMD ? "kvm_amd" : "kvm_intel";
	return set(r, VP_LEVEL_FAIL,
		   vp_strdup_printf("sudo modprobe %s (and enable CPU virtualization in the firmware setup if it fails)", mod),
		   "/dev/kvm is missing: KVM is not available");
}

/* intel_iommu=on is given (the last intel_iommu= wins, as in the kernel's parser order). */
static bool intel_on(const struct vp_host *h)
{
	const char *v = vp_host_cmdline_get(h, "intel_iommu");
	return v && vp_optlist_has(v, "on");
}

static bool intel_off(const struct vp_host *h)
{
	const char *v = vp_host_cmdline_get(h, "intel_iommu");
	return v && vp_optlist_has(v, "off");
}

static bool amd_off(const struct vp_host *h)
{
	const char *v = vp_host_cmdline_get(h, "amd_iommu");
	return v && vp_optlist_has(v, "off");
}

static bool iommu_off(const struct vp_host *h)
{
	const char *v = vp_host_cmdline_get(h, "iommu");
	return v && streq(v, "off");
}

/*
 * Does the running kernel turn VT-d on without intel_iommu=on? From its config
 * when we have it, else the distribution's known default (kernel-facts §2.3:
 * Debian and Ubuntu yes, Fedora, RHEL and Arch no).
 */
static enum vp_tri intel_default_on(const struct ctx *c, bool *from_config)
{
	*from_config = c->h->intel_iommu_default_on != VP_TRI_UNKNOWN;
	if (*from_config)
		return c->h->intel_iommu_default_on;
	/* The distribution's default holds for the distribution's kernel only, which installs its
	 * modules; a kernel without a module directory (a cloud VM's, a hand-built one) is not it. */
	if (c->h->vfio_pci == VP_MOD_UNKNOWN)
		return VP_TRI_UNKNOWN;
	switch (c->p->distro) {
	case VP_DISTRO_DEBIAN:
	case VP_DISTRO_UBUNTU:
	case VP_DISTRO_POPOS:
		return VP_TRI_YES;
	case VP_DISTRO_FEDORA:
	case VP_DISTRO_FEDORA_ATOMIC:
	case VP_DISTRO_RHEL:
	case VP_DISTRO_ARCH:
		return VP_TRI_NO;
	default:
		return VP_TRI_UNKNOWN;
	}
}

static bool is_vm_without_iommu(const struct vp_host *h)
{
	return h->cpu_hypervisor == VP_TRI_YES && vp_strv_len(h->iommu_units) == 0;
}

static char *iommu_enable_fix(const struct ctx *c)
{
	const struct vp_host *h = c->h;
	if (iommu_off(h)) {
		_cleanup_free_ char *k = vp_platform_karg_fix(c->p, false, "iommu=off");
		return vp_strdup_printf("%s; reboot", k);
	}
	if (h->cpu_vendor == VP_CPU_AMD) {
		if (amd_off(h)) {
			_cleanup_free_ char *arg = vp_strdup_printf("amd_iommu=%s", vp_host_cmdline_get(h, "amd_iommu"));
			_cleanup_free_ char *k = vp_platform_karg_fix(c->p, false, arg);
			return vp_strdup_printf("%s; reboot", k);
		}
		if (h->acpi_ivrs == VP_TRI_YES)
			return strdup("the firmware describes AMD-Vi (ACPI IVRS table) but the kernel did not enable it: "
				      "look for AMD-Vi lines in `journalctl -k -b` and make sure the kernel has CONFIG_AMD_IOMMU");
		return strdup("enable IOMMU (AMD-Vi, sometimes called AMD IOMMU or IOMMU Controller) and SVM in the "
			      "firmware (BIOS/UEFI) setup, then reboot; AMD needs no kernel argument");
	}
	if (h->cpu_vendor == VP_CPU_INTEL) {
		if (intel_off(h)) {
			_cleanup_free_ char *arg = vp_strdup_printf("intel_iommu=%s", vp_host_cmdline_get(h, "intel_iommu"));
			_cleanup_free_ char *k = vp_platform_karg_fix(c->p, false, arg);
			return vp_strdup_printf("%s; reboot", k);
		}
		bool cfg;
		bool need_arg = !intel_on(h) && intel_default_on(c, &cfg) != VP_TRI_YES;
		_cleanup_free_ char *k = need_arg ? vp_platform_karg_fix(c->p, true, "intel_iommu=on") : NULL;
		if (h->acpi_dmar == VP_TRI_NO)
			return vp_strdup_printf("enable VT-d (Intel Virtualization Technology for Directed I/O) in the firmware "
						"(BIOS/UEFI) setup%s%s, then reboot", k ? "; " : "", k ? k : "");
		if (k)
			return vp_strdup_printf("%s; reboot", k);
		if (h->acpi_dmar == VP_TRI_YES)
			return strdup("the firmware describes VT-d (ACPI DMAR table) and intel_iommu=on is set, yet no unit is active: "
				      "look for DMAR lines in `journalctl -k -b`");
		return strdup("enable VT-d in the firmware (BIOS/UEFI) setup, then reboot");
	}
	return strdup("enable the IOMMU in the firmware setup and the kernel, then reboot");
}

/* kernel-facts §1.2: groups populated is the one reliable test; dmarN/ivhdN names the unit. */
static void check_iommu_enabled(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	_cleanup_free_ char *units = vp_strv_join(h->iommu_units, ", ");
	if (h->n_groups > 0 && (h->iommu_vendor == VP_IOMMU_INTEL || h->iommu_vendor == VP_IOMMU_AMD))
		return set(r, VP_LEVEL_PASS, NULL, "%zu IOMMU groups; %s unit%s %s", h->n_groups,
			   h->iommu_vendor == VP_IOMMU_INTEL ? "Intel VT-d" : "AMD-Vi",
			   vp_strv_len(h->iommu_units) > 1 ? "s" : "", units);
	if (h->n_groups > 0)
		return set(r, VP_LEVEL_WARN, strdup("vfio-pilot knows Intel (dmarN) and AMD (ivhdN) units; check that this IOMMU isolates devices"),
			   "%zu IOMMU groups but no dmar or ivhd unit under /sys/class/iommu%s%s", h->n_groups,
			   units && *units ? ": " : "", units ? units : "");
	const char *why = h->groups_dir ? "/sys/kernel/iommu_groups is empty" : "/sys/kernel/iommu_groups does not exist";
	if (is_vm_without_iommu(h))
		return set(r, VP_LEVEL_FAIL,
			   strdup("passthrough needs the physical host: run vfio-pilot there (or give this virtual machine a "
				  "virtual IOMMU, e.g. QEMU -device intel-iommu,intremap=on, for nested tests)"),
			   "no IOMMU: this is a virtual machine without a virtual IOMMU (%s, no dmar or ivhd unit)", why);
	if (h->iommu_vendor == VP_IOMMU_INTEL || h->iommu_vendor == VP_IOMMU_AMD)
		return set(r, VP_LEVEL_FAIL, iommu_enable_fix(c), "%s although unit %s is registered", why, units);
	const char *fw = h->cpu_vendor == VP_CPU_AMD ? (h->acpi_ivrs == VP_TRI_NO ? "; the firmware has no ACPI IVRS table (AMD-Vi off in the setup)"
						     : h->acpi_ivrs == VP_TRI_YES ? "; the firmware describes AMD-Vi (ACPI IVRS table)" : "")
			 : h->cpu_vendor == VP_CPU_INTEL ? (h->acpi_dmar == VP_TRI_NO ? "; the firmware has no ACPI DMAR table (VT-d off in the setup)"
							    : h->acpi_dmar == VP_TRI_YES ? "; the firmware describes VT-d (ACPI DMAR table)" : "")
			 : "";
	return set(r, VP_LEVEL_FAIL, iommu_enable_fix(c), "no IOMMU is active: %s and /sys/class/iommu has no dmar or ivhd unit%s", why, fw);
}

/* kernel-facts §2.3 and §8: Fedora needs intel_iommu=on; amd_iommu=on is not a valid value. */
static void check_iommu_cmdline(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (!h->cmdline)
		return set(r, VP_LEVEL_SKIP, NULL, "/proc/cmdline is unreadable");
	if (iommu_off(h))
		return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, "iommu=off"), "iommu=off disables every IOMMU");
	const char *iommu = vp_host_cmdline_get(h, "iommu");
	const char *pt = iommu && streq(iommu, "pt") ? " (iommu=pt: host-owned devices use identity mapping; optional)" : "";
	if (h->cpu_vendor == VP_CPU_INTEL) {
		const char *v = vp_host_cmdline_get(h, "intel_iommu");
		if (intel_off(h)) {
			_cleanup_free_ char *arg = vp_strdup_printf("intel_iommu=%s", v);
			return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, arg), "%s turns VT-d off", arg);
		}
		if (intel_on(h))
			return set(r, VP_LEVEL_PASS, NULL, "intel_iommu=%s is set%s", v, pt);
		bool cfg;
		enum vp_tri def = intel_default_on(c, &cfg);
		if (def == VP_TRI_YES)
			return set(r, VP_LEVEL_PASS, NULL, "%s turns VT-d on by default; intel_iommu=on is not needed%s",
				   cfg ? "this kernel (CONFIG_INTEL_IOMMU_DEFAULT_ON)" : "this distribution's kernel", pt);
		if (vp_host_iommu_active(h))
			return set(r, VP_LEVEL_PASS, NULL, "VT-d is active without intel_iommu=on (kernel default or firmware opt-in)%s", pt);
		if (def == VP_TRI_NO)
			return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, true, "intel_iommu=on"),
				   "intel_iommu=on is missing and %s does not turn VT-d on by default%s",
				   cfg ? "this kernel (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set)" : "this distribution's kernel", pt);
		return set(r, VP_LEVEL_WARN, vp_platform_karg_fix(c->p, true, "intel_iommu=on"),
			   "intel_iommu=on is missing and whether this kernel turns VT-d on by default is unknown (no kernel config found)%s", pt);
	}
	if (h->cpu_vendor == VP_CPU_AMD) {
		const char *v = vp_host_cmdline_get(h, "amd_iommu");
		_cleanup_free_ char *arg = v ? vp_strdup_printf("amd_iommu=%s", v) : NULL;
		if (amd_off(h))
			return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, arg), "%s turns AMD-Vi off", arg);
		if (v && vp_optlist_has(v, "on"))
			return set(r, VP_LEVEL_WARN, vp_platform_karg_fix(c->p, false, arg),
				   "%s: \"on\" is not a valid value (the kernel logs \"AMD-Vi: Unknown option - 'on'\"); AMD-Vi is on by default%s", arg, pt);
		return set(r, VP_LEVEL_PASS, NULL, "AMD-Vi needs no kernel argument%s", pt);
	}
	return set(r, VP_LEVEL_SKIP, NULL, "not an Intel or AMD x86 CPU");
}

/* kernel-facts §1.2: without IR, vfio_iommu_type1 refuses to attach. */
static void check_interrupt_remapping(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (level_of(c, "iommu.enabled") == VP_LEVEL_FAIL)
		return set(r, VP_LEVEL_SKIP, NULL, "needs an active IOMMU");
	if (h->irq_remapping == VP_TRI_YES)
		return set(r, VP_LEVEL_PASS, NULL, "interrupt remapping is on (IR- interrupt chips in /proc/interrupts)");
	if (h->irq_remapping == VP_TRI_UNKNOWN)
		return set(r, VP_LEVEL_SKIP, NULL, "/proc/interrupts is unreadable");
	bool unsafe = c->h->unsafe_interrupts_param || vp_host_cmdline_get(h, "vfio_iommu_type1.allow_unsafe_interrupts");
	if (unsafe)
		return set(r, VP_LEVEL_WARN,
			   strdup("enable interrupt remapping (VT-d/AMD-Vi with x2APIC) in the firmware setup, then drop allow_unsafe_interrupts"),
			   "interrupt remapping is off: vfio_iommu_type1 attaches devices only because allow_unsafe_interrupts is on (no MSI isolation)");
	const char *hint = vp_host_cmdline_get(h, "intremap") || vp_host_cmdline_get(h, "nointremap")
				   ? "remove intremap=off/nointremap from the kernel command line"
				   : "enable interrupt remapping (VT-d/AMD-Vi with x2APIC) in the firmware setup";
	return set(r, VP_LEVEL_FAIL,
		   vp_strdup_printf("%s; only as a last resort add vfio_iommu_type1.allow_unsafe_interrupts=1, which removes MSI isolation", hint),
		   "interrupt remapping is off: vfio_iommu_type1 will refuse to attach devices");
}

static void check_vfio_module(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	const char *kver = h->kernel_release ? h->kernel_release : "the running kernel";
	switch (h->vfio_pci) {
	case VP_MOD_BUILTIN:
		return set(r, VP_LEVEL_PASS, NULL, "vfio-pci is built into %s", kver);
	case VP_MOD_MODULE:
		return set(r, VP_LEVEL_PASS, NULL, "vfio-pci is a module of %s%s", kver, h->vfio_pci_loaded ? " (loaded)" : "");
	case VP_MOD_MISSING:
		return set(r, VP_LEVEL_FAIL, strdup("install a kernel built with CONFIG_VFIO_PCI (every major distribution kernel has it)"),
			   "%s has no vfio-pci module and does not build it in", kver);
	default:
		return set(r, VP_LEVEL_WARN, vp_strdup_printf("install the modules of %s (e.g. /lib/modules/%s is missing)", kver, kver),
			   "cannot tell whether vfio-pci exists: no module directory for %s", kver);
	}
}

static bool in_targets(const struct ctx *c, const struct vp_card *card)
{
	if (c->targets)
		return vp_strv_contains(c->targets, card->slot);
	if (card->boot_vga)
		return false;
	for (size_t i = 0; i < card->n_devs; i++)
		if (card->devs[i]->driver && streq(card->devs[i]->driver, "vfio-pci"))
			return true;
	return true;
}

static void card_label(const struct vp_card *card, struct vp_buf *b)
{
	const struct vp_pci_dev *d = card->devs[0];
	vp_buf_printf(b, "%s", card->slot);
	if (d->device_name)
		vp_buf_printf(b, " (%s)", d->device_name);
}

static void check_host_display(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	struct vp_buf stay = { 0 }, given = { 0 };
	size_t n_stay = 0, n_given = 0;
	for (size_t i = 0; i < h->n_cards; i++) {
		const struct vp_card *card = &h->cards[i];
		if (!card->display)
			continue;
		bool t = in_targets(c, card);
		struct vp_buf *b = t ? &given : &stay;
		if ((t ? n_given : n_stay) > 0)
			vp_buf_puts(b, ", ");
		card_label(card, b);
		if (card->boot_vga)
			vp_buf_puts(b, " [boot VGA]");
		t ? n_given++ : n_stay++;
	}
	_cleanup_free_ char *s = vp_buf_steal(&stay), *g = vp_buf_steal(&given);
	if (n_stay + n_given == 0)
		return set(r, VP_LEVEL_SKIP, NULL, "no display adapter found");
	/* issue 11 §1: judge only display devices; a disk controller or NIC leaves every display where it is */
	if (c->targets && n_given == 0)
		return set(r, VP_LEVEL_PASS, NULL, "no display adapter among the devices to hand over; the host keeps %s", s);
	for (size_t i = 0; c->targets && i < h->n_cards; i++)
		if (h->cards[i].display && h->cards[i].boot_vga && in_targets(c, &h->cards[i]))
			return set(r, VP_LEVEL_FAIL,
				   strdup("hand over a secondary GPU; or plan a single-GPU setup with --allow-host-gpu and keep SSH access to the host"),
				   "%s is the boot display (boot_vga=1): the host's console depends on it%s%s", h->cards[i].slot,
				   n_stay ? "; the host would keep " : "", n_stay ? s : "");
	if (n_stay > 0 && n_given > 0)
		return set(r, VP_LEVEL_PASS, NULL, "the host keeps %s; to hand over: %s", s, g);
	if (n_stay > 0)
		return set(r, VP_LEVEL_WARN,
			   strdup("add a second GPU for the guest; or plan a single-GPU setup with --allow-host-gpu and keep SSH access to the host"),
			   "only one display adapter, %s: handing it over would leave the host without a display", s);
	return set(r, c->targets ? VP_LEVEL_FAIL : VP_LEVEL_WARN,
		   strdup("keep one GPU (the boot VGA or an iGPU) on its host driver, or make sure you can reach the host over SSH"),
		   "no display adapter would remain for the host: %s", g);
}

/* issue 11 §1: storage and NICs the host itself needs (hostneeds.c). */
static void check_host_needs(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (!vp_hostneeds_have_mounts(h) && !vp_hostneeds_have_routes(h))
		return set(r, VP_LEVEL_SKIP, NULL, "no mount table or routing table to read (/proc/self/mountinfo, /proc/net/route)");
	struct vp_buf b = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct vp_pci_dev *d = &h->devs[i];
		const struct vp_card *card = vp_host_card_of(h, d);
		if (c->targets && !(card && vp_strv_contains(c->targets, card->slot)))
			continue;
		_cleanup_free_ char *what = vp_hostneeds_of(h, d);
		if (what)
			vp_buf_printf(&b, "%s%s (%s) for %s", n++ ? "; " : "", d->addr, vp_class_short(d->class_code), what);
	}
	_cleanup_free_ char *list = vp_buf_steal(&b);
	if (c->targets && n)
		return set(r, VP_LEVEL_FAIL,
			   strdup("hand over another device; only if the host can do without it, add --allow-host-device to plan, apply or bind"),
			   "the host needs %s", list);
	if (c->targets)
		return set(r, VP_LEVEL_PASS, NULL, "the host needs none of the devices to hand over for its mounts, swap or default route");
	if (n)
		return set(r, VP_LEVEL_PASS, NULL, "the host keeps %s", list);
	return set(r, VP_LEVEL_PASS, NULL, "no PCI device serves the host's mounts, swap or default route");
}

/*
 * kernel-facts §7: a group goes to the guest whole. The cards to hand over
 * must share their groups only with bridges, or everything else in the
 * group goes along (and stays off the host).
 */
static void check_group_isolated(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (!vp_host_iommu_active(h))
		return set(r, VP_LEVEL_SKIP, NULL, "needs an active IOMMU");
	struct vp_buf ok = { 0 }, bad = { 0 }, fix = { 0 };
	size_t n_ok = 0, n_bad = 0;
	for (size_t i = 0; i < h->n_cards; i++) {
		const struct vp_card *card = &h->cards[i];
		if (!(c->targets ? vp_strv_contains(c->targets, card->slot) : card->display && in_targets(c, card)))
			continue;
		struct vp_buf others = { 0 };
		int groups[8];
		size_t n_groups = 0;
		bool ungrouped = false;
		for (size_t j = 0; j < card->n_devs; j++) {
			const struct vp_group *g = vp_host_group(h, card->devs[j]->iommu_group);
			if (!g) {
				ungrouped = true;
				continue;
			}
			bool seen = false;
			for (size_t k = 0; k < n_groups; k++)
				seen |= groups[k] == g->id;
			if (seen || n_groups == ARRAY_SIZE(groups))
				continue;
			groups[n_groups++] = g->id;
			for (size_t k = 0; k < g->n_devs; k++) {
				const struct vp_pci_dev *o = g->devs[k];
				if (vp_class_is_bridge(o->class_code) || (o->card >= 0 && &h->cards[o->card] == card))
					continue;
				vp_buf_printf(&others, "%s%s (%s)", others.len ? ", " : "", o->addr, vp_class_short(o->class_code));
			}
		}
		_cleanup_free_ char *oth = vp_buf_steal(&others);
		struct vp_buf lbl = { 0 };
		card_label(card, &lbl);
		_cleanup_free_ char *label = vp_buf_steal(&lbl);
		struct vp_buf gl = { 0 };
		for (size_t k = 0; k < n_groups; k++)
			vp_buf_printf(&gl, "%s%d", k ? ", " : "", groups[k]);
		_cleanup_free_ char *gs = vp_buf_steal(&gl);
		if (ungrouped) {
			vp_buf_printf(&bad, "%s%s has functions in no IOMMU group", n_bad++ ? "; " : "", label);
		} else if (oth && *oth) {
			vp_buf_printf(&bad, "%s%s shares group %s with %s", n_bad++ ? "; " : "", label, gs, oth);
			vp_buf_printf(&fix, "%smove %s to a slot wired to the CPU, or hand over group %s whole (%s go%s with it)",
				      fix.len ? "; " : "", card->slot, gs, oth, strchr(oth, ',') ? "" : "es");
		} else {
			vp_buf_printf(&ok, "%s%s (group%s %s)", n_ok++ ? ", " : "", label, n_groups > 1 ? "s" : "", gs);
		}
	}
	_cleanup_free_ char *oks = vp_buf_steal(&ok), *bads = vp_buf_steal(&bad), *fixs = vp_buf_steal(&fix);
	if (n_ok + n_bad == 0)
		return set(r, VP_LEVEL_SKIP, NULL, "no card to hand over");
	const char *acs = vp_host_cmdline_get(h, "pcie_acs_override") ? " (split by pcie_acs_override: pretended, see security.acs_override)" : "";
	if (n_bad == 0)
		return set(r, VP_LEVEL_PASS, NULL, "nothing but bridges shares the groups of %s%s", oks, acs);
	char *f = vp_strdup_printf("%s; pcie_acs_override is no fix: it only pretends isolation",
				   fixs && *fixs ? fixs : "hand over the whole group, or choose another card");
	return set(r, c->targets ? VP_LEVEL_FAIL : VP_LEVEL_WARN, f, "%s", bads);
}

/* kernel-facts §8.10: the ACS override is not upstream and only pretends isolation. */
static void check_acs_override(struct ctx *c, struct vp_check_result *r)
{
	const char *v = vp_host_cmdline_get(c->h, "pcie_acs_override");
	if (!v)
		return set(r, VP_LEVEL_PASS, NULL, "no pcie_acs_override on the kernel command line");
	_cleanup_free_ char *arg = vp_strdup_printf("pcie_acs_override=%s", v);
	return set(r, VP_LEVEL_WARN, vp_platform_karg_fix(c->p, false, arg),
		   "%s splits IOMMU groups by pretending: devices may still reach each other by peer-to-peer DMA, so a guest can reach host devices",
		   arg);
}

static void check_unsafe_interrupts(struct ctx *c, struct vp_check_result *r)
{
	const char *v = vp_host_cmdline_get(c->h, "vfio_iommu_type1.allow_unsafe_interrupts");
	bool on = (v && (streq(v, "1") || streq(v, "Y") || streq(v, "y"))) || c->h->unsafe_interrupts_param;
	if (!on)
		return set(r, VP_LEVEL_PASS, NULL, "allow_unsafe_interrupts is off");
	_cleanup_free_ char *arg = vp_strdup_printf("vfio_iommu_type1.allow_unsafe_interrupts=%s", v ? v : "1");
	char *fix = v ? vp_platform_karg_fix(c->p, false, arg)
		      : strdup("remove allow_unsafe_interrupts from /etc/modprobe.d and rebuild the initramfs");
	return set(r, VP_LEVEL_WARN, fix,
		   "vfio_iommu_type1.allow_unsafe_interrupts is on: a guest can forge MSI writes to the host; interrupt safety is pretended, not real");
}

static void check_libvirt(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	_cleanup_free_ char *found = vp_strv_join(h->libvirt_programs, ", ");
	if (h->libvirt_installed)
		return set(r, VP_LEVEL_PASS, NULL, "libvirt is installed (%s)", found);
	return set(r, VP_LEVEL_WARN, strdup(vp_platform_libvirt_install(c->p)), "libvirt is not installed%s%s%s",
		   found && *found ? " (found only " : "", found ? found : "", found && *found ? ")" : "");
}

static void check_inputs(struct ctx *c, struct vp_check_result *r)
{
	size_t n = vp_strv_len(c->h->notes);
	if (n == 0)
		return set(r, VP_LEVEL_PASS, NULL, "every host file read cleanly");
	return set(r, VP_LEVEL_WARN, strdup("run `vfio-pilot list` and look at the devices marked unknown; a broken sysfs attribute usually means a driver or kernel bug"),
		   "%zu host file%s unreadable or malformed, e.g. %s", n, n == 1 ? " was" : "s were", c->h->notes[0]);
}

/* Reset (reset.h): will each card to hand over come back after the guest stops? Only for named DEVICEs. */
static void check_card_reset(struct ctx *c, struct vp_check_result *r)
{
	enum vp_level worst = VP_LEVEL_PASS;
	struct vp_buf sum = { 0 }, fix = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < c->h->n_cards; i++) {
		const struct vp_card *card = &c->h->cards[i];
		const struct vp_pci_dev *d = vp_reset_card_dev(card);
		if (!d || !vp_strv_contains(c->targets, card->slot))
			continue;
		struct vp_reset rs;
		if (vp_reset_assess(c->h, d, c->p, &rs) < 0)
			continue;
		static const enum vp_level lv[] = { VP_LEVEL_PASS, VP_LEVEL_WARN, VP_LEVEL_FAIL, VP_LEVEL_WARN };
		enum vp_level l = lv[rs.verdict];
		if (l == VP_LEVEL_FAIL || (l == VP_LEVEL_WARN && worst == VP_LEVEL_PASS))
			worst = l;
		vp_buf_printf(&sum, "%s%s: %s", n ? "; " : "", d->addr, rs.summary);
		if (rs.fix)
			vp_buf_printf(&fix, "%s%s: %s", fix.len ? "; " : "", d->addr, rs.fix);
		n++;
		vp_reset_clear(&rs);
	}
	_cleanup_free_ char *s = vp_buf_steal(&sum), *f = vp_buf_steal(&fix);
	if (!n)
		return set(r, VP_LEVEL_SKIP, NULL, "no card to judge");
	set(r, worst, worst == VP_LEVEL_PASS ? NULL : TAKE_PTR(f), "%s", s);
}

static const struct {
	const char *id;
	const char *title;
	check_fn fn;
} table[] = {
	{ "cpu.virt", "CPU virtualization", check_cpu_virt },
	{ "kvm.device", "KVM device", check_kvm_device },
	{ "iommu.enabled", "IOMMU active", check_iommu_enabled },
	{ "iommu.cmdline", "IOMMU kernel arguments", check_iommu_cmdline },
	{ "iommu.interrupt_remapping", "Interrupt remapping", check_interrupt_remapping },
	{ "vfio.module", "vfio-pci driver", check_vfio_module },
	{ "host.display", "Display left for the host", check_host_display },
	{ "host.needs", "Devices the host needs", check_host_needs },
	{ "group.isolated", "Cards alone in their groups", check_group_isolated },
	{ "security.acs_override", "ACS override", check_acs_override },
	{ "security.unsafe_interrupts", "Unsafe interrupts", check_unsafe_interrupts },
	{ "libvirt.installed", "libvirt", check_libvirt },
	{ "host.inputs", "Host files readable", check_inputs },
	{ "card.reset", "Reset after the guest stops", check_card_reset },
};

const char *const vp_check_ids[] = {
	"cpu.virt", "kvm.device", "iommu.enabled", "iommu.cmdline", "iommu.interrupt_remapping", "vfio.module",
	"host.display", "host.needs", "group.isolated", "security.acs_override", "security.unsafe_interrupts", "libvirt.installed", "host.inputs", NULL,
};

const char *const vp_check_card_ids[] = { "card.reset", "card.rom", NULL };

int vp_checks_run(const struct vp_host *h, const struct vp_platform *p, char *const *targets, struct vp_check_report *ret)
{
	*ret = (struct vp_check_report){ .results = calloc(ARRAY_SIZE(table), sizeof(struct vp_check_result)) };
	if (!ret->results)
		return -ENOMEM;
	struct ctx c = { .h = h, .p = p, .targets = targets, .rep = ret };
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (vp_startswith(table[i].id, "card.") && !targets)
			continue; /* card.*: only when DEVICEs are named, judging those cards */
		struct vp_check_result *r = &ret->results[ret->n];
		r->id = table[i].id;
		r->title = table[i].title;
		table[i].fn(&c, r);
		ret->n++;
		if (!r->summary)
			return -ENOMEM;
	}
	return 0;
}

int vp_check_report_add(struct vp_check_report *r, const char *id, const char *title, enum vp_level level,
			char *summary, char *fix)
{
	struct vp_check_result *nr = realloc(r->results, (r->n + 1) * sizeof(*nr));
	if (!nr || !summary) {
		if (nr)
			r->results = nr;
		free(summary);
		free(fix);
		return -ENOMEM;
	}
	r->results = nr;
	r->results[r->n++] = (struct vp_check_result){ .id = id, .title = title, .level = level, .summary = summary, .fix = fix };
	return 0;
}

void vp_check_report_free(struct vp_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->results[i].summary);
		free(r->results[i].fix);
	}
	free(r->results);
	*r = (struct vp_check_report){ 0 };
}

bool vp_check_report_failed(const struct vp_check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->results[i].level == VP_LEVEL_FAIL)
			return true;
	return false;
}

const char *vp_level_to_string(enum vp_level l)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };
	return l < _VP_LEVEL_MAX ? names[l] : "unknown";
}

void vp_check_report_render(const struct vp_check_report *r, struct vp_doc *doc)
{
	static const struct vp_col cols[] = {
		{ "id", NULL, 0 }, { "level", NULL, 0 }, { "title", NULL, 0 }, { "summary", NULL, 0 }, { "fix", NULL, 0 },
	};
	struct vp_table *t = vp_doc_table(doc, "checks", NULL, cols, ARRAY_SIZE(cols), VP_STYLE_CHECKLIST);
	for (size_t i = 0; i < r->n; i++) {
		const struct vp_check_result *c = &r->results[i];
		json_object *row = vp_table_row(t);
		vp_row_str(row, "id", c->id);
		vp_row_str(row, "level", vp_level_to_string(c->level));
		vp_row_str(row, "title", c->title);
		vp_row_str(row, "summary", c->summary);
		vp_row_str(row, "fix", c->fix);
	}
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The readiness checks (see checks.h). Each check reads only the host model
 * and the detected platform; the facts behind each judgment are in
 * kernel-facts.md (sections named in the comments).
 */
#include "checks.h"

#include <stdarg.h>
#include <string.h>

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

static char *iommu_firmware_fix(const struct ctx *c)
{
	const struct vp_host *h = c->h;
	const char *fw = h->cpu_vendor == VP_CPU_AMD ? "enable IOMMU (AMD-Vi) in the firmware setup"
						     : "enable VT-d in the firmware setup";
	if (h->cpu_vendor == VP_CPU_INTEL) {
		const char *v = vp_host_cmdline_get(h, "intel_iommu");
		if (!v || !strstr(v, "on")) {
			_cleanup_free_ char *k = vp_platform_karg_fix(c->p, true, "intel_iommu=on");
			return vp_strdup_printf("%s; %s; reboot", fw, k);
		}
	}
	const char *amd = vp_host_cmdline_get(h, "amd_iommu");
	if (amd && streq(amd, "off")) {
		_cleanup_free_ char *k = vp_platform_karg_fix(c->p, false, "amd_iommu=off");
		return vp_strdup_printf("%s; reboot", k);
	}
	const char *iommu = vp_host_cmdline_get(h, "iommu");
	if (iommu && streq(iommu, "off")) {
		_cleanup_free_ char *k = vp_platform_karg_fix(c->p, false, "iommu=off");
		return vp_strdup_printf("%s; reboot", k);
	}
	return vp_strdup_printf("%s, then reboot", fw);
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
	if (h->iommu_vendor == VP_IOMMU_INTEL || h->iommu_vendor == VP_IOMMU_AMD)
		return set(r, VP_LEVEL_FAIL, iommu_firmware_fix(c), "%s although unit %s is registered", why, units);
	return set(r, VP_LEVEL_FAIL, iommu_firmware_fix(c), "no IOMMU is active: %s and /sys/class/iommu has no dmar or ivhd unit", why);
}

/* kernel-facts §2.3 and §8: Fedora needs intel_iommu=on; amd_iommu=on is not a valid value. */
static void check_iommu_cmdline(struct ctx *c, struct vp_check_result *r)
{
	const struct vp_host *h = c->h;
	if (!h->cmdline)
		return set(r, VP_LEVEL_SKIP, NULL, "/proc/cmdline is unreadable");
	const char *iommu = vp_host_cmdline_get(h, "iommu");
	if (iommu && streq(iommu, "off"))
		return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, "iommu=off"), "iommu=off disables every IOMMU");
	const char *pt = iommu && streq(iommu, "pt") ? " (iommu=pt: host devices use identity mapping)" : "";
	if (h->cpu_vendor == VP_CPU_INTEL) {
		const char *v = vp_host_cmdline_get(h, "intel_iommu");
		if (v && strstr(v, "off"))
			return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, "intel_iommu=off"), "intel_iommu=off turns VT-d off");
		if (v && strstr(v, "on"))
			return set(r, VP_LEVEL_PASS, NULL, "intel_iommu=on is set%s", pt);
		if (h->intel_iommu_default_on == VP_TRI_YES)
			return set(r, VP_LEVEL_PASS, NULL, "this kernel enables VT-d by default (CONFIG_INTEL_IOMMU_DEFAULT_ON); intel_iommu=on is not needed%s", pt);
		if (vp_host_iommu_active(h))
			return set(r, VP_LEVEL_PASS, NULL, "VT-d is active without intel_iommu=on (kernel default or firmware opt-in)%s", pt);
		return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, true, "intel_iommu=on"),
			   "intel_iommu=on is missing and this kernel does not turn VT-d on by default%s",
			   h->intel_iommu_default_on == VP_TRI_NO ? " (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set)" : "");
	}
	if (h->cpu_vendor == VP_CPU_AMD) {
		const char *v = vp_host_cmdline_get(h, "amd_iommu");
		if (v && streq(v, "off"))
			return set(r, VP_LEVEL_FAIL, vp_platform_karg_fix(c->p, false, "amd_iommu=off"), "amd_iommu=off turns AMD-Vi off");
		if (v && streq(v, "on"))
			return set(r, VP_LEVEL_WARN, vp_platform_karg_fix(c->p, false, "amd_iommu=on"),
				   "amd_iommu=on is not a valid value (the kernel logs \"AMD-Vi: Unknown option - 'on'\"); AMD-Vi is on by default");
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
	{ "security.acs_override", "ACS override", check_acs_override },
	{ "security.unsafe_interrupts", "Unsafe interrupts", check_unsafe_interrupts },
	{ "libvirt.installed", "libvirt", check_libvirt },
	{ "host.inputs", "Host files readable", check_inputs },
};

const char *const vp_check_ids[] = {
	"cpu.virt", "kvm.device", "iommu.enabled", "iommu.cmdline", "iommu.interrupt_remapping", "vfio.module",
	"host.display", "security.acs_override", "security.unsafe_interrupts", "libvirt.installed", "host.inputs", NULL,
};

int vp_checks_run(const struct vp_host *h, const struct vp_platform *p, char *const *targets, struct vp_check_report *ret)
{
	*ret = (struct vp_check_report){ .results = calloc(ARRAY_SIZE(table), sizeof(struct vp_check_result)) };
	if (!ret->results)
		return -ENOMEM;
	struct ctx c = { .h = h, .p = p, .targets = targets, .rep = ret };
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		struct vp_check_result *r = &ret->results[i];
		r->id = table[i].id;
		r->title = table[i].title;
		table[i].fn(&c, r);
		ret->n++;
		if (!r->summary)
			return -ENOMEM;
	}
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the fixes (see diagnose-fix.h): joins the engine's findings with
 * the host model (the driver bound now, the group's members, reset methods,
 * the kernel version) and writes each finding's cause and fix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose-fix.h"
#include "list.h"

typedef void (*fix_fn)(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b);

/* ---- fix texts ---- */

static void fb_list(const struct vp_diag *d, struct vp_buf *b)
{
	bool first = true;
	unsigned seen = vp_diag_framebuffers(d);
	for (size_t i = 0; i < VP_DIAG_N_FB; i++)
		if (seen & (1u << i)) {
			vp_buf_printf(b, "%s%s", first ? "" : ", ", vp_diag_fb_names[i]);
			first = false;
		}
}

/* "6.8.5-301.fc40.x86_64" >= 6.1 */
static int kernel_at_least(const struct vp_host *h, int maj, int min)
{
	if (!h || !h->kernel_release)
		return -1;
	int a = 0, b = 0;
	if (sscanf(h->kernel_release, "%d.%d", &a, &b) != 2)
		return -1;
	return a > maj || (a == maj && b >= min);
}

static void describe_device(const struct vp_host *h, const char *addr, struct vp_buf *b)
{
	const struct vp_pci_dev *dev = h ? vp_host_dev(h, addr) : NULL;
	if (!dev) {
		if (h)
			vp_buf_printf(b, " %s is not present on this host now.", addr);
		return;
	}
	vp_buf_printf(b, " On this host %s (%s) is bound to %s now", addr, vp_class_short(dev->class_code),
		      !dev->driver_known ? "an unknown driver" : dev->driver ? dev->driver : "no driver");
	if (dev->iommu_group >= 0)
		vp_buf_printf(b, ", IOMMU group %d.", dev->iommu_group);
	else
		vp_buf_puts(b, ", in no IOMMU group.");
}

static void describe_group(const struct vp_host *h, int gid, struct vp_buf *b)
{
	const struct vp_group *g = vp_host_group(h, gid);
	if (!g) {
		vp_buf_printf(b, " IOMMU group %d does not exist on this host now (groups are renumbered per boot).", gid);
		return;
	}
	vp_buf_printf(b, " On this host group %d holds:", gid);
	for (size_t i = 0; i < g->n_devs; i++) {
		const struct vp_pci_dev *x = g->devs[i];
		const char *drv = !x->driver_known ? "unknown driver" : x->driver ? x->driver : "no driver";
		const char *what = "";
		if (x->driver_known && x->driver && !vp_driver_is_dma_safe(x->driver))
			what = vp_class_is_bridge(x->class_code) ? ": cannot be handed over (a bridge with a host driver)"
								 : ": must move to vfio-pci";
		vp_buf_printf(b, "%s %s %s (%s%s)", i ? "," : "", x->addr, vp_class_short(x->class_code), drv, what);
	}
	vp_buf_printf(b, "; the group is %s now.", g->viable ? "viable" : "not viable");
}

static void fix_iommu_disabled(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			       struct vp_buf *b)
{
	(void)d, (void)f;
	if (h && vp_host_iommu_active(h)) {
		vp_buf_printf(b, "This host has %zu IOMMU groups now, so the IOMMU works in the current boot; the log is "
				 "from a boot without it. If it comes back, compare that boot's kernel command line.",
			      h->n_groups);
		return;
	}
	if (h) {
		/* The same reason and remedy that list and check give for this host (VM, firmware, argument). */
		_cleanup_free_ char *why = vp_iommu_inactive_reason(h);
		vp_buf_puts(b, why ? why : "");
		return;
	}
	vp_buf_puts(b, "Enable VT-d (Intel) or the IOMMU/AMD-Vi (AMD) in the firmware setup; on Intel also add "
			       "intel_iommu=on to the kernel command line. Then reboot and check that "
			       "/sys/kernel/iommu_groups is not empty.");
}

static void fix_iommu_fault(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			    struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Faults from a passed-through device while the guest boots or resets it are common and harmless "
		       "once; a flood of them means its DMA is not mapped: make sure the guest driver owns the device, "
		       "that the device resets between owners, and that no host driver still uses it. Faults of a host "
		       "device at boot point at firmware (RMRR/IVMD) bugs.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_ir(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d, (void)f;
	if (h && h->irq_remapping == VP_TRI_YES)
		vp_buf_puts(b, "This host has interrupt remapping now (IR- interrupt chips in /proc/interrupts). ");
	else if (h && h->irq_remapping == VP_TRI_NO)
		vp_buf_puts(b, "This host has no interrupt remapping now (no IR- chips in /proc/interrupts). ");
	const char *ir = h ? vp_host_cmdline_get(h, "intremap") : NULL;
	if (ir && streq(ir, "off"))
		vp_buf_puts(b, "Remove intremap=off from the kernel command line. ");
	vp_buf_puts(b, "Interrupt remapping comes with the IOMMU: enable VT-d/AMD-Vi (and x2APIC) in the firmware. "
		       "vfio_iommu_type1.allow_unsafe_interrupts=1 only as a last resort: it lets a guest inject "
		       "interrupts into the host.");
	if (h && h->unsafe_interrupts_param)
		vp_buf_puts(b, " allow_unsafe_interrupts is set on this host now.");
}

static void fix_not_viable(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			   struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Bind every endpoint of the group to vfio-pci (or leave it without a driver), e.g. with "
		       "vfio-pilot bind; bridges may stay on pcieport. If the group also holds devices the host needs, "
		       "move the card to a slot with its own group.");
	int gid = f->group;
	if (gid < 0 && h && f->device[0]) {
		const struct vp_pci_dev *dev = vp_host_dev(h, f->device);
		gid = dev ? dev->iommu_group : -1;
	}
	if (h && gid >= 0)
		describe_group(h, gid, b);
}

static void fix_permission(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			   struct vp_buf *b)
{
	(void)d, (void)h;
	vp_buf_puts(b, "Start the VM through libvirt's system instance (qemu:///system), which gives QEMU the group "
		       "node for managed hostdevs, or run QEMU as root; a hand-started QEMU as a user needs a udev rule "
		       "giving that user /dev/vfio/");
	if (f->group >= 0)
		vp_buf_printf(b, "%d", f->group);
	else
		vp_buf_puts(b, "N");
	vp_buf_puts(b, " (and /dev/vfio/vfio) plus a memlock limit as large as the guest's RAM.");
}

static void fix_in_use(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
		       struct vp_buf *b)
{
	(void)d;
	if (f->text && strstr(f->text, "multiple address spaces")) {
		vp_buf_puts(b, "Put all functions of the group in one guest address space: behind the same PCI bridge or "
			       "root port in the guest, and not split across vIOMMU domains.");
		return;
	}
	vp_buf_puts(b, "Find and stop the other user: virsh list --all (another domain with the same hostdev), "
		       "fuser -v /dev/vfio/*; a second -device for a function of the same group in one QEMU is fine, "
		       "two QEMUs are not.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_probe_busy(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			   struct vp_buf *b)
{
	if (f->text && strstr(f->text, "SR-IOV")) {
		vp_buf_puts(b, "Disable the VFs first (echo 0 > /sys/bus/pci/devices/ADDR/sriov_numvfs), or pass a VF "
			       "instead of the PF.");
	} else {
		vp_buf_puts(b, "Make vfio-pci claim the device before any other driver: vfio-pci.ids= on the kernel "
			       "command line or driver_override, with vfio-pci loaded early (softdep on the GPU driver, "
			       "initramfs).");
		if (vp_diag_framebuffers(d)) {
			vp_buf_puts(b, " This log shows a boot framebuffer (");
			fb_list(d, b);
			vp_buf_puts(b, ") that may hold the GPU's memory.");
		}
		int k = kernel_at_least(h, 6, 1);
		if (k == 0)
			vp_buf_puts(b, " This kernel is older than 6.1: add video=efifb:off (or initcall_blacklist=sysfb_init) "
				       "if the framebuffer is on this GPU.");
	}
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_host_bound(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			   struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Bind the device and every other endpoint of its IOMMU group to vfio-pci (vfio-pilot bind, or "
		       "vfio-pci.ids= plus a softdep so vfio-pci loads before the host driver).");
	if (f->device[0])
		describe_device(h, f->device, b);
	else if (h && f->group >= 0)
		describe_group(h, f->group, b);
}

static void fix_bar(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	if (vp_diag_framebuffers(d)) {
		vp_buf_puts(b, "This log shows a boot framebuffer (");
		fb_list(d, b);
		vp_buf_puts(b, "). ");
	}
	int k = kernel_at_least(h, 6, 1);
	if (k == 1)
		vp_buf_printf(b, "Kernel %s (6.1 or newer) removes firmware framebuffers from a VGA device when vfio-pci "
				 "binds it, so check that vfio-pci (not a GPU driver) binds first; if the card is the "
				 "boot display, make the other GPU primary in the firmware setup.", h->kernel_release);
	else
		vp_buf_puts(b, "Keep the firmware console off this GPU: make the other GPU primary in the firmware setup, "
			       "or (kernels before 6.1) add video=efifb:off video=vesafb:off or initcall_blacklist=sysfb_init "
			       "to the kernel command line.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_rom(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Give the guest a ROM image: <rom file='/usr/share/vgabios/CARD.rom'/> in the <hostdev> "
		       "(QEMU: romfile=), dumped from this card while it is not the boot GPU, or the vendor's image for "
		       "the exact card. <rom bar='off'/> (rombar=0) only hides the ROM: a UEFI (OVMF) guest then has no "
		       "GOP driver for the card and shows nothing until the guest OS driver loads.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_reset(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
		      struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "A device that reads 0xff/header type 127 needs a power cycle (a warm reboot may not do). Shut "
		       "guests down cleanly; for AMD Polaris/Vega/Navi 10 GPUs use the vendor-reset module "
		       "(reset_method device_specific). Keep every function of the card on vfio-pci so a bus reset "
		       "is possible.");
	const struct vp_pci_dev *dev = h && f->device[0] ? vp_host_dev(h, f->device) : NULL;
	if (dev) {
		char *m = dev->reset_methods ? vp_strv_join(dev->reset_methods, " ") : NULL;
		vp_buf_printf(b, " %s reset methods on this host: %s.", f->device, m && *m ? m : "none");
		free(m);
	} else if (f->device[0]) {
		describe_device(h, f->device, b);
	}
}

static void fix_d3(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Keep vfio-pci from idling the device: options vfio-pci disable_idle_d3=1 (modprobe.d or "
		       "vfio-pci.disable_idle_d3=1), and keep runtime PM off for it (power/control = on). A device "
		       "inaccessible after D3cold usually needs a power cycle.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_map(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d, (void)h;
	if (f->text && strstr(f->text, "Invalid argument"))
		vp_buf_puts(b, "EINVAL: guest memory lies outside what the IOMMU can map (address width) or overlaps a "
			       "reserved region; try less guest RAM, and check the IOMMU's reserved regions "
			       "(/sys/kernel/iommu_groups/N/reserved_regions).");
	else
		vp_buf_puts(b, "Check the errno QEMU prints: ENOMEM is the memlock limit (see dma.memlock), EINVAL an "
			       "unmappable address, EBUSY an overlapping mapping. The kernel log at the same time usually "
			       "names the reason.");
}

static void fix_memlock(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			struct vp_buf *b)
{
	(void)d, (void)f, (void)h;
	vp_buf_puts(b, "The QEMU process needs RLIMIT_MEMLOCK at least as large as the guest's RAM (plus about 1 GiB): "
		       "libvirt's system instance raises it itself, unless the unit is hardened (LimitMEMLOCK=, a missing "
		       "CAP_SYS_RESOURCE); for a hand-started QEMU set it with ulimit -l or "
		       "/etc/security/limits.d (memlock).");
}

static void fix_aer(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d;
	if (f->severity == VP_SEV_ERROR)
		vp_buf_puts(b, "Uncorrected errors lose transactions: reseat the card, check risers and power, try a "
			       "lower link speed in the firmware, and pcie_aspm=off if they follow power-state changes.");
	else
		vp_buf_puts(b, "Corrected errors are retried by hardware; a flood of them still means a marginal link "
			       "(riser, slot, cable): reseat, or lower the link speed in the firmware.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_root(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d, (void)f, (void)h;
	vp_buf_puts(b, "Run it as root (sudo); for libvirt use qemu:///system as a member of the libvirt group: "
		       "PCI passthrough needs the system instance.");
}

static void fix_active(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
		       struct vp_buf *b)
{
	(void)d, (void)f, (void)h, (void)b;
}

static void fix_claimed(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			struct vp_buf *b)
{
	(void)d;
	if (f->device[0] && h)
		describe_device(h, f->device, b);
}

static void fix_vendor_reset(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			     struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Power-cycle the host (a warm reboot may not reset the GPU). Check that vendor-reset supports this "
		       "GPU family (Polaris 10/11/12, Vega 10/20, Navi 10/12/14; not RDNA2/3 or APUs) and that its "
		       "reset_method is device_specific (echo device_specific > /sys/bus/pci/devices/ADDR/reset_method, "
		       "or a udev rule); shut the guest down cleanly and let the guest driver stop the GPU, and pass the "
		       "card's vBIOS as romfile.");
	const struct vp_pci_dev *dev = h && f->device[0] ? vp_host_dev(h, f->device) : NULL;
	if (dev) {
		char *m = dev->reset_methods ? vp_strv_join(dev->reset_methods, " ") : NULL;
		vp_buf_printf(b, " %s reset methods on this host: %s.", f->device, m && *m ? m : "none");
		free(m);
	} else if (f->device[0]) {
		describe_device(h, f->device, b);
	}
}

static void fix_driver_in_use(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			      struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Stop every user of the GPU before unbinding it: the display manager (or the session using the "
		       "card), nvidia-persistenced, nvidia-powerd and CUDA/AI services; lsof /dev/nvidia* and "
		       "fuser -v /dev/nvidia* name them. Better: bind the card to vfio-pci at boot so the host driver "
		       "never takes it.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_completion_wait(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
				struct vp_buf *b)
{
	(void)d, (void)f, (void)h;
	vp_buf_puts(b, "Look at what came just before: a device that failed to reset (see reset findings) makes the "
		       "IOMMU wait for it forever; fix that reset, or power-cycle. Without one, update the firmware (AGESA) "
		       "and the kernel; iommu=pt keeps host devices out of translation. As a last resort the machine "
		       "runs with the IOMMU off, without passthrough.");
}

static void fix_get_device(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h,
			   struct vp_buf *b)
{
	(void)d;
	if (f->text && strstr(f->text, "Input/output error"))
		vp_buf_puts(b, "A mediated device (vGPU, mdev): the vendor driver refused to open it; check its type and "
			       "profile, and the vendor driver's own log (nvidia-vgpu-mgr).");
	else
		vp_buf_puts(b, "Bind the device QEMU names to vfio-pci (vfio-pilot bind) and check the address in the "
			       "VM configuration: after a hardware change the same card may sit at another address.");
	if (f->device[0])
		describe_device(h, f->device, b);
	else if (h && f->group >= 0)
		describe_group(h, f->group, b);
}

static void fix_rmrr(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d;
	vp_buf_puts(b, "Turn the device's firmware reservation off (HP ProLiant: disable the shared-memory/embedded "
		       "health features for that slot; other vendors: a BIOS option for the device's option ROM or "
		       "management sideband), move the card to a slot the firmware does not reserve, or pass another "
		       "device; the kernel has no switch to ignore RMRRs for passthrough.");
	if (f->device[0])
		describe_device(h, f->device, b);
}

static void fix_slot(const struct vp_diag *d, const struct vp_finding *f, const struct vp_host *h, struct vp_buf *b)
{
	(void)d, (void)f, (void)h;
	vp_buf_puts(b, "Give the device a free guest address, or remove the device that holds it: for IGD passthrough "
		       "at 00:02.0 turn the emulated display off (QEMU -vga none, Proxmox vga: none, libvirt "
		       "<video><model type='none'/></video>).");
}

/* ---- the join ---- */

static const struct {
	const char *id;
	fix_fn fn;
} fixes[] = {
	{ "dma.memlock", fix_memlock },
	{ "dma.map_failed", fix_map },
	{ "iommu.interrupt_remapping", fix_ir },
	{ "iommu.fault", fix_iommu_fault },
	{ "group.permission", fix_permission },
	{ "group.in_use", fix_in_use },
	{ "group.not_viable", fix_not_viable },
	{ "driver.host_bound", fix_host_bound },
	{ "iommu.disabled", fix_iommu_disabled },
	{ "vfio.probe_busy", fix_probe_busy },
	{ "bar.reserved", fix_bar },
	{ "rom.invalid", fix_rom },
	{ "power.d3", fix_d3 },
	{ "reset.failed", fix_reset },
	{ "pcie.aer", fix_aer },
	{ "reset.vendor_reset", fix_vendor_reset },
	{ "iommu.rmrr", fix_rmrr },
	{ "vm.slot_in_use", fix_slot },
	{ "driver.in_use", fix_driver_in_use },
	{ "iommu.completion_wait", fix_completion_wait },
	{ "group.get_device", fix_get_device },
	{ "privilege.not_root", fix_root },
	{ "iommu.active", fix_active },
	{ "vfio.claimed", fix_claimed },
};

static fix_fn fix_for(const char *id)
{
	for (size_t i = 0; i < sizeof(fixes) / sizeof(fixes[0]); i++)
		if (streq(fixes[i].id, id))
			return fixes[i].fn;
	return NULL;
}

bool vp_diag_has_fix(const char *id)
{
	return fix_for(id) != NULL;
}

int vp_diag_explain(struct vp_diag *d, const struct vp_host *h)
{
	size_t n;
	struct vp_finding *fs = vp_diag_findings_mut(d, &n);
	for (size_t i = 0; i < n && h; i++) {
		struct vp_finding *f = &fs[i];
		const struct vp_pci_dev *dev = f->device[0] ? vp_host_dev(h, f->device) : NULL;
		if (!dev || !dev->driver_known)
			continue;
		/* A host driver logged on a device vfio names: an error while a host driver holds it now, history
		 * (info) once vfio-pci or no driver has it. */
		if (f->log_driver)
			f->severity = dev->driver && !vp_driver_is_dma_safe(dev->driver) ? VP_SEV_ERROR : VP_SEV_INFO;
		/* A driver.host_bound line for a device that vfio-pci owns now is history, not an error. */
		else if (streq(f->entry->id, "driver.host_bound") && vp_driver_is_dma_safe(dev->driver) &&
			 f->severity > VP_SEV_INFO && f->line)
			f->severity = VP_SEV_WARNING;
	}
	for (size_t i = 0; i < n; i++) {
		struct vp_finding *f = &fs[i];
		free(f->cause);
		free(f->fix);
		f->cause = strdup(f->derived ? f->derived : f->entry->cause);
		struct vp_buf b = { 0 };
		fix_fn fn = fix_for(f->entry->id);
		if (fn)
			fn(d, f, h, &b);
		f->fix = b.data ? vp_buf_steal(&b) : strdup("");
		if (!f->cause || !f->fix)
			return -ENOMEM;
	}
	vp_diag_order(d);
	return 0;
}

int vp_diag_finish(struct vp_diag *d, const struct vp_host *h)
{
	int e = vp_diag_settle(d);
	return e < 0 ? e : vp_diag_explain(d, h);
}

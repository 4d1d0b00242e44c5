/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose: the catalog, the streaming scanner and the findings (see
 * diagnose.h). Uses logline (line forms), host (the join), output (render)
 * and util. Patterns are built from the strings the kernel, QEMU and libvirt
 * really print; each cites where the string comes from, and real reports
 * that show it live in tests/diagnose/corpus/.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "logline.h"

/* ---- the catalog ---- */

/* Fix builders need the scan context (framebuffers seen); declared here, defined below. */
static void fix_iommu_disabled(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_iommu_fault(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_ir(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_not_viable(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_permission(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_in_use(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_probe_busy(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_host_bound(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_bar(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_rom(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_reset(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_d3(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_map(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_memlock(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_aer(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_root(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_active(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);
static void fix_claimed(const struct vp_diag *, const struct vp_finding *, const struct vp_host *, struct vp_buf *);

#define PATS(a) a, sizeof(a) / sizeof(a[0])
#define ADDR "[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]"

/* A line yields at most one finding: entries are tried in this order, so the
 * more specific ones (memlock before map_failed, D3 before reset) come first. */

static const struct vp_diag_pattern pat_memlock[] = {
	/* Linux drivers/vfio/vfio_iommu_type1.c vfio_pin_pages_remote(): pr_warn("%s: RLIMIT_MEMLOCK (%ld) exceeded\n");
	 * older vfio_pin_page_external(): "Task %s (%d) RLIMIT_MEMLOCK (%ld) exceeded" */
	{ "RLIMIT_MEMLOCK", "RLIMIT_MEMLOCK \\([0-9]+\\) exceeded", VP_PAT_NODEV },
	/* QEMU hw/vfio/container.c vfio_legacy_dma_map() failing with ENOMEM: error_report("VFIO_MAP_DMA failed: %s"),
	 * QEMU <= 2.x hw/vfio/common.c: "VFIO_MAP_DMA: %d" (-errno) */
	{ "VFIO_MAP_DMA", "VFIO_MAP_DMA( failed)?: (Cannot allocate memory|-12)", 0 },
	/* QEMU hw/vfio/listener.c (older common.c) vfio_listener_region_add():
	 * "vfio_dma_map(%p, 0x%..., 0x%..., %p) = %d (%s)", newer "vfio_container_dma_map(...)"; -12 = ENOMEM */
	{ "_dma_map(", "_dma_map\\([^)]*\\) = -12", 0 },
	/* libvirt src/util/virprocess.c virProcessSetMaxMemLock(): "cannot limit locked memory of process %lld to %llu" */
	{ "cannot limit locked memory", "cannot limit locked memory", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_map[] = {
	/* QEMU hw/vfio/container.c vfio_legacy_dma_map(): "VFIO_MAP_DMA failed: %s" (other errno than ENOMEM) */
	{ "VFIO_MAP_DMA", "VFIO_MAP_DMA( failed)?: ", 0 },
	/* QEMU hw/vfio/listener.c vfio_listener_region_add(): "vfio_container_dma_map(...) = -22 (Invalid argument)" */
	{ "_dma_map(", "_dma_map\\([^)]*\\) = -[0-9]+", 0 },
	/* QEMU hw/vfio/container.c vfio_connect_container(): "memory listener initialization failed" */
	{ "memory listener initiali", "memory listener initiali[sz]ation failed", 0 },
};

static const struct vp_diag_pattern pat_ir[] = {
	/* Linux drivers/vfio/vfio_iommu_type1.c vfio_iommu_type1_attach_group(): pr_warn("%s: No interrupt remapping
	 * support.  Use the module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform\n") */
	{ "No interrupt remapping support", "No interrupt remapping support", VP_PAT_NODEV },
	/* QEMU hw/vfio/container.c vfio_connect_container(): error_setg_errno(errp, errno, "Failed to set iommu for
	 * container"); EPERM is what the check above returns */
	{ "Failed to set iommu for container", "Failed to set iommu for container: Operation not permitted", 0 },
	/* The kernel echoes its command line at boot (init/main.c "Kernel command line: %s"): MSI isolation off */
	{ "allow_unsafe_interrupts=", "allow_unsafe_interrupts=(1|Y|y|on)", VP_PAT_NODEV | VP_PAT_WARN },
	/* Documentation/admin-guide/kernel-parameters.txt intremap=off: interrupt remapping disabled */
	{ "intremap=off", "(^|[ \"])intremap=off", VP_PAT_NODEV | VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_fault[] = {
	/* Linux drivers/iommu/intel/dmar.c dmar_fault_do_one(): 6.x "[%s NO_PASID] Request device [%02x:%02x.%d]
	 * fault addr 0x%llx [fault reason 0x%02x] %s", older "[%s] Request device [%02x:%02x.%d] PASID %x fault addr";
	 * interrupt remapping faults "[INTR-REMAP] Request device [...] fault index" */
	{ "] Request device [", "\\[(DMA (Read|Write)|INTR-REMAP)[^]]*\\] Request device \\[", 0 },
	/* Linux drivers/iommu/intel/dmar.c dmar_fault(): pr_err("DRHD: handling fault status reg %x\n") */
	{ "handling fault status", "DRHD: handling fault status reg", VP_PAT_NODEV },
	/* Linux drivers/iommu/amd/iommu.c iommu_print_event()/amd_iommu_report_page_fault():
	 * "Event logged [IO_PAGE_FAULT domain=0x%04x address=0x%llx flags=0x%04x]" (device= in older/unattached forms) */
	{ "Event logged [", "Event logged \\[(IO_PAGE_FAULT|ILLEGAL_DEV_TABLE_ENTRY|INVALID_DEVICE_REQUEST|"
			    "DEV_TAB_HARDWARE_ERROR|PAGE_TAB_HARDWARE_ERROR|COMMAND_HARDWARE_ERROR|IOTLB_INV_TIMEOUT|"
			    "INVALID_PPR_REQUEST)", 0 },
};

static const struct vp_diag_pattern pat_permission[] = {
	/* QEMU hw/vfio/container.c vfio_get_group() / vfio_connect_container(): error_setg_errno(errp, errno,
	 * "failed to open %s", path) with EACCES; QEMU < 2.10: "vfio: error opening %s: %m" */
	{ "/dev/vfio/", "/dev/vfio/(vfio|[0-9]+)[^:]*: Permission denied", 0 },
};

static const struct vp_diag_pattern pat_in_use[] = {
	/* QEMU hw/vfio/container.c vfio_get_group(): error_setg(errp, "group %d used in multiple address spaces") */
	{ "used in multiple address spaces", "group [0-9]+ used in multiple address spaces", 0 },
	/* QEMU hw/vfio/container.c vfio_get_device(): error_setg_errno(errp, errno, "error getting device from group
	 * %d") + hint "Verify all devices in group %d are bound to vfio-<bus> or pci-stub and not already in use" */
	{ "error getting device from group", "error getting device from group [0-9]+: Device or resource busy", 0 },
	/* Linux drivers/vfio/group.c vfio_group_fops_open(): a second open of /dev/vfio/N returns -EBUSY */
	{ "/dev/vfio/", "/dev/vfio/[0-9]+[^:]*: Device or resource busy", 0 },
	/* libvirt src/util/virhostdev.c virHostdevIsPCINodeDeviceUsed(): "PCI device %s is in use by driver %s,
	 * domain %s" */
	{ "is in use by driver", "PCI device [0-9a-fA-F:.]+ is in use by driver", 0 },
};

static const struct vp_diag_pattern pat_not_viable[] = {
	/* QEMU hw/vfio/container.c vfio_get_group(): error_setg(errp, "group %d is not viable") + hint "Please ensure
	 * all devices within the iommu_group are bound to their vfio bus driver."; QEMU < 2.10 printed
	 * "vfio: error, group %d is not viable, please ensure all devices within the iommu_group are bound ..." */
	{ "is not viable", "group [0-9]+ is not viable", 0 },
	{ "within the iommu_group are bound", "ensure all devices within the iommu_group are bound", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_host_bound[] = {
	/* QEMU "failed to open /dev/vfio/%d" with ENOENT: the group node exists only while a vfio driver holds a device
	 * of the group (Linux drivers/vfio/group.c creates it when vfio-pci registers the first device) */
	{ "/dev/vfio/", "/dev/vfio/[0-9]+[^:]*: No such file or directory", 0 },
};

static const struct vp_diag_pattern pat_disabled[] = {
	/* QEMU hw/vfio/device.c (older helpers.c/common.c) vfio_device_get_name()/vfio_base_device_init():
	 * "no iommu_group found"; QEMU 2.x hw/vfio/pci.c: "vfio: error no iommu_group for device" */
	{ "no iommu_group", "no iommu_group (found|for device)", 0 },
	/* libvirt src/qemu/qemu_hostdev.c qemuHostdevPreparePCIDevicesCheckSupport(): VIR_ERR_CONFIG_UNSUPPORTED
	 * "host doesn't support passthrough of host PCI devices" */
	{ "support passthrough of host PCI", "host doesn't support passthrough of host PCI devices", VP_PAT_NODEV },
	/* libvirt virHostdevPreparePCIDevices...: "VFIO device assignment is currently not supported on this system" */
	{ "VFIO device assignment is currently not supported", "VFIO device assignment is currently not supported",
	  VP_PAT_NODEV },
	/* Linux drivers/base/dd.c call_driver_probe(): 6.x dev_err "probe with driver %s failed with error %d"
	 * (prefix "pci ADDR:"), older pr_warn "%s: probe of %s failed with error %d". vfio-pci returns -EINVAL from
	 * vfio_pci_core_register_device() when the device has no IOMMU group (qemu-e2e.md noiommu-dev, iommu-off) */
	{ "failed with error -22", "(probe with driver vfio-pci|vfio-pci: probe of [0-9a-fA-F:.]+) failed with error -22",
	  0 },
	/* Linux drivers/iommu/intel/iommu.c intel_iommu_setup(): pr_info("IOMMU disabled\n") for intel_iommu=off */
	{ "DMAR: IOMMU disabled", "DMAR: IOMMU disabled", VP_PAT_NODEV },
	/* Kernel command line echoed at boot with the IOMMU switched off */
	{ "_iommu=off", "(^|[ \"])(intel_iommu|amd_iommu)=off", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_probe_busy[] = {
	/* Linux drivers/base/dd.c call_driver_probe() (see above) with -EBUSY: a BAR already claimed
	 * (pci_request_selected_regions), or since 5.19 the group is owned by another DMA user */
	{ "failed with error -16", "(probe with driver vfio-pci|vfio-pci: probe of [0-9a-fA-F:.]+) failed with error -16",
	  0 },
	/* Linux drivers/vfio/pci/vfio_pci_core.c vfio_pci_core_register_device(): pci_warn(pdev, "Cannot bind to PF with
	 * SR-IOV enabled\n") then -EBUSY (qemu-e2e.md sriov-pf) */
	{ "Cannot bind to PF with SR-IOV", "Cannot bind to PF with SR-IOV enabled", 0 },
};

static const struct vp_diag_pattern pat_bar[] = {
	/* Linux drivers/pci/pci.c __pci_request_region(): pci_warn(pdev, "BAR %d: can't reserve %pR\n") then -EBUSY;
	 * 6.x resource names print as "BAR %d [mem ...]" */
	{ "can't reserve", "BAR [0-9]+( \\[[^]]*\\])?: can't reserve", 0 },
	/* QEMU hw/vfio/region.c / pci.c vfio_bar_register(): "Failed to mmap %s BAR %d. Performance may be slow" */
	{ "Failed to mmap ", "Failed to mmap [^ ]+ BAR [0-9]+", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_rom[] = {
	/* Linux drivers/pci/rom.c pci_get_rom_size(): pci_info(pdev, "Invalid PCI ROM header signature: expecting
	 * %#06x, got %#06x\n") and "Invalid PCI ROM data signature: expecting 0x52494350, got %#010x\n" */
	{ "Invalid PCI ROM header signature", "Invalid PCI ROM header signature", 0 },
	{ "Invalid PCI ROM data signature", "Invalid PCI ROM data signature", 0 },
	/* older kernels' pci_map_rom() (drivers/pci/rom.c): "Invalid ROM contents" (seen in chyves/chyves#3) */
	{ "Invalid ROM contents", "Invalid ROM contents", 0 },
	/* QEMU hw/vfio/pci.c vfio_pci_load_rom(): error_report("vfio-pci: Cannot read device rom at %s") +
	 * error_printf("Device option ROM contents are probably invalid (check dmesg).\nSkip option ROM probe with
	 * rombar=0, or load from file with romfile=\n") */
	{ "Cannot read device rom", "Cannot read device rom at", 0 },
	{ "option ROM contents are probably invalid", "option ROM contents are probably invalid", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_d3[] = {
	/* Linux drivers/pci/pci.c pci_power_up() / pci_set_full_power_state(): pci_err(dev, "Unable to change power
	 * state from %s to D0, device inaccessible\n") */
	{ "Unable to change power state from", "Unable to change power state from D3(cold|hot)? to D0", 0 },
	/* older pci.c pci_raw_set_power_state(): "Refused to change power state, currently in D%d";
	 * 6.x: "Refused to change power state from %s to %s" */
	{ "Refused to change power state", "Refused to change power state", 0 },
	/* QEMU hw/vfio/pci.c vfio_pci_pre_reset(): error_report("vfio: Unable to power on device, stuck in D%d") */
	{ "stuck in D", "Unable to power on device, stuck in D[1-3]", 0 },
	/* Linux drivers/pci/pci.c pci_dev_wait(): "not ready %dms after %s; giving up" with reason "resume" */
	{ "after resume; giving up", "not ready [0-9]+ms after resume; giving up", 0 },
};

static const struct vp_diag_pattern pat_reset[] = {
	/* Linux drivers/pci/pci.c pci_dev_wait(): pci_warn(dev, "not ready %dms after %s; giving up\n") for
	 * "FLR", "bus reset", "PM D3hot->D0", ...; older kernels "not ready %dms after FLR; giving up" */
	{ "; giving up", "not ready [0-9]+ms after [^;]*; giving up", 0 },
	/* Linux drivers/pci/pci.c pcie_flr(): pci_err(dev, "timed out waiting for pending transaction; performing
	 * function level reset anyway\n") */
	{ "timed out waiting for pending transaction", "timed out waiting for pending transaction", VP_PAT_WARN },
	/* QEMU hw/vfio/pci.c vfio_pci_reset() / vfio_pci_hot_reset(): "vfio: Cannot reset device %s, no available reset
	 * mechanism." and "vfio: Cannot reset device %s, depends on group %d which is not owned." */
	{ "Cannot reset device", "Cannot reset device [^,]*, (no available reset mechanism|depends on group)",
	  VP_PAT_WARN },
	/* libvirt src/util/virpci.c virPCIDeviceGetHeaderType(): "Unknown PCI header type '%d' for device '%s'":
	 * 127 = 0x7f, config space reads all ones (the device did not come back) */
	{ "Unknown PCI header type", "Unknown PCI header type '[0-9]+'", 0 },
	/* Linux drivers/pci/probe.c pci_setup_device(): pci_err(dev, "unknown header type %02x, ignoring device\n") and
	 * the enumeration line "[%04x:%04x] type %02x class %#08x" of a device reading 0xff */
	{ "unknown header type", "unknown header type 7f", 0 },
	{ "type 7f class 0xffffff", "type 7f class 0xffffff", 0 },
	/* Linux drivers/vfio/pci/vfio_pci_config.c vfio_bar_restore(): pci_info(pdev, "%s: reset recovery - restoring
	 * BARs\n"): the device lost its configuration */
	{ "reset recovery - restoring BARs", "reset recovery - restoring BARs", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_aer[] = {
	/* Linux drivers/pci/pcie/aer.c aer_print_error(): "PCIe Bus Error: severity=%s, type=%s, (%s)";
	 * severities "Uncorrected (Non-Fatal)", "Uncorrected (Fatal)", "Corrected" (6.x "Uncorrectable"/"Correctable") */
	{ "PCIe Bus Error: severity=", "PCIe Bus Error: severity=Uncorrect", 0 },
	{ "PCIe Bus Error: severity=", "PCIe Bus Error: severity=Correct", VP_PAT_WARN },
	/* aer.c aer_isr_one_error(): 6.x "AER: %s%s error message received from %s", older "AER: %s%s error received: %s" */
	{ "error message received", "AER: (Multiple )?Uncorrect[^:]* error message received", 0 },
	{ "error received", "AER: (Multiple )?Uncorrect[^:]* error received", 0 },
	{ "error message received", "AER: (Multiple )?Correct[^:]* error message received", VP_PAT_WARN },
	{ "error received", "AER: (Multiple )?Correct[^:]* error received", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_root[] = {
	/* libvirt src/rpc/virnetsocket.c virNetSocketNewConnectUNIX(): "Failed to connect socket to '%s'" + strerror */
	{ "libvirt-sock", "libvirt-sock'?: Permission denied", VP_PAT_NODEV },
	/* bash/tee writing sysfs control files (mode 0200, root only): "tee: /sys/bus/pci/drivers/vfio-pci/bind:
	 * Permission denied" */
	{ "/sys/bus/pci/", "/sys/bus/pci/[^ :]*: (Permission denied|Operation not permitted)", 0 },
};

static const struct vp_diag_pattern pat_active[] = {
	/* Linux drivers/iommu/intel/iommu.c intel_iommu_init(): pr_info("Intel(R) Virtualization Technology for
	 * Directed I/O\n") at the end of a successful init (kernel-facts.md 2.1). "DMAR: IOMMU enabled" is only the
	 * command line parser and is not matched here. */
	{ "Virtualization Technology for Directed I/O", "DMAR: Intel\\(R\\) Virtualization Technology for Directed I/O",
	  VP_PAT_NODEV },
	/* Linux drivers/iommu/iommu.c iommu_group_add_device(): dev_info(dev, "Adding to iommu group %d\n");
	 * older: pr_info("Adding device %s to group %d\n") */
	{ "Adding to iommu group", "Adding to iommu group [0-9]+", VP_PAT_NODEV },
	{ "iommu: Adding device", "iommu: Adding device [^ ]+ to group [0-9]+", VP_PAT_NODEV },
	/* Linux drivers/iommu/amd/init.c: "AMD-Vi: Found IOMMU cap 0x%x" (qemu-e2e.md, 6.1), and
	 * arch/x86/events/amd/iommu.c: "perf/amd_iommu: Detected AMD IOMMU #%d (%d banks, %d counters/bank)." */
	{ "AMD-Vi: Found IOMMU", "AMD-Vi: Found IOMMU", VP_PAT_NODEV },
	{ "Detected AMD IOMMU", "Detected AMD IOMMU #[0-9]+", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_claimed[] = {
	/* Linux drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids(): pr_info("add [%04x:%04x[%04x:%04x]] class
	 * %#08x/%08x\n") with pr_fmt "vfio_pci: " */
	{ "vfio_pci: add [", "vfio_pci: add \\[[0-9a-f]{4}:[0-9a-f]{4}", VP_PAT_NODEV },
	/* any dev_printk() of a device vfio-pci owns is prefixed "vfio-pci ADDR: " (driver name, device name) */
	{ "vfio-pci 0", "^vfio-pci " ADDR ": ", 0 },
};

static const char cause_disabled[] =
	"No IOMMU is translating DMA, so there are no IOMMU groups and vfio-pci cannot bind (it needs a group): "
	"VT-d/AMD-Vi is off in the firmware, the kernel was told intel_iommu=off/amd_iommu=off, or on Intel the "
	"kernel's default leaves it off and intel_iommu=on is missing.";

const struct vp_diag_entry vp_diag_catalog[] = {
	{ "dma.memlock", VP_SEV_ERROR, "Locked-memory limit too low for VFIO", PATS(pat_memlock),
	  "VFIO pins all guest RAM for DMA and counts it against the QEMU process's RLIMIT_MEMLOCK; the limit was "
	  "smaller than the guest's memory, so pinning failed with ENOMEM.",
	  fix_memlock },
	{ "dma.map_failed", VP_SEV_ERROR, "VFIO_MAP_DMA failed", PATS(pat_map),
	  "QEMU could not map guest memory into the device's IOMMU domain (VFIO_MAP_DMA), so the device cannot DMA "
	  "to the guest and QEMU stops.",
	  fix_map },
	{ "iommu.interrupt_remapping", VP_SEV_ERROR, "Interrupt remapping missing", PATS(pat_ir),
	  "Without interrupt remapping a device can forge MSI writes into the host, so vfio_iommu_type1 refuses to "
	  "attach the group (EPERM) unless allow_unsafe_interrupts is set, which removes that isolation.",
	  fix_ir },
	{ "iommu.fault", VP_SEV_ERROR, "IOMMU fault", PATS(pat_fault),
	  "A device issued DMA (or an interrupt) to an address its IOMMU domain does not map, and the IOMMU blocked "
	  "it: a driver or firmware using stale addresses, or a device that was not reset before it changed owner.",
	  fix_iommu_fault },
	{ "group.permission", VP_SEV_ERROR, "/dev/vfio permission denied", PATS(pat_permission),
	  "The process that opened /dev/vfio/N (QEMU) may not: the group node is root-only (0600) unless a udev rule "
	  "or libvirt changes its owner.",
	  fix_permission },
	{ "group.in_use", VP_SEV_ERROR, "IOMMU group or device already in use", PATS(pat_in_use),
	  "The VFIO group or device is already held: another running VM or process has it open, libvirt has it "
	  "assigned to another domain, or the group's functions sit in different guest address spaces (vIOMMU).",
	  fix_in_use },
	{ "group.not_viable", VP_SEV_ERROR, "IOMMU group not viable", PATS(pat_not_viable),
	  "VFIO hands over whole IOMMU groups: every device in the group must be bound to vfio-pci (or pci-stub, or "
	  "no driver; bridges may stay on pcieport), and at least one still has a host driver.",
	  fix_not_viable },
	{ "driver.host_bound", VP_SEV_ERROR, "A host driver still owns the device", PATS(pat_host_bound),
	  "The device (or another device of its group) is still bound to a host driver such as nvidia, amdgpu or "
	  "snd_hda_intel, so no vfio group node exists for it and QEMU cannot take it.",
	  fix_host_bound },
	{ "iommu.disabled", VP_SEV_ERROR, "No IOMMU", PATS(pat_disabled), cause_disabled, fix_iommu_disabled },
	{ "vfio.probe_busy", VP_SEV_ERROR, "vfio-pci probe failed with -16 (EBUSY)", PATS(pat_probe_busy),
	  "vfio-pci could not take the device: another driver got there first and still holds its memory (a boot "
	  "framebuffer or GPU driver on the BARs), the device's group is already owned elsewhere, or it is an SR-IOV "
	  "PF with VFs enabled.",
	  fix_probe_busy },
	{ "bar.reserved", VP_SEV_ERROR, "BAR cannot be reserved", PATS(pat_bar),
	  "Part of the device's memory (a BAR) is already claimed, usually by a boot framebuffer (efifb, simplefb, "
	  "simpledrm, vesafb) on the GPU the firmware used for its console, so vfio-pci cannot reserve or map it.",
	  fix_bar },
	{ "rom.invalid", VP_SEV_WARNING, "Option ROM invalid or unreadable", PATS(pat_rom),
	  "The GPU's option ROM could not be read or has no valid signature; the guest firmware then has no video "
	  "driver for the card (a black screen until the guest OS driver loads). The boot GPU's ROM is often shadowed "
	  "and unreadable.",
	  fix_rom },
	{ "power.d3", VP_SEV_ERROR, "Device stuck in D3", PATS(pat_d3),
	  "The device did not come back from a low-power state (D3hot/D3cold) and answers config reads with all ones, "
	  "so neither the host nor the guest can use it.",
	  fix_d3 },
	{ "reset.failed", VP_SEV_ERROR, "Device reset failed", PATS(pat_reset),
	  "The device did not return from a reset (FLR, bus reset or a vendor reset), or has no usable reset; a device "
	  "that reads header type 127 (0x7f) or 0xff after a reset has dropped off the bus. Several AMD GPUs "
	  "(Polaris, Vega, Navi 10) have this 'reset bug'.",
	  fix_reset },
	{ "pcie.aer", VP_SEV_ERROR, "PCIe AER error", PATS(pat_aer),
	  "The PCIe link of the device or its port reported errors (AER): corrected ones are retried by hardware, "
	  "uncorrected ones lose transactions and can hang or reset the device.",
	  fix_aer },
	{ "privilege.not_root", VP_SEV_ERROR, "Needs root", PATS(pat_root),
	  "The operation needs root: sysfs driver control files and the system libvirt socket are not writable by "
	  "ordinary users.",
	  fix_root },
	{ "iommu.active", VP_SEV_INFO, "IOMMU active", PATS(pat_active),
	  "The IOMMU initialised and put devices into IOMMU groups.", fix_active },
	{ "vfio.claimed", VP_SEV_INFO, "vfio-pci claimed a device", PATS(pat_claimed),
	  "vfio-pci registered device ids or owns the device named in the line.", fix_claimed },
};
const size_t vp_diag_catalog_n = sizeof(vp_diag_catalog) / sizeof(vp_diag_catalog[0]);

const struct vp_diag_entry *vp_diag_entry_by_id(const char *id)
{
	for (size_t i = 0; i < vp_diag_catalog_n; i++)
		if (streq(vp_diag_catalog[i].id, id))
			return &vp_diag_catalog[i];
	return NULL;
}

const char *vp_severity_to_string(enum vp_severity s)
{
	switch (s) {
	case VP_SEV_ERROR: return "error";
	case VP_SEV_WARNING: return "warning";
	default: return "info";
	}
}

/* Context lines: not findings by themselves, but read by inferences and fix texts. */
enum hint_kind { HINT_DMAR_PARSER, HINT_FB, HINT_HOST_DRIVER };

struct hint {
	const char *anchor;
	enum hint_kind kind;
	unsigned bit;            /* framebuffer bit */
};

enum { FB_EFIFB = 1u << 0, FB_SIMPLEFB = 1u << 1, FB_SIMPLEDRM = 1u << 2, FB_VESAFB = 1u << 3 };
static const char *const fb_names[] = { "efifb", "simplefb", "simpledrm", "vesafb" };

static const struct hint hints[] = {
	/* drivers/iommu/intel/iommu.c intel_iommu_setup(): pr_info("IOMMU enabled\n") for intel_iommu=on: the parser */
	{ "DMAR: IOMMU enabled", HINT_DMAR_PARSER, 0 },
	/* boot framebuffers registering: fbdev's "fb%d: %s frame buffer device" with id "EFI VGA"
	 * (drivers/video/fbdev/efifb.c) or "VESA VGA" (vesafb.c); simplefb.c "fb%d: simplefb registered!"; the
	 * simpledrm driver (drivers/gpu/drm/tiny/simpledrm.c) logs as "simple-framebuffer simple-framebuffer.0: [drm]
	 * ... simpledrm" */
	{ "EFI VGA frame buffer", HINT_FB, FB_EFIFB },
	{ "efifb: probing", HINT_FB, FB_EFIFB },
	{ "simplefb registered", HINT_FB, FB_SIMPLEFB },
	{ "simpledrm", HINT_FB, FB_SIMPLEDRM },
	{ "VESA VGA frame buffer", HINT_FB, FB_VESAFB },
	/* GPU-card host drivers naming a device: "amdgpu 0000:03:00.0: ..." (dev_printk prefix) */
	{ "nvidia 0000:", HINT_HOST_DRIVER, 0 },
	{ "nouveau 0000:", HINT_HOST_DRIVER, 0 },
	{ "amdgpu 0000:", HINT_HOST_DRIVER, 0 },
	{ "radeon 0000:", HINT_HOST_DRIVER, 0 },
	{ "snd_hda_intel 0000:", HINT_HOST_DRIVER, 0 },
	{ "xhci_hcd 0000:", HINT_HOST_DRIVER, 0 },
	{ "nvidia-gpu 0000:", HINT_HOST_DRIVER, 0 },
	{ "i915 0000:", HINT_HOST_DRIVER, 0 },
};

/* ---- scanner state ---- */

#define MAX_ANCHORS 128
#define MAX_FINDINGS 512
#define MAX_HOSTDRV 64
#define TEXT_MAX 1024
#define MSG_MAX 4096
#define BUF_SIZE (1u << 20)

struct hostdrv {
	char addr[VP_PCI_ADDR_LEN];
	char driver[32];
	char *source;
	unsigned long line;
	char *text;
};

struct vp_diag {
	/* anchors: unique strings; patterns and hints refer to them by index */
	const char *anchors[MAX_ANCHORS];
	size_t anchor_len[MAX_ANCHORS];
	uint64_t anchor_head[MAX_ANCHORS]; /* first 8 bytes, for a cheap first compare */
	size_t n_anchors;
	size_t m;                       /* shortest anchor: the Wu-Manber window */
	uint8_t *shift;                 /* [65536] */
	int16_t *first;                 /* [65536] anchors whose window ends with this block */
	int16_t next[MAX_ANCHORS];
	/* per catalog pattern: anchor index and compiled regex */
	size_t n_pats;
	int *pat_anchor;
	regex_t *pat_re;
	const struct vp_diag_pattern **pat;
	size_t *pat_entry;
	int hint_anchor[sizeof(hints) / sizeof(hints[0])];

	char *buf;                      /* BUF_SIZE read buffer */
	char msg[MSG_MAX];
	bool present[MAX_ANCHORS];
	unsigned long lineno;           /* number of the next line of the current fd */

	struct vp_finding findings[MAX_FINDINGS];
	const char *cause_override[MAX_FINDINGS];
	size_t n_findings;
	struct vp_diag_stats stats;

	unsigned fb_seen;
	bool dmar_parser;
	char *dmar_source;
	unsigned long dmar_line;
	char *dmar_text;
	struct hostdrv hostdrv[MAX_HOSTDRV];
	size_t n_hostdrv;
	char **sources;                 /* interned source names (few) */
};

static int anchor_index(struct vp_diag *d, const char *a)
{
	for (size_t i = 0; i < d->n_anchors; i++)
		if (streq(d->anchors[i], a))
			return (int)i;
	if (d->n_anchors >= MAX_ANCHORS || strlen(a) < 9)
		return -EINVAL;
	d->anchors[d->n_anchors] = a;
	d->anchor_len[d->n_anchors] = strlen(a);
	memcpy(&d->anchor_head[d->n_anchors], a, 8);
	return (int)d->n_anchors++;
}

static uint16_t block_at(const char *p)
{
	return (uint16_t)((uint8_t)p[0] | (uint16_t)(uint8_t)p[1] << 8);
}

static int build_tables(struct vp_diag *d)
{
	d->m = SIZE_MAX;
	for (size_t i = 0; i < d->n_anchors; i++)
		if (d->anchor_len[i] < d->m)
			d->m = d->anchor_len[i];
	d->shift = malloc(65536);
	d->first = malloc(65536 * sizeof(int16_t));
	if (!d->shift || !d->first)
		return -ENOMEM;
	size_t m = d->m;
	memset(d->shift, (int)(m - 1), 65536);
	for (size_t k = 0; k < 65536; k++)
		d->first[k] = -1;
	for (size_t i = 0; i < d->n_anchors; i++) {
		const char *a = d->anchors[i];
		for (size_t q = 1; q < m; q++) {
			uint16_t b = block_at(a + q - 1);
			size_t s = m - 1 - q;
			if (s < d->shift[b])
				d->shift[b] = (uint8_t)s;
		}
		uint16_t last = block_at(a + m - 2);
		d->next[i] = d->first[last];
		d->first[last] = (int16_t)i;
	}
	return 0;
}

int vp_diag_new(struct vp_diag **ret)
{
	struct vp_diag *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	size_t n = 0;
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		n += vp_diag_catalog[e].n_patterns;
	d->n_pats = n;
	d->pat_anchor = calloc(n, sizeof(int));
	d->pat_re = calloc(n, sizeof(regex_t));
	d->pat = calloc(n, sizeof(*d->pat));
	d->pat_entry = calloc(n, sizeof(size_t));
	d->buf = malloc(BUF_SIZE);
	if (!d->pat_anchor || !d->pat_re || !d->pat || !d->pat_entry || !d->buf) {
		free(d->pat_anchor);
		free(d->pat_re);
		free(d->pat);
		free(d->pat_entry);
		free(d->buf);
		free(d);
		return -ENOMEM;
	}
	size_t k = 0;
	int e = 0;
	for (size_t c = 0; c < vp_diag_catalog_n && e >= 0; c++) {
		for (size_t p = 0; p < vp_diag_catalog[c].n_patterns; p++, k++) {
			const struct vp_diag_pattern *pat = &vp_diag_catalog[c].patterns[p];
			d->pat[k] = pat;
			d->pat_entry[k] = c;
			e = anchor_index(d, pat->anchor);
			if (e < 0)
				break;
			d->pat_anchor[k] = e;
			if (regcomp(&d->pat_re[k], pat->regex, REG_EXTENDED | REG_NOSUB) != 0) {
				e = -EINVAL;
				break;
			}
		}
	}
	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]) && e >= 0; h++) {
		e = anchor_index(d, hints[h].anchor);
		d->hint_anchor[h] = e;
	}
	if (e < 0) {
		d->n_pats = k; /* regfree only what compiled */
		vp_diag_free(d);
		return e;
	}
	e = build_tables(d);
	if (e < 0) {
		vp_diag_free(d);
		return e;
	}
	d->lineno = 1;
	*ret = d;
	return 0;
}

static void clear_results(struct vp_diag *d)
{
	for (size_t i = 0; i < d->n_findings; i++) {
		free(d->findings[i].text);
		free(d->findings[i].cause);
		free(d->findings[i].fix);
	}
	for (size_t i = 0; i < d->n_hostdrv; i++)
		free(d->hostdrv[i].text);
	free(d->dmar_text);
	d->sources = vp_strv_free(d->sources);
	d->n_findings = d->n_hostdrv = 0;
	d->dmar_text = NULL;
	d->dmar_source = NULL;
	d->dmar_parser = false;
	d->fb_seen = 0;
	d->stats = (struct vp_diag_stats){ 0 };
	d->lineno = 1;
	memset(d->cause_override, 0, sizeof(d->cause_override));
}

void vp_diag_reset(struct vp_diag *d)
{
	clear_results(d);
}

struct vp_diag *vp_diag_free(struct vp_diag *d)
{
	if (!d)
		return NULL;
	clear_results(d);
	for (size_t k = 0; k < d->n_pats; k++)
		regfree(&d->pat_re[k]);
	free(d->pat_anchor);
	free(d->pat_re);
	free(d->pat);
	free(d->pat_entry);
	free(d->shift);
	free(d->first);
	free(d->buf);
	free(d);
	return NULL;
}

/* Source names are interned: findings point at them, the set stays tiny. */
static char *intern_source(struct vp_diag *d, const char *src)
{
	for (size_t i = 0; d->sources && d->sources[i]; i++)
		if (streq(d->sources[i], src))
			return d->sources[i];
	if (vp_strv_push(&d->sources, src) < 0)
		return NULL;
	return d->sources[vp_strv_len(d->sources) - 1];
}

/* ---- matching ---- */

/* Does an anchor whose window ends with block b start at p[start]? With present, marks all that do. */
static bool hit_at(const struct vp_diag *d, const char *p, size_t start, size_t n, uint16_t b, bool *present)
{
	bool hit = false;
	uint64_t head;
	if (start + 8 > n)
		return false;
	memcpy(&head, p + start, 8);
	for (int k = d->first[b]; k >= 0; k = d->next[k]) {
		if (head != d->anchor_head[k] || start + d->anchor_len[k] > n ||
		    memcmp(p + start + 8, d->anchors[k] + 8, d->anchor_len[k] - 8) != 0)
			continue;
		if (!present)
			return true;
		present[k] = hit = true;
	}
	return hit;
}

/* Wu-Manber: the start of the first anchor occurrence in p[from..n), or n. */
static size_t scan(const struct vp_diag *d, const char *p, size_t from, size_t n)
{
	size_t m = d->m;
	if (n < from || n - from < m)
		return n;
	size_t i = from + m - 1;
	while (i < n) {
		uint16_t b = block_at(p + i - 1);
		size_t s = d->shift[b];
		if (s) {
			i += s;
			continue;
		}
		size_t start = i + 1 - m;
		if (hit_at(d, p, start, n, b, NULL))
			return start;
		i++;
	}
	return n;
}

/* Marks every anchor that occurs in p[0..n); false when none does. */
static bool scan_all(const struct vp_diag *d, const char *p, size_t n, bool *present)
{
	size_t m = d->m;
	bool any = false;
	memset(present, 0, d->n_anchors * sizeof(bool));
	if (n < m)
		return false;
	for (size_t i = m - 1; i < n;) {
		uint16_t b = block_at(p + i - 1);
		size_t s = d->shift[b];
		if (s) {
			i += s;
			continue;
		}
		any |= hit_at(d, p, i + 1 - m, n, b, present);
		i++;
	}
	return any;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(char c)
{
	return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

/* Hex field of exactly `w` digits at s[i], optionally after "0x": returns the index after it or 0. */
static size_t hexfield(const char *s, size_t i, size_t n, size_t w, unsigned *ret)
{
	if (i + 2 <= n && s[i] == '0' && s[i + 1] == 'x')
		i += 2;
	unsigned v = 0;
	for (size_t k = 0; k < w; k++) {
		if (i + k >= n || !is_hex(s[i + k]))
			return 0;
		char c = s[i + k];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	if (i + w < n && is_hex(s[i + w]))
		return 0;
	*ret = v;
	return i + w;
}

/*
 * The first PCI address in s: "0000:01:00.0", "01:00.0", DMAR's "[0x01:0x00.0]", libvirt's node device name
 * "pci_0000_01_00_0". Writes the canonical form; false when there is none.
 */
static bool find_addr(const char *s, size_t n, char out[VP_PCI_ADDR_LEN])
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '.'))
			continue;
		unsigned dom = 0, bus, dev, fn;
		size_t j;
		if (i + 4 <= n && memcmp(s + i, "pci_", 4) == 0) {
			size_t k = i + 4;
			if ((k = hexfield(s, k, n, 4, &dom)) && k < n && s[k] == '_' && (k = hexfield(s, k + 1, n, 2, &bus)) &&
			    k < n && s[k] == '_' && (k = hexfield(s, k + 1, n, 2, &dev)) && k < n && s[k] == '_' &&
			    (k = hexfield(s, k + 1, n, 1, &fn)) && dev < 32 && fn < 8) {
				snprintf(out, VP_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev, fn);
				return true;
			}
			continue;
		}
		j = hexfield(s, i, n, 4, &dom);
		if (!(j && j < n && s[j] == ':')) {
			dom = 0;
			j = i;
		} else {
			j++;
		}
		size_t k = hexfield(s, j, n, 2, &bus);
		if (!k || k >= n || s[k] != ':')
			continue;
		k = hexfield(s, k + 1, n, 2, &dev);
		if (!k || k >= n || s[k] != '.' || k + 1 >= n || s[k + 1] < '0' || s[k + 1] > '7')
			continue;
		fn = (unsigned)(s[k + 1] - '0');
		if (k + 2 < n && is_alnum(s[k + 2]))
			continue;
		if (dev >= 32)
			continue;
		snprintf(out, VP_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev, fn);
		return true;
	}
	out[0] = '\0';
	return false;
}

/* "group 12", "/dev/vfio/12": the first IOMMU group number, or -1. */
static int find_group(const char *s, size_t n)
{
	static const char *const keys[] = { "group ", "/dev/vfio/" };
	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);
		for (const char *p = s; p && (size_t)(p - s) + kl < n;) {
			p = memmem(p, n - (size_t)(p - s), keys[k], kl);
			if (!p)
				break;
			p += kl;
			if ((size_t)(p - s) < n && *p >= '0' && *p <= '9') {
				long v = 0;
				while ((size_t)(p - s) < n && *p >= '0' && *p <= '9' && v < 1000000)
					v = v * 10 + (*p++ - '0');
				return (int)v;
			}
		}
	}
	return -1;
}

static char *bounded_dup(const char *s, size_t n)
{
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	char *t = malloc(n + 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		t[i] = (s[i] == '\t' || (unsigned char)s[i] >= 0x20) ? s[i] : '?';
	t[n] = '\0';
	return t;
}

static struct vp_finding *add_finding(struct vp_diag *d, size_t entry, enum vp_severity sev, const char *dev,
				      int group, const char *src, unsigned long line, const char *text, size_t text_len)
{
	const struct vp_diag_entry *e = &vp_diag_catalog[entry];
	for (size_t i = 0; i < d->n_findings; i++) {
		struct vp_finding *f = &d->findings[i];
		if (f->entry == e && streq(f->device, dev) && streq(f->source, src)) {
			f->count++;
			if (sev > f->severity) {
				/* keep the line that shows the worst of it */
				char *t = bounded_dup(text, text_len);
				if (t) {
					free(f->text);
					f->text = t;
					f->line = line;
					f->severity = sev;
				}
			}
			if (f->group < 0)
				f->group = group;
			return f;
		}
	}
	if (d->n_findings >= MAX_FINDINGS) {
		d->stats.dropped++;
		return NULL;
	}
	char *s = intern_source(d, src);
	char *t = bounded_dup(text, text_len);
	if (!s || !t) {
		free(t);
		d->stats.dropped++;
		return NULL;
	}
	struct vp_finding *f = &d->findings[d->n_findings++];
	*f = (struct vp_finding){ .entry = e, .severity = sev, .group = group, .source = s, .line = line,
				  .text = t, .count = 1 };
	snprintf(f->device, sizeof(f->device), "%s", dev);
	return f;
}

static void note_hint(struct vp_diag *d, size_t h, const char *src, unsigned long line, const char *text,
		      size_t text_len, const char *msg, size_t msg_len)
{
	switch (hints[h].kind) {
	case HINT_DMAR_PARSER:
		if (!d->dmar_parser) {
			d->dmar_parser = true;
			d->dmar_source = intern_source(d, src);
			d->dmar_line = line;
			d->dmar_text = bounded_dup(text, text_len);
		}
		break;
	case HINT_FB:
		d->fb_seen |= hints[h].bit;
		break;
	case HINT_HOST_DRIVER: {
		/* only "DRIVER ADDR: ..." at the start of the message */
		size_t dl = strlen(hints[h].anchor) - 5;
		if (msg_len < dl + 13 || memcmp(msg, hints[h].anchor, dl) != 0)
			break;
		char addr[VP_PCI_ADDR_LEN];
		if (!find_addr(msg + dl, 13, addr))
			break;
		for (size_t i = 0; i < d->n_hostdrv; i++)
			if (streq(d->hostdrv[i].addr, addr) && strlen(d->hostdrv[i].driver) == dl - 1 &&
			    memcmp(d->hostdrv[i].driver, msg, dl - 1) == 0)
				return;
		if (d->n_hostdrv >= MAX_HOSTDRV)
			break;
		struct hostdrv *hd = &d->hostdrv[d->n_hostdrv];
		snprintf(hd->addr, sizeof(hd->addr), "%s", addr);
		snprintf(hd->driver, sizeof(hd->driver), "%.*s", (int)(dl - 1), msg);
		hd->source = intern_source(d, src);
		hd->line = line;
		hd->text = bounded_dup(text, text_len);
		if (hd->source && hd->text)
			d->n_hostdrv++;
		else
			free(hd->text);
		break;
	}
	}
}

/* Matches one message (text is what the finding shows: the whole line). */
static void match_msg(struct vp_diag *d, const char *src, unsigned long line, const char *text, size_t text_len,
		      const char *msg, size_t msg_len)
{
	d->stats.candidates++;
	if (msg_len >= MSG_MAX)
		msg_len = MSG_MAX - 1;
	memcpy(d->msg, msg, msg_len);
	d->msg[msg_len] = '\0';
	if (!scan_all(d, d->msg, msg_len, d->present))
		return;
	for (size_t k = 0; k < d->n_pats; k++) {
		if (!d->present[d->pat_anchor[k]] || regexec(&d->pat_re[k], d->msg, 0, NULL, 0) != 0)
			continue;
		const struct vp_diag_pattern *p = d->pat[k];
		const struct vp_diag_entry *e = &vp_diag_catalog[d->pat_entry[k]];
		enum vp_severity sev = e->severity;
		if ((p->flags & VP_PAT_WARN) && sev > VP_SEV_WARNING)
			sev = VP_SEV_WARNING;
		if (p->flags & VP_PAT_INFO)
			sev = VP_SEV_INFO;
		char dev[VP_PCI_ADDR_LEN] = "";
		if (!(p->flags & VP_PAT_NODEV))
			find_addr(d->msg, msg_len, dev);
		int group = (p->flags & VP_PAT_NODEV) ? -1 : find_group(d->msg, msg_len);
		add_finding(d, d->pat_entry[k], sev, dev, group, src, line, text, text_len);
		break;
	}
	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++)
		if (d->present[d->hint_anchor[h]])
			note_hint(d, h, src, line, text, text_len, d->msg, msg_len);
}

int vp_diag_feed_line(struct vp_diag *d, const char *src, unsigned long lineno, const char *line, size_t len)
{
	d->stats.lines++;
	if (scan(d, line, 0, len) >= len)
		return 0;
	struct vp_logline l;
	if (vp_logline_parse(line, len, &l) < 0) {
		d->stats.skipped++;
		return 0;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	match_msg(d, src, lineno, line, len, l.msg, l.msg_len);
	return 0;
}

int vp_diag_feed_message(struct vp_diag *d, const char *src, unsigned long entry, const char *ident,
			 const char *msg, size_t len)
{
	d->stats.lines++;
	if (scan(d, msg, 0, len) >= len)
		return 0;
	char text[TEXT_MAX + 1];
	int n = snprintf(text, sizeof(text), "%s%s%.*s", ident ? ident : "", ident ? ": " : "",
			 (int)(len > TEXT_MAX ? TEXT_MAX : len), msg);
	if (n < 0)
		return 0;
	match_msg(d, src, entry, text, strlen(text), msg, len);
	return 0;
}

/* Exact count of '\n' in p[0..n), eight bytes at a time. */
static unsigned long count_nl(const char *p, size_t n)
{
	unsigned long c = 0;
	size_t i = 0;
	const uint64_t ones = 0x0101010101010101ull, nl = 0x0a0a0a0a0a0a0a0aull, low7 = 0x7f7f7f7f7f7f7f7full;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		uint64_t x = w ^ nl;
		uint64_t t = ((x & low7) + low7) | x;
		/* one bit (0x80) per '\n' byte; the multiply sums the bytes' bits into the top byte */
		c += (unsigned long)((((~t & (ones << 7)) >> 7) * ones) >> 56);
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Lines of p[0..n): every line ends with '\n' except, at end of input, the last. */
static void feed_block(struct vp_diag *d, const char *src, const char *p, size_t n)
{
	size_t cur = 0;
	for (;;) {
		size_t hit = scan(d, p, cur, n);
		if (hit >= n)
			break;
		const char *nl = hit > cur ? memrchr(p + cur, '\n', hit - cur) : NULL;
		size_t ls = nl ? (size_t)(nl - p) + 1 : cur;
		d->lineno += count_nl(p + cur, ls - cur);
		const char *end = memchr(p + hit, '\n', n - hit);
		size_t le = end ? (size_t)(end - p) : n;
		struct vp_logline l;
		if (vp_logline_parse(p + ls, le - ls, &l) < 0) {
			d->stats.skipped++;
		} else {
			size_t tl = le - ls;
			while (tl > 0 && p[ls + tl - 1] == '\r')
				tl--;
			match_msg(d, src, d->lineno, p + ls, tl, l.msg, l.msg_len);
		}
		if (!end) {
			d->lineno++;
			return;
		}
		d->lineno++;
		cur = le + 1;
	}
	d->lineno += count_nl(p + cur, n - cur);
	if (n > cur && p[n - 1] != '\n')
		d->lineno++;
}

int vp_diag_feed_fd(struct vp_diag *d, const char *src, int fd)
{
	size_t have = 0;
	bool skipping = false;
	unsigned long first = d->lineno = 1;
	for (;;) {
		ssize_t r = read(fd, d->buf + have, BUF_SIZE - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			d->stats.lines += d->lineno - first;
			return -errno;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		size_t start = 0;
		if (skipping) {
			const char *nl = memchr(d->buf, '\n', have);
			if (!nl) {
				have = 0;
				continue;
			}
			start = (size_t)(nl - d->buf) + 1;
			skipping = false;
			d->lineno++;
		}
		const char *last = have > start ? memrchr(d->buf + start, '\n', have - start) : NULL;
		if (!last) {
			if (have == BUF_SIZE) {
				/* a line longer than the buffer: garbage, skipped whole */
				d->stats.skipped++;
				skipping = true;
				have = 0;
			} else if (start) {
				memmove(d->buf, d->buf + start, have - start);
				have -= start;
			}
			continue;
		}
		size_t blk = (size_t)(last - d->buf) + 1;
		feed_block(d, src, d->buf + start, blk - start);
		memmove(d->buf, d->buf + blk, have - blk);
		have -= blk;
	}
	if (have && !skipping)
		feed_block(d, src, d->buf, have);
	d->stats.lines += d->lineno - first;
	return 0;
}

/* ---- finishing: inferences, host join, texts, order ---- */

/* A finding whose line names the device in a VFIO context (vfio-pci, QEMU's vfio messages). */
static bool is_vfio_related(const struct vp_finding *f)
{
	return f->device[0] && !streq(f->entry->id, "driver.host_bound") && f->text &&
	       (strstr(f->text, "vfio") || strstr(f->text, "VFIO"));
}

static int finding_cmp(const void *a, const void *b)
{
	const struct vp_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	int c = strcmp(x->source, y->source);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->device, y->device);
}

static const struct vp_finding *has_finding(const struct vp_diag *d, const char *id)
{
	for (size_t i = 0; i < d->n_findings; i++)
		if (streq(d->findings[i].entry->id, id))
			return &d->findings[i];
	return NULL;
}

int vp_diag_finish(struct vp_diag *d, const struct vp_host *h)
{
	/* 1. A device-less line of an id (QEMU's hint line, the DRHD status line) folds into the same id's finding
	 *    with a device from the same source. */
	for (size_t i = 0; i < d->n_findings; i++) {
		struct vp_finding *f = &d->findings[i];
		if (f->device[0])
			continue;
		for (size_t j = 0; j < d->n_findings; j++) {
			struct vp_finding *g = &d->findings[j];
			if (j != i && g->entry == f->entry && g->device[0] && g->source == f->source) {
				g->count += f->count;
				if (g->group < 0)
					g->group = f->group;
				free(f->text);
				d->findings[i] = d->findings[--d->n_findings];
				i--;
				break;
			}
		}
	}
	/* 2. The Intel parser said "IOMMU enabled" but DMA remapping never started. */
	if (d->dmar_parser && !has_finding(d, "iommu.active") && !has_finding(d, "iommu.disabled") && d->dmar_text) {
		size_t e = (size_t)(vp_diag_entry_by_id("iommu.disabled") - vp_diag_catalog);
		struct vp_finding *f = add_finding(d, e, VP_SEV_WARNING, "", -1, d->dmar_source, d->dmar_line,
						   d->dmar_text, strlen(d->dmar_text));
		if (f)
			d->cause_override[f - d->findings] =
				"\"DMAR: IOMMU enabled\" is printed by the intel_iommu=on parser, not by a working IOMMU: "
				"this log has no \"DMAR: Intel(R) Virtualization Technology for Directed I/O\" line and no "
				"device added to an IOMMU group, so DMA remapping did not start (no DMAR table: VT-d off in "
				"the firmware, or this excerpt is incomplete).";
	}
	/* 3. A host GPU/audio/USB driver logged on a device vfio also names. */
	for (size_t k = 0; k < d->n_hostdrv; k++) {
		struct hostdrv *hd = &d->hostdrv[k];
		bool related = false;
		for (size_t i = 0; i < d->n_findings && !related; i++)
			related = is_vfio_related(&d->findings[i]) && streq(d->findings[i].device, hd->addr);
		if (!related)
			continue;
		enum vp_severity sev = VP_SEV_WARNING;
		const struct vp_pci_dev *dev = h ? vp_host_dev(h, hd->addr) : NULL;
		if (dev && dev->driver_known) {
			if (dev->driver && !vp_driver_is_dma_safe(dev->driver))
				sev = VP_SEV_ERROR;
			else
				sev = VP_SEV_INFO;
		}
		size_t e = (size_t)(vp_diag_entry_by_id("driver.host_bound") - vp_diag_catalog);
		struct vp_finding *f = add_finding(d, e, sev, hd->addr, -1, hd->source, hd->line, hd->text,
						   strlen(hd->text));
		if (f)
			d->cause_override[f - d->findings] =
				"A host driver logged on this device, which vfio also names in this log: the host driver "
				"had (or still has) the device, so vfio-pci could not own it then.";
	}
	/* 4. The join: a driver.host_bound finding for a device that vfio-pci owns now is history, not an error. */
	for (size_t i = 0; i < d->n_findings && h; i++) {
		struct vp_finding *f = &d->findings[i];
		const struct vp_pci_dev *dev = f->device[0] ? vp_host_dev(h, f->device) : NULL;
		if (streq(f->entry->id, "driver.host_bound") && dev && dev->driver_known &&
		    vp_driver_is_dma_safe(dev->driver) && f->severity > VP_SEV_INFO && f->line)
			f->severity = VP_SEV_WARNING;
	}
	/* 5. Texts. Sort first so cause_override (indexed by position) is read before it moves. */
	for (size_t i = 0; i < d->n_findings; i++) {
		struct vp_finding *f = &d->findings[i];
		free(f->cause);
		free(f->fix);
		f->cause = strdup(d->cause_override[i] ? d->cause_override[i] : f->entry->cause);
		struct vp_buf b = { 0 };
		if (f->entry->fix)
			f->entry->fix(d, f, h, &b);
		f->fix = b.data ? vp_buf_steal(&b) : strdup("");
		if (!f->cause || !f->fix)
			return -ENOMEM;
	}
	memset(d->cause_override, 0, sizeof(d->cause_override));
	qsort(d->findings, d->n_findings, sizeof(d->findings[0]), finding_cmp);
	return 0;
}

const struct vp_finding *vp_diag_findings(const struct vp_diag *d, size_t *ret_n)
{
	*ret_n = d->n_findings;
	return d->findings;
}

const struct vp_diag_stats *vp_diag_stats(const struct vp_diag *d)
{
	return &d->stats;
}

bool vp_diag_has_error(const struct vp_diag *d)
{
	for (size_t i = 0; i < d->n_findings; i++)
		if (d->findings[i].severity == VP_SEV_ERROR)
			return true;
	return false;
}

/* ---- fix texts ---- */

static void fb_list(const struct vp_diag *d, struct vp_buf *b)
{
	bool first = true;
	for (size_t i = 0; i < sizeof(fb_names) / sizeof(fb_names[0]); i++)
		if (d->fb_seen & (1u << i)) {
			vp_buf_printf(b, "%s%s", first ? "" : ", ", fb_names[i]);
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
	const char *io = h ? vp_host_cmdline_get(h, "intel_iommu") : NULL;
	const char *ao = h ? vp_host_cmdline_get(h, "amd_iommu") : NULL;
	if (io && streq(io, "off"))
		vp_buf_puts(b, "Remove intel_iommu=off from the kernel command line. ");
	if (ao && streq(ao, "off"))
		vp_buf_puts(b, "Remove amd_iommu=off from the kernel command line. ");
	if (h && h->cpu_vendor == VP_CPU_AMD)
		vp_buf_puts(b, "Enable the IOMMU (\"IOMMU\"/\"AMD-Vi\") in the firmware setup; AMD needs no kernel argument "
			       "(amd_iommu=on is not a valid value). Then reboot and run vfio-pilot check.");
	else if (h && h->cpu_vendor == VP_CPU_INTEL)
		vp_buf_printf(b, "Enable VT-d in the firmware setup%s, then reboot and run vfio-pilot check.",
			      io && streq(io, "on") ? "" : " and add intel_iommu=on to the kernel command line");
	else
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
		if (d->fb_seen) {
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
	if (d->fb_seen) {
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

/* ---- rendering ---- */

void vp_diag_render(const struct vp_diag *d, const struct vp_diag_source *sources, size_t n_sources,
		    struct vp_doc *doc)
{
	unsigned long n[3] = { 0 };
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < d->n_findings; i++) {
		const struct vp_finding *f = &d->findings[i];
		n[f->severity]++;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(f->entry->id));
		json_object_object_add(o, "severity", json_object_new_string(vp_severity_to_string(f->severity)));
		json_object_object_add(o, "device", f->device[0] ? json_object_new_string(f->device) : NULL);
		json_object_object_add(o, "group", f->group >= 0 ? json_object_new_int(f->group) : NULL);
		json_object_object_add(o, "source", json_object_new_string(f->source));
		json_object_object_add(o, "line", f->line ? json_object_new_int64((int64_t)f->line) : NULL);
		json_object_object_add(o, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(o, "text", json_object_new_string(f->text));
		json_object_object_add(o, "cause", json_object_new_string(f->cause ? f->cause : ""));
		json_object_object_add(o, "fix", json_object_new_string(f->fix ? f->fix : ""));
		json_object_array_add(arr, o);

		struct vp_buf t = { 0 };
		vp_buf_printf(&t, "%s %s%s%s: %s", f->severity == VP_SEV_ERROR     ? "[ERROR]"
						   : f->severity == VP_SEV_WARNING ? "[WARN] "
										   : "[INFO] ",
			      f->entry->id, f->device[0] ? " " : "", f->device, f->entry->title);
		if (f->count > 1)
			vp_buf_printf(&t, " (%lu lines)", f->count);
		if (f->line)
			vp_buf_printf(&t, "\n  %s:%lu: %s", f->source, f->line, f->text);
		else
			vp_buf_printf(&t, "\n  %s: %s", f->source, f->text);
		vp_buf_printf(&t, "\n  cause: %s", f->cause ? f->cause : "");
		if (f->fix && *f->fix)
			vp_buf_printf(&t, "\n  fix:   %s", f->fix);
		char *s = vp_buf_steal(&t);
		vp_doc_text(doc, "%s", s ? s : "");
		free(s);
	}
	vp_doc_json(doc, "findings", arr);

	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "errors", json_object_new_int64((int64_t)n[VP_SEV_ERROR]));
	json_object_object_add(sum, "warnings", json_object_new_int64((int64_t)n[VP_SEV_WARNING]));
	json_object_object_add(sum, "info", json_object_new_int64((int64_t)n[VP_SEV_INFO]));
	json_object_object_add(sum, "lines", json_object_new_int64((int64_t)d->stats.lines));
	json_object_object_add(sum, "skipped", json_object_new_int64((int64_t)d->stats.skipped));
	json_object_object_add(sum, "dropped", json_object_new_int64((int64_t)d->stats.dropped));
	vp_doc_json(doc, "summary", sum);

	json_object *src = json_object_new_array();
	struct vp_buf st = { 0 };
	for (size_t i = 0; i < n_sources; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(sources[i].name));
		json_object_object_add(o, "status", json_object_new_string(sources[i].status));
		json_object_object_add(o, "lines", json_object_new_int64((int64_t)sources[i].lines));
		json_object_object_add(o, "note", sources[i].note ? json_object_new_string(sources[i].note) : NULL);
		json_object_array_add(src, o);
		vp_buf_printf(&st, "%s  %s: %s", i ? "\n" : "", sources[i].name, sources[i].status);
		if (streq(sources[i].status, "read"))
			vp_buf_printf(&st, ", %lu line%s", sources[i].lines, sources[i].lines == 1 ? "" : "s");
		if (sources[i].note)
			vp_buf_printf(&st, " (%s)", sources[i].note);
	}
	vp_doc_json(doc, "sources", src);
	char *s = vp_buf_steal(&st);
	vp_doc_text(doc, "%s%s\n%lu error%s, %lu warning%s, %lu info in %lu line%s%s", "Sources:\n", s ? s : "",
		    n[VP_SEV_ERROR], n[VP_SEV_ERROR] == 1 ? "" : "s", n[VP_SEV_WARNING],
		    n[VP_SEV_WARNING] == 1 ? "" : "s", n[VP_SEV_INFO], d->stats.lines, d->stats.lines == 1 ? "" : "s",
		    d->stats.skipped ? " (garbled lines skipped)" : "");
	free(s);
}

int vp_diag_write_patterns(FILE *f)
{
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		for (size_t p = 0; p < vp_diag_catalog[e].n_patterns; p++)
			fprintf(f, "%s\n", vp_diag_catalog[e].patterns[p].regex);
	return ferror(f) ? -EIO : 0;
}

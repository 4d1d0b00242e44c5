/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose, the catalog as data (see diagnose.h): per failure an id, a
 * severity, a title, a cause and the patterns that recognise it, plus the
 * context hints the engine notes. No code runs here but look-ups; the fix
 * texts, which need the host model, live in diagnose-fix.c. Patterns are built
 * from the strings the kernel, QEMU, libvirt and other tools really print;
 * each cites where the string comes from, and real reports that show it live
 * in tests/diagnose/corpus/.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"
#include "util.h"

/* ---- the catalog ---- */

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
	{ "VFIO_MAP_DMA failed: Cannot", "VFIO_MAP_DMA failed: Cannot allocate memory", 0 },
	{ "VFIO_MAP_DMA: -12", "VFIO_MAP_DMA: -12", 0 },
	/* QEMU hw/vfio/listener.c (older common.c) vfio_listener_region_add():
	 * "vfio_dma_map(%p, 0x%..., 0x%..., %p) = %d (%s)", newer "vfio_container_dma_map(...)"; -12 = ENOMEM */
	{ "vfio_dma_map(0x", "_dma_map\\([^)]*\\) = -12", 0 },
	{ "container_dma_map(", "_dma_map\\([^)]*\\) = -12", 0 },
	/* libvirt src/util/virprocess.c virProcessSetMaxMemLock(): "cannot limit locked memory of process %lld to %llu" */
	{ "cannot limit locked memory", "cannot limit locked memory", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_map[] = {
	/* QEMU hw/vfio/container.c vfio_legacy_dma_map(): "VFIO_MAP_DMA failed: %s" (other errno than ENOMEM) */
	{ "VFIO_MAP_DMA failed", "VFIO_MAP_DMA failed: ", 0 },
	{ "VFIO_MAP_DMA: -", "VFIO_MAP_DMA: -[0-9]+", 0 },
	/* QEMU hw/vfio/listener.c vfio_listener_region_add(): "vfio_container_dma_map(...) = -22 (Invalid argument)" */
	{ "vfio_dma_map(0x", "_dma_map ?\\([^)]*\\) = -[0-9]+", 0 },
	{ "container_dma_map", "_dma_map ?\\([^)]*\\) = -[0-9]+", 0 },
	/* QEMU hw/vfio/container.c vfio_connect_container(): "memory listener initialization failed" */
	{ "memory listener initiali", "memory listener initiali[sz]ation failed", 0 },
	/* cloud-hypervisor pci/src/vfio.rs / vmm device_manager.rs: VfioDmaMap(IommuDmaMap(Error(errno))) and
	 * VfioMapRegion(DmaMap(IommuDmaMap(Error(errno)))): VFIO_IOMMU_MAP_DMA failed (17 EEXIST: an overlapping map) */
	{ "IommuDmaMap(Error(", "DmaMap\\(IommuDmaMap\\(Error\\([0-9]+\\)", 0 },
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
	{ " intremap=off", "(^|[ \"])intremap=off", VP_PAT_NODEV | VP_PAT_WARN },
	{ "\"intremap=off", "(^|[ \"])intremap=off", VP_PAT_NODEV | VP_PAT_WARN },
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
	{ ": Permission denied", "/dev/vfio/(vfio|[0-9]+)[^:]*: Permission denied", 0 },
};

static const struct vp_diag_pattern pat_in_use[] = {
	/* QEMU hw/vfio/container.c vfio_get_group(): error_setg(errp, "group %d used in multiple address spaces") */
	{ "used in multiple address spaces", "group [0-9]+ used in multiple address spaces", 0 },
	/* QEMU hw/vfio/container.c vfio_get_device(): error_setg_errno(errp, errno, "error getting device from group
	 * %d") + hint "Verify all devices in group %d are bound to vfio-<bus> or pci-stub and not already in use" */
	{ "error getting device from group", "error getting device from group [0-9]+: Device or resource busy", 0 },
	/* Linux drivers/vfio/group.c vfio_group_fops_open(): a second open of /dev/vfio/N returns -EBUSY */
	{ "Device or resource busy", "/dev/vfio/[0-9]+[^:]*: (\\[Errno 16\\] )?Device or resource busy", 0 },
	/* libvirt src/util/virhostdev.c virHostdevIsPCINodeDeviceUsed(): "PCI device %s is in use by driver %s,
	 * domain %s" */
	{ "is in use by driver", "PCI device [0-9a-fA-F:.]+ is in use by driver", 0 },
};

static const struct vp_diag_pattern pat_get_device[] = {
	/* QEMU hw/vfio/container.c vfio_get_device() (see group.in_use) with another errno than EBUSY: EINVAL when the
	 * device is not bound to a vfio driver in that group, EIO when an mdev vendor driver refuses to open */
	{ "error getting device from group", "error getting device from group [0-9]+: ", 0 },
	/* the hint line QEMU prints after it, pasted alone or joined to the errno text */
	{ "are bound to vfio-<bus> or pci-stub",
	  "(Invalid argument|Input/output error|No such device)[ .]*Verify all devices in group [0-9]+ are bound", 0 },
};

static const struct vp_diag_pattern pat_not_viable[] = {
	/* QEMU hw/vfio/container.c vfio_get_group(): error_setg(errp, "group %d is not viable") + hint "Please ensure
	 * all devices within the iommu_group are bound to their vfio bus driver."; QEMU < 2.10 printed
	 * "vfio: error, group %d is not viable, please ensure all devices within the iommu_group are bound ..." */
	{ " is not viable", "group [0-9]+ is not viable", 0 },
	{ "within the iommu_group are bound", "ensure all devices within the iommu_group are bound", VP_PAT_NODEV },
	/* DPDK lib/eal/linux/eal_vfio.c rte_vfio_setup_device(): "%s VFIO group is not viable! Not all devices in IOMMU
	 * group bound to VFIO or unbound" (the same check, VFIO_GROUP_FLAGS_VIABLE, made by a DPDK application) */
	{ "VFIO group is not viable!", "VFIO group is not viable! Not all devices in IOMMU group bound", 0 },
	/* ... and the same DPDK message as users retype it into reports, lower-cased and without the "!" */
	{ "vfio group is not viable", "vfio group is not viable!? not all devices in iommu group bound", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_host_bound[] = {
	/* QEMU "failed to open /dev/vfio/%d" with ENOENT: the group node exists only while a vfio driver holds a device
	 * of the group (Linux drivers/vfio/group.c creates it when vfio-pci registers the first device) */
	{ "No such file or directory", "/dev/vfio/[0-9]+[^:]*: No such file or directory", 0 },
	/* NVIDIA gpu-operator's validator (cmd/nvidia-validator, run as nvidia-sandbox-validator for vm-passthrough
	 * nodes): fmt.Errorf("device not bound to 'vfio-pci'; device: %s driver: '%s'") for a GPU that still has a
	 * host driver. kubevirt-gpu-device-plugin logs "Device not bound ..." (capital D) as info for GPUs it skips on
	 * purpose: the anchor is case-sensitive and leaves it out; an empty driver ('') is unbound, not host-bound */
	{ "device not bound to 'vfio-pci'", "(^ *|: )device not bound to 'vfio-pci'; device: [^ ]+ driver: '[a-z]", 0 },
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
	/* ... the same message retyped into a report with "assigment" (joeknock90/Single-GPU-Passthrough#101) */
	{ "VFIO device assigment is currently", "VFIO device assigment is currently not supported", VP_PAT_NODEV },
	/* Linux drivers/base/dd.c call_driver_probe(): 6.x dev_err "probe with driver %s failed with error %d"
	 * (prefix "pci ADDR:"), older pr_warn "%s: probe of %s failed with error %d". vfio-pci returns -EINVAL from
	 * vfio_pci_core_register_device() when the device has no IOMMU group (qemu-e2e.md noiommu-dev, iommu-off) */
	{ "failed with error -22", "(probe with driver vfio-pci|vfio-pci: probe of [0-9a-fA-F:.]+) failed with error -22",
	  0 },
	/* A pasted IOMMU group listing with no groups at all: the usual "for g in /sys/kernel/iommu_groups/N" glob loop
	 * (Arch wiki, lsiommu scripts) prints the unmatched glob literally: "IOMMU Group *" or "IOMMU Group * 00:00.0 ..." */
	{ "IOMMU Group * ", "IOMMU [Gg]roup \\*", VP_PAT_NODEV },
	{ "IOMMU Group *:", "IOMMU [Gg]roup \\*", VP_PAT_NODEV },
	{ "IOMMU group * ", "IOMMU [Gg]roup \\*", VP_PAT_NODEV },
	{ "IOMMU group *:", "IOMMU [Gg]roup \\*", VP_PAT_NODEV },
	/* Linux drivers/iommu/intel/iommu.c intel_iommu_setup(): pr_info("IOMMU disabled\n") for intel_iommu=off */
	{ "DMAR: IOMMU disabled", "DMAR: IOMMU disabled", VP_PAT_NODEV },
	/* Kernel command line echoed at boot with the IOMMU switched off */
	{ "intel_iommu=off", "(^|[ \"])intel_iommu=off", VP_PAT_NODEV },
	{ " amd_iommu=off", "(^|[ \"])amd_iommu=off", VP_PAT_NODEV },
	{ "\"amd_iommu=off", "(^|[ \"])amd_iommu=off", VP_PAT_NODEV },
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
	{ ": can't reserve", "BAR [0-9]+( \\[[^]]*\\])?: can't reserve", 0 },
	/* the same line pasted through a forum or chat that turned the apostrophe into U+2019 */
	{ "can\u2019t reserve", "BAR [0-9]+( \\[[^]]*\\])?: can\u2019t reserve", 0 },
	/* QEMU hw/vfio/region.c / pci.c vfio_bar_register(): "Failed to mmap %s BAR %d. Performance may be slow" */
	{ "Failed to mmap ", "Failed to mmap [^ ]+ BAR [0-9]+", VP_PAT_WARN },
	/* QEMU hw/vfio/region.c vfio_region_write(): error_report("%s(%s:region%d+0x%"HWADDR_PRIx", 0x%"PRIx64
	 * ",%d) failed: %m") with EBUSY: the host still holds the BAR's memory */
	{ "vfio_region_write(", "vfio_region_write\\([^)]*\\) failed: Device or resource busy", 0 },
	/* cloud-hypervisor vmm/src/device_manager.rs: VfioMapRegion(CreateUserMemoryRegion(...)): a BAR region could
	 * not be mapped into the guest */
	{ "VfioMapRegion(CreateUserMemoryRegion", "VfioMapRegion\\(CreateUserMemoryRegion", 0 },
};

static const struct vp_diag_pattern pat_rom[] = {
	/* Linux drivers/pci/rom.c pci_get_rom_size(): pci_info(pdev, "Invalid PCI ROM header signature: expecting
	 * %#06x, got %#06x\n") and "Invalid PCI ROM data signature: expecting 0x52494350, got %#010x\n" */
	{ "Invalid PCI ROM header signature", "Invalid PCI ROM header signature", 0 },
	{ "Invalid PCI ROM data signature", "Invalid PCI ROM data signature", 0 },
	/* older kernels' pci_map_rom() (drivers/pci/rom.c): "Invalid ROM contents" (seen in chyves/chyves#3) */
	{ "Invalid ROM contents", "Invalid ROM contents", 0 },
	/* drivers/pci/rom.c pci_get_rom_size(): pci_info(pdev, "No more image in the PCI ROM\n") when an image's PCIR
	 * length leads past the ROM without a last-image flag */
	{ "No more image in the PCI ROM", "No more image in the PCI ROM", 0 },
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
	{ "Refused to change power state", "Refused to change power state(, currently in D3| from D3)", 0 },
	/* (", currently in D0" and "from D0 to D3hot" are a device that will not go to sleep: not stuck, no finding) */
	/* QEMU hw/vfio/pci.c vfio_pci_pre_reset(): error_report("vfio: Unable to power on device, stuck in D%d") */
	{ "Unable to power on device", "Unable to power on device, stuck in D[1-3]", 0 },
	/* Linux drivers/pci/pci.c pci_dev_wait(): "not ready %dms after %s; giving up" with reason "resume" */
	{ "after resume; giving up", "not ready [0-9]+ms after resume; giving up", 0 },
	/* ... and the same function's pci_info(dev, "not ready %dms after %s; waiting\n") while it still waits */
	{ "after resume; waiting", "not ready [0-9]+ms after resume; waiting", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_reset[] = {
	/* Linux drivers/pci/pci.c pci_dev_wait(): pci_warn(dev, "not ready %dms after %s; giving up\n") for
	 * "FLR", "bus reset", "PM D3hot->D0", ...; older kernels "not ready %dms after FLR; giving up" */
	{ "after FLR; giving up", "not ready [0-9]+ms after FLR; giving up", 0 },
	{ "after AF_FLR; giving up", "not ready [0-9]+ms after AF_FLR; giving up", 0 },
	{ "after bus reset; giving up", "not ready [0-9]+ms after bus reset; giving up", 0 },
	{ "D3hot->D0; giving up", "not ready [0-9]+ms after PM D3hot->D0; giving up", 0 },
	/* pci_dev_wait()'s "not ready %dms after %s; waiting" for FLR or a bus reset: the device is slow to return (a
	 * device that never completes FLR ends in "; giving up" or hangs the host) */
	{ "ms after FLR; waiting", "not ready [0-9]+ms after FLR; waiting", VP_PAT_WARN },
	{ "ms after bus reset; waiting", "not ready [0-9]+ms after bus reset; waiting", VP_PAT_WARN },
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
	/* Proxmox qemu-server PVE/QemuServer.pm: "failed to reset PCI device '%s', but trying to continue as not all
	 * devices need a reset" (writing sysfs reset failed: ENOTTY when the device has no reset method) */
	{ "failed to reset PCI device", "failed to reset PCI device", VP_PAT_WARN },
	/* Linux drivers/pci/probe.c pci_setup_device(): pci_err(dev, "unknown header type %02x, ignoring device\n") and
	 * the enumeration line "[%04x:%04x] type %02x class %#08x" of a device reading 0xff */
	{ "unknown header type", "unknown header type 7f", 0 },
	{ "type 7f class 0xffffff", "type 7f class 0xffffff", 0 },
	/* Linux drivers/vfio/pci/vfio_pci_config.c vfio_bar_restore(): pci_info(pdev, "%s: reset recovery - restoring
	 * BARs\n"): the device lost its configuration */
	{ "reset recovery - restoring BARs", "reset recovery - restoring BARs", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_vendor_reset[] = {
	/* vendor-reset (github.com/gnif/vendor-reset) src/amd/NAME.c: pci_warn(dev, "%s: failed to reset device\n") after
	 * its AMD_POLARIS10/AMD_VEGA10/AMD_VEGA20/AMD_NAVI10/AMD_NAVI14... method fails */
	{ "failed to reset device", "AMD_[A-Z0-9_]+: failed to reset device", 0 },
	/* its SMU and PSP messages: src/amd/common.c smum_send_msg_to_smc(): "SMU error 0x%x"; "Failed to send message
	 * 0x%x: return 0x%x"; vega10.c: "could not get enabled SMU features"; navi10.c / vega20.c: "timed out waiting
	 * for PSP to reach valid state, but continuing anyway", "PSP did not acknowledger reset", "psp mode1 reset failed";
	 * "amdgpu_get_bios failed" (no ROM: an unsupported GPU) */
	{ ": SMU error 0x", "SMU error 0x[0-9a-fA-F]+", VP_PAT_WARN },
	{ "could not get enabled SMU features", "could not get enabled SMU features", VP_PAT_WARN },
	{ "timed out waiting for PSP", "timed out waiting for PSP", VP_PAT_WARN },
	{ "PSP did not acknowledge", "PSP did not acknowledge", VP_PAT_WARN },
	{ "mode1 reset failed", "(psp )?mode ?1 reset failed", VP_PAT_WARN },
	{ "amdgpu_get_bios failed", "amdgpu_get_bios failed", VP_PAT_WARN },
	/* Linux drivers/pci/pci.c reset_method_store(): pci_err(pdev, "Unsupported reset method '%s'", name): writing
	 * device_specific without vendor-reset's quirk loaded (or a kernel it no longer hooks) leaves the card without
	 * its reset; the other names only a warning */
	{ "Unsupported reset method", "Unsupported reset method 'device_specific'", 0 },
	{ "Unsupported reset method", "Unsupported reset method '", VP_PAT_WARN },
};

static const struct vp_diag_pattern pat_driver_in_use[] = {
	/* NVIDIA kernel-open/nvidia/nv-pci.c nv_pci_remove(): "NVRM: Attempting to remove device %04x:%02x:%02x.%x with
	 * non-zero usage count!" and then waits until every user of the GPU closes it */
	{ "with non-zero usage count", "Attempting to remove (minor )?device [^ ]* ?with non-zero usage count", 0 },
};

static const struct vp_diag_pattern pat_completion_wait[] = {
	/* Linux drivers/iommu/amd/iommu.c wait_on_sem(): pr_alert("Completion-Wait loop timed out\n"): the AMD IOMMU
	 * stopped processing its command buffer */
	{ "Completion-Wait loop timed out", "Completion-Wait loop timed out", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_slot[] = {
	/* QEMU hw/pci/pci.c do_pci_register_device(): error_setg(errp, "PCI: slot %d function %d not available for
	 * %s, in use by %s,id=%s") */
	{ "not available for vfio-pci", "slot [0-9]+ function [0-9]+ not available for vfio-pci, in use by", VP_PAT_NODEV },
};

static const struct vp_diag_pattern pat_rmrr[] = {
	/* Linux drivers/iommu/intel/iommu.c device_rmrr_is_relaxable()/intel_iommu_attach_device(): dev_warn(dev,
	 * "Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform
	 * vendor.\n"); QEMU then fails with "vfio: failed to set iommu for container: Operation not permitted" */
	{ "ineligible for IOMMU domain attach", "ineligible for IOMMU domain attach due to platform RMRR", 0 },
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
	{ ": Permission denied", "libvirt-sock'?: Permission denied", VP_PAT_NODEV },
	/* bash/tee writing sysfs control files (mode 0200, root only): "tee: /sys/bus/pci/drivers/vfio-pci/bind:
	 * Permission denied" */
	{ ": Permission denied", "/sys/bus/pci/[^ ]*: Permission denied", 0 },
	{ ": Operation not permitted", "/sys/bus/pci/[^ ]*: Operation not permitted", 0 },
	/* the same for the other sysfs files passthrough scripts write: vtconsole bind, efi-framebuffer unbind */
	{ "Permission denied", "/sys/(class|bus|devices|module)/[^ ]*: Permission denied", VP_PAT_NODEV },
	/* kmod's modprobe: "modprobe: ERROR: could not insert '%s': %s" with EPERM for vfio's modules (a user, or a
	 * container without CAP_SYS_MODULE); for out-of-tree modules (vendor_reset, kvmfr) also Secure Boot's lockdown */
	{ "could not insert '", "could not insert '(vfio[a-z0-9_]*|vendor_reset|kvmfr)': Operation not permitted",
	  VP_PAT_NODEV },
	/* libvirt src/util/virpci.c virPCIDeviceDetach(): "Failed to load PCI stub module %s" (modprobe failed: the
	 * session instance qemu:///session as a user, or the module missing) */
	{ "Failed to load PCI stub module", "Failed to load PCI stub module", VP_PAT_NODEV },
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
	{ "vfio-pci 0000:", "^vfio-pci " ADDR ": ", 0 },
};

static const char cause_disabled[] =
	"No IOMMU is translating DMA, so there are no IOMMU groups and vfio-pci cannot bind (it needs a group): "
	"VT-d/AMD-Vi is off in the firmware, the kernel was told intel_iommu=off/amd_iommu=off, or on Intel the "
	"kernel's default leaves it off and intel_iommu=on is missing.";

const struct vp_diag_entry vp_diag_catalog[] = {
	{ "dma.memlock", VP_SEV_ERROR, "Locked-memory limit too low for VFIO", PATS(pat_memlock),
	  "VFIO pins all guest RAM for DMA and counts it against the QEMU process's RLIMIT_MEMLOCK; the limit was "
	  "smaller than the guest's memory, so pinning failed with ENOMEM." },
	{ "dma.map_failed", VP_SEV_ERROR, "VFIO_MAP_DMA failed", PATS(pat_map),
	  "QEMU could not map guest memory into the device's IOMMU domain (VFIO_MAP_DMA), so the device cannot DMA "
	  "to the guest and QEMU stops." },
	{ "iommu.interrupt_remapping", VP_SEV_ERROR, "Interrupt remapping missing", PATS(pat_ir),
	  "Without interrupt remapping a device can forge MSI writes into the host, so vfio_iommu_type1 refuses to "
	  "attach the group (EPERM) unless allow_unsafe_interrupts is set, which removes that isolation." },
	{ "iommu.fault", VP_SEV_ERROR, "IOMMU fault", PATS(pat_fault),
	  "A device issued DMA (or an interrupt) to an address its IOMMU domain does not map, and the IOMMU blocked "
	  "it: a driver or firmware using stale addresses, or a device that was not reset before it changed owner." },
	{ "group.permission", VP_SEV_ERROR, "/dev/vfio permission denied", PATS(pat_permission),
	  "The process that opened /dev/vfio/N (QEMU) may not: the group node is root-only (0600) unless a udev rule "
	  "or libvirt changes its owner." },
	{ "group.in_use", VP_SEV_ERROR, "IOMMU group or device already in use", PATS(pat_in_use),
	  "The VFIO group or device is already held: another running VM or process has it open, libvirt has it "
	  "assigned to another domain, or the group's functions sit in different guest address spaces (vIOMMU)." },
	{ "group.not_viable", VP_SEV_ERROR, "IOMMU group not viable", PATS(pat_not_viable),
	  "VFIO hands over whole IOMMU groups: every device in the group must be bound to vfio-pci (or pci-stub, or "
	  "no driver; bridges may stay on pcieport), and at least one still has a host driver." },
	{ "driver.host_bound", VP_SEV_ERROR, "A host driver still owns the device", PATS(pat_host_bound),
	  "The device (or another device of its group) is still bound to a host driver such as nvidia, amdgpu or "
	  "snd_hda_intel, so no vfio group node exists for it and QEMU cannot take it." },
	{ "iommu.disabled", VP_SEV_ERROR, "No IOMMU", PATS(pat_disabled), cause_disabled },
	{ "vfio.probe_busy", VP_SEV_ERROR, "vfio-pci probe failed with -16 (EBUSY)", PATS(pat_probe_busy),
	  "vfio-pci could not take the device: another driver got there first and still holds its memory (a boot "
	  "framebuffer or GPU driver on the BARs), the device's group is already owned elsewhere, or it is an SR-IOV "
	  "PF with VFs enabled." },
	{ "bar.reserved", VP_SEV_ERROR, "BAR cannot be reserved", PATS(pat_bar),
	  "Part of the device's memory (a BAR) is already claimed, usually by a boot framebuffer (efifb, simplefb, "
	  "simpledrm, vesafb) on the GPU the firmware used for its console, so vfio-pci cannot reserve or map it." },
	{ "rom.invalid", VP_SEV_WARNING, "Option ROM invalid or unreadable", PATS(pat_rom),
	  "The GPU's option ROM could not be read or has no valid signature; the guest firmware then has no video "
	  "driver for the card (a black screen until the guest OS driver loads). The boot GPU's ROM is often shadowed "
	  "and unreadable." },
	{ "power.d3", VP_SEV_ERROR, "Device stuck in D3", PATS(pat_d3),
	  "The device did not come back from a low-power state (D3hot/D3cold) and answers config reads with all ones, "
	  "so neither the host nor the guest can use it." },
	{ "reset.failed", VP_SEV_ERROR, "Device reset failed", PATS(pat_reset),
	  "The device did not return from a reset (FLR, bus reset or a vendor reset), or has no usable reset; a device "
	  "that reads header type 127 (0x7f) or 0xff after a reset has dropped off the bus. Several AMD GPUs "
	  "(Polaris, Vega, Navi 10) have this 'reset bug'." },
	{ "reset.vendor_reset", VP_SEV_ERROR, "vendor-reset could not reset the AMD GPU", PATS(pat_vendor_reset),
	  "The AMD GPU has the 'reset bug' (Polaris, Vega, Navi 10/12/14: no working FLR) and the vendor-reset module's "
	  "reset for its family did not bring it back: the SMU or PSP did not answer, or the GPU is not one vendor-reset "
	  "supports. The card stays unusable until the host is power-cycled." },
	{ "driver.in_use", VP_SEV_ERROR, "The host GPU driver cannot let go of the device", PATS(pat_driver_in_use),
	  "The nvidia driver was asked to release the GPU (unbind, nodedev-detach, rmmod) while processes still had it "
	  "open (Xorg/Wayland, nvidia-persistenced, CUDA or AI services): it waits until they close it, so the unbind and "
	  "whatever called it (libvirt hook, virsh) hang." },
	{ "iommu.completion_wait", VP_SEV_ERROR, "AMD IOMMU command queue timed out", PATS(pat_completion_wait),
	  "The AMD IOMMU stopped completing commands (Completion-Wait timeouts): invalidations of a device's mappings "
	  "never finish. It follows a device that fell off the bus (failed reset) or firmware/IOMMU errata; the host may "
	  "hang." },
	{ "group.get_device", VP_SEV_ERROR, "VFIO could not hand out the device", PATS(pat_get_device),
	  "QEMU opened the IOMMU group but the kernel refused the device in it: with EINVAL the device is not bound to "
	  "vfio-pci in that group (a typo in the address, another function, a device that moved), with EIO the device's "
	  "driver (an mdev/vGPU vendor driver) refused to open it." },
	{ "vm.slot_in_use", VP_SEV_ERROR, "The guest PCI address is taken", PATS(pat_slot),
	  "The VM configuration puts the passed-through device at a guest PCI address that another device of the VM "
	  "already uses, most often the emulated VGA at 00:02.0 when an Intel iGPU (IGD) must sit there." },
	{ "iommu.rmrr", VP_SEV_ERROR, "Firmware reserves memory for the device (RMRR)", PATS(pat_rmrr),
	  "The firmware's DMAR table gives the device a Reserved Memory Region (RMRR) that it keeps using (server "
	  "management, shared-memory NICs and HBAs), and the Intel IOMMU driver refuses to move such a device into a "
	  "VFIO domain." },
	{ "pcie.aer", VP_SEV_ERROR, "PCIe AER error", PATS(pat_aer),
	  "The PCIe link of the device or its port reported errors (AER): corrected ones are retried by hardware, "
	  "uncorrected ones lose transactions and can hang or reset the device." },
	{ "privilege.not_root", VP_SEV_ERROR, "Needs root", PATS(pat_root),
	  "The operation needs root: sysfs driver control files and the system libvirt socket are not writable by "
	  "ordinary users." },
	{ "iommu.active", VP_SEV_INFO, "IOMMU active", PATS(pat_active),
	  "The IOMMU initialised and put devices into IOMMU groups." },
	{ "vfio.claimed", VP_SEV_INFO, "vfio-pci claimed a device", PATS(pat_claimed),
	  "vfio-pci registered device ids or owns the device named in the line." },
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
const char *const vp_diag_fb_names[VP_DIAG_N_FB] = { "efifb", "simplefb", "simpledrm", "vesafb" };

const struct vp_diag_hint vp_diag_hints[] = {
	/* drivers/iommu/intel/iommu.c intel_iommu_setup(): pr_info("IOMMU enabled\n") for intel_iommu=on: the parser */
	{ "DMAR: IOMMU enabled", VP_HINT_DMAR_PARSER, 0 },
	/* lines only a working Intel IOMMU driver prints (dmar.c, irq_remapping.c, iommu.c quirks): the DMAR table is
	 * there, so the parser line alone proves nothing missing */
	{ "under DRHD base", VP_HINT_DMAR_ACTIVE, 0 },
	{ "Skip IOMMU disabling for graphics", VP_HINT_DMAR_ACTIVE, 0 },
	{ "DMAR: Host address width", VP_HINT_DMAR_ACTIVE, 0 },
	/* boot framebuffers registering: fbdev's "fb%d: %s frame buffer device" with id "EFI VGA"
	 * (drivers/video/fbdev/efifb.c) or "VESA VGA" (vesafb.c); simplefb.c "fb%d: simplefb registered!"; the
	 * simpledrm driver (drivers/gpu/drm/tiny/simpledrm.c) logs as "simple-framebuffer simple-framebuffer.0: [drm]
	 * ... simpledrm" */
	{ "EFI VGA frame buffer", VP_HINT_FB, FB_EFIFB },
	{ "efifb: probing", VP_HINT_FB, FB_EFIFB },
	{ "simplefb registered", VP_HINT_FB, FB_SIMPLEFB },
	{ "simpledrmdrmfb", VP_HINT_FB, FB_SIMPLEDRM },
	{ "Initialized simpledrm", VP_HINT_FB, FB_SIMPLEDRM },
	{ "VESA VGA frame buffer", VP_HINT_FB, FB_VESAFB },
	/* Lines by which a host driver shows it took a device: pci_enable_device()'s "enabling device (%04x -> %04x)"
	 * and vgaarb's "changed VGA decodes" (any driver; the engine keeps those whose message starts with one of
	 * vp_diag_host_drivers and an address). Any other parsed line that starts so counts as well. Anchoring on
	 * "DRIVER 0000:" instead made every PCI address in a log stop the scan. */
	{ "enabling device (", VP_HINT_HOST_DRIVER, 0 },
	{ "vgaarb: changed VGA decodes", VP_HINT_HOST_DRIVER, 0 },
};
const size_t vp_diag_hints_n = sizeof(vp_diag_hints) / sizeof(vp_diag_hints[0]);

/* GPU-card host drivers, as their dev_printk prefix names them ("amdgpu 0000:03:00.0: ..."). */
const char *const vp_diag_host_drivers[] = {
	"nvidia", "nouveau", "amdgpu", "radeon", "snd_hda_intel", "xhci_hcd", "nvidia-gpu", "i915", NULL,
};

int vp_diag_write_patterns(FILE *f)
{
	for (size_t e = 0; e < vp_diag_catalog_n; e++)
		for (size_t p = 0; p < vp_diag_catalog[e].n_patterns; p++)
			fprintf(f, "%s\n", vp_diag_catalog[e].patterns[p].regex);
	return ferror(f) ? -EIO : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IOMMU that only the firmware setup can turn on (see firmware.h; kernel-facts §1.2, §2.3). */
#include "firmware.h"

#include <string.h>

#include "util.h"

static bool arg_has(const struct vp_host *h, const char *key, const char *tok)
{
	const char *v = vp_host_cmdline_get(h, key);
	return v && vp_optlist_has(v, tok);
}

char *vp_firmware_iommu_blocker(const struct vp_host *h)
{
	if (vp_host_iommu_active(h))
		return NULL;
	const char *iommu = vp_host_cmdline_get(h, "iommu");
	if (iommu && streq(iommu, "off"))
		return NULL; /* the kernel argument turns it off: removing it and rebooting helps */
	if (h->cpu_hypervisor == VP_TRI_YES && !vp_strv_len(h->iommu_units))
		return strdup("the IOMMU is not active and cannot be: this is a virtual machine without a virtual IOMMU, and no "
			      "kernel argument or reboot gives it one; run vfio-pilot on the physical host, or give the virtual "
			      "machine a virtual IOMMU (QEMU: -device intel-iommu,intremap=on)");
	if (h->cpu_vendor == VP_CPU_INTEL) {
		if (arg_has(h, "intel_iommu", "off"))
			return NULL;
		if (h->acpi_dmar == VP_TRI_NO)
			return strdup("the IOMMU is not active and a reboot cannot change that: the firmware exposes no ACPI DMAR "
				      "table, so VT-d is switched off in the firmware. Enable VT-d (Intel Virtualization Technology "
				      "for Directed I/O) in the firmware (BIOS/UEFI) setup, then run `vfio-pilot plan` again");
		const char *asks = arg_has(h, "intel_iommu", "on") ? "intel_iommu=on is on the kernel command line"
				   : h->intel_iommu_default_on == VP_TRI_YES ? "this kernel turns VT-d on by default"
				   : NULL;
		if (asks)
			return vp_strdup_printf("the IOMMU is not active although %s, so a reboot cannot change that: the firmware "
						"does not hand VT-d to the kernel. Enable VT-d (Intel Virtualization Technology for "
						"Directed I/O) in the firmware (BIOS/UEFI) setup (`journalctl -k -b | grep -i dmar` "
						"shows firmware errors), then run `vfio-pilot plan` again", asks);
		return NULL;
	}
	if (h->cpu_vendor == VP_CPU_AMD) {
		if (arg_has(h, "amd_iommu", "off"))
			return NULL;
		if (h->acpi_ivrs == VP_TRI_NO)
			return strdup("the IOMMU is not active and a reboot cannot change that: the firmware exposes no ACPI IVRS "
				      "table, so AMD-Vi is switched off in the firmware. Enable IOMMU (AMD-Vi) and SVM in the "
				      "firmware (BIOS/UEFI) setup, then run `vfio-pilot plan` again");
		return strdup("the IOMMU is not active although the kernel turns AMD-Vi on by default, so a reboot cannot change "
			      "that: the firmware does not hand AMD-Vi to the kernel. Enable IOMMU (AMD-Vi, not Auto) and SVM in the "
			      "firmware (BIOS/UEFI) setup (`journalctl -k -b | grep -i AMD-Vi` shows firmware errors), then run "
			      "`vfio-pilot plan` again");
	}
	return NULL;
}

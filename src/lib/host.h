/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host model: one snapshot of everything vfio-pilot judges, read once per
 * command through the root handle. The host owns every device, group, card and
 * string in it; all getters return borrowed pointers valid until vp_host_free().
 *
 * Unknown values: ints are -1, strings NULL, tri-states VP_TRI_UNKNOWN. A
 * missing optional attribute is never an error; a garbage one is recorded as
 * unknown and noted in host->notes ("/sys/.../vendor: invalid content").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "root.h"

enum vp_tri { VP_TRI_UNKNOWN = -1, VP_TRI_NO = 0, VP_TRI_YES = 1 };

enum vp_cpu_vendor { VP_CPU_UNKNOWN, VP_CPU_INTEL, VP_CPU_AMD, VP_CPU_OTHER };
enum vp_iommu_vendor { VP_IOMMU_NONE, VP_IOMMU_INTEL, VP_IOMMU_AMD, VP_IOMMU_OTHER };

/* Where a kernel module stands for one kernel, as modprobe sees it (libkmod). */
enum vp_mod_state { VP_MOD_UNKNOWN, VP_MOD_MISSING, VP_MOD_MODULE, VP_MOD_BUILTIN };

struct vp_mdev_type {
	char *id;                 /* directory name, "i915-GVTg_V5_4" */
	char *name;               /* name file, may be NULL */
	char *description;
	char *device_api;         /* "vfio-pci" */
	int available_instances;  /* -1 unknown */
};

struct vp_pci_dev {
	char addr[13];            /* "0000:01:00.0", canonical lower case */
	char slot[13];            /* the card key: "0000:01:00", or an SR-IOV VF's own address "0000:4c:02.1" */
	unsigned domain, bus, dev, func;
	int vendor, device;       /* -1 unknown */
	int subsys_vendor, subsys_device;
	int class_code;           /* 24-bit class/subclass/prog-if, -1 unknown */
	int revision;
	char *driver;             /* NULL when unbound (or unknown, see driver_known) */
	bool driver_known;
	char *driver_override;    /* NULL when unset ("(null)") */
	int boot_vga;             /* 1/0, -1 when the file is absent (non-VGA) */
	char **reset_methods;     /* NULL when reset_method is absent/unknown */
	int sriov_totalvfs;       /* -1 when not an SR-IOV PF */
	int sriov_numvfs;
	char *physfn;             /* PF address when this is a VF */
	struct vp_mdev_type *mdev_types;
	size_t n_mdev_types;
	int iommu_group;          /* -1 when not in a group */
	char *parent;             /* upstream bridge address, NULL on a root bus */
	int numa_node;
	char *vendor_name;        /* from pci.ids (libpci); NULL when unknown */
	char *device_name;
	int card;                 /* index into host->cards, -1 when none */
	int d3cold_allowed;       /* 1/0, -1 when absent */
	char *power_state;        /* "D0", "D3hot", "D3cold", "unknown", "error"; NULL when absent */
	uint8_t *config;          /* config space as read (64 bytes without root, 256/4096 as root); only
	                           * for the functions of display cards, NULL otherwise or when unreadable */
	size_t config_len;
	bool config_skipped;      /* not read: the device sleeps (D3hot/D3cold) and a read would wake it */
};

struct vp_group {
	int id;
	struct vp_pci_dev **devs; /* borrowed, sorted by address */
	size_t n_devs;
	bool viable;              /* every device unbound or on a DMA-managing driver */
	bool isolated;            /* all non-bridge devices belong to one card (or are one lone function) */
	int card;                 /* that card's index when isolated, else -1 */
};

/* The functions of one slot that share function 0's vendor id; an SR-IOV virtual function is a
 * card of its own, keyed by its address. */
struct vp_card {
	char slot[13];            /* "0000:01:00", or a VF's "0000:4c:02.1" */
	int vendor;
	struct vp_pci_dev **devs; /* borrowed, by function */
	size_t n_devs;
	bool display;             /* some function has display class 0x03 */
	bool boot_vga;            /* some function is the boot VGA device */
};

struct vp_os {
	char *id, *id_like, *version_id, *name, *pretty_name, *variant_id;
};

struct vp_host {
	char *kernel_release;     /* proc/sys/kernel/osrelease */
	char *cmdline;            /* proc/cmdline, NULL if unreadable */
	char **cmdline_words;

	enum vp_cpu_vendor cpu_vendor;
	char *cpu_model;
	enum vp_tri cpu_vmx, cpu_svm, cpu_hypervisor;

	struct vp_os os;
	bool kvm_dev;             /* /dev/kvm exists */
	bool ostree_booted;       /* /run/ostree-booted */

	char **iommu_units;       /* sys/class/iommu entries, sorted */
	enum vp_iommu_vendor iommu_vendor;
	bool groups_dir;          /* sys/kernel/iommu_groups exists */
	char *default_domain;     /* the lowest group's type: "DMA", "DMA-FQ", "identity" (iommu=pt), ... or NULL */
	enum vp_tri irq_remapping; /* IR- chips in /proc/interrupts */
	enum vp_tri intel_iommu_default_on; /* from the kernel config of KVER, unknown without it */
	enum vp_tri acpi_dmar;    /* firmware describes Intel VT-d (ACPI DMAR table); unknown without sys/firmware/acpi/tables */
	enum vp_tri acpi_ivrs;    /* firmware describes AMD-Vi (ACPI IVRS table) */

	enum vp_mod_state vfio_pci;   /* for the running kernel */
	bool vfio_pci_loaded;     /* /sys/module/vfio_pci exists (loaded module, or built in) */
	bool unsafe_interrupts_param; /* vfio_iommu_type1 allow_unsafe_interrupts=Y now */
	bool libvirt_installed;
	char **libvirt_programs;  /* which of virsh/libvirtd/virtqemud were found */
	enum vp_mod_state vendor_reset; /* the vendor-reset module for the running kernel (VP_HOST_MODULES) */
	bool vendor_reset_loaded; /* sys/module/vendor_reset exists */

	struct vp_pci_dev *devs;  /* sorted by address */
	size_t n_devs;
	struct vp_group *groups;  /* sorted by id */
	size_t n_groups;
	struct vp_card *cards;    /* sorted by slot */
	size_t n_cards;

	char **notes;             /* unreadable or garbage inputs, as "PATH: reason" */
	struct vp_hostneeds *needs; /* what the host itself needs (hostneeds.h) */
};

enum vp_host_flags {
	VP_HOST_NAMES = 1u << 0,  /* look up vendor/device names in pci.ids */
	VP_HOST_MODULES = 1u << 1, /* ask libkmod about vfio-pci for the running kernel */
};

/*
 * Reads the host. Fails only when the root itself is unusable or PCI devices
 * cannot be listed for a reason other than absence (-errno); everything else
 * degrades to unknown. *ret is untouched on failure.
 */
int vp_host_load(struct vp_root *root, unsigned flags, struct vp_host **ret);
struct vp_host *vp_host_free(struct vp_host *h);
static inline void vp_host_freep(struct vp_host **h) { vp_host_free(*h); }

/* Look-ups. Return borrowed pointers or NULL. */
const struct vp_pci_dev *vp_host_dev(const struct vp_host *h, const char *addr);
const struct vp_group *vp_host_group(const struct vp_host *h, int id);
const struct vp_card *vp_host_card_of(const struct vp_host *h, const struct vp_pci_dev *d);

/* True when IOMMU translation is really active: groups populated. */
bool vp_host_iommu_active(const struct vp_host *h);
/* Value of a kernel argument: "intel_iommu" -> "on"; "" for a bare flag; NULL if absent. Last one wins. */
const char *vp_host_cmdline_get(const struct vp_host *h, const char *key);

/* Class helpers on the 24-bit class code. */
bool vp_class_is_bridge(int class_code);   /* base class 0x06 */
bool vp_class_is_display(int class_code);  /* base class 0x03 */
const char *vp_class_short(int class_code); /* "VGA", "3D", "Audio", "USB", "Bridge", ... */
/* Drivers that leave a group viable (driver_managed_dma in the kernel). */
bool vp_driver_is_dma_safe(const char *driver);

const char *vp_iommu_vendor_to_string(enum vp_iommu_vendor v); /* "intel", "amd", "other", NULL */
const char *vp_cpu_vendor_to_string(enum vp_cpu_vendor v);
const char *vp_mod_state_to_string(enum vp_mod_state s);

/*
 * What vp_host_load() reads, as tables. The loader names every path through
 * these tables (by the enum index), and `snapshot` captures exactly the
 * entries of the same tables, so the two cannot drift: a new input is a new
 * row here, used by both.
 *
 * Paths are relative to the root. Placeholders: "$KVER" is the running kernel
 * (proc/sys/kernel/osrelease), "$GROUP" each entry of sys/kernel/iommu_groups,
 * "$BIN" each of usr/sbin, usr/bin, sbin, bin. A '*' in the last component is
 * a glob over that directory.
 */
enum vp_input_kind {
	VP_INPUT_FILE,   /* a small file, read whole (symlinks followed, kept as links) */
	VP_INPUT_EXISTS, /* only existence matters (captured as an empty file or directory) */
	VP_INPUT_LINK,   /* a symlink, read with readlink() and not followed */
	VP_INPUT_LIST,   /* the names in a directory (links kept as links, subdirectories empty) */
	VP_INPUT_TREE,   /* a whole small subtree */
};

struct vp_input {
	const char *path;
	enum vp_input_kind kind;
};

enum vp_host_input_id {
	VP_IN_OSRELEASE,        /* proc/sys/kernel/osrelease */
	VP_IN_CMDLINE,
	VP_IN_CPUINFO,
	VP_IN_INTERRUPTS,
	VP_IN_OS_RELEASE,
	VP_IN_OS_RELEASE_USR,
	VP_IN_KVM,
	VP_IN_OSTREE_BOOTED,
	VP_IN_ACPI_TABLES,      /* the directory: its presence makes DMAR/IVRS absence meaningful */
	VP_IN_ACPI_DMAR,
	VP_IN_ACPI_IVRS,
	VP_IN_IOMMU_UNITS,      /* sys/class/iommu */
	VP_IN_GROUPS,           /* sys/kernel/iommu_groups */
	VP_IN_GROUP_TYPE,       /* sys/kernel/iommu_groups/$GROUP/type */
	VP_IN_PCI_DEVICES,      /* sys/bus/pci/devices: links to the device directories (vp_pci_dev_attrs) */
	VP_IN_VFIO_PCI_MODULE,  /* sys/module/vfio_pci */
	VP_IN_VFIO_PCI_INITSTATE,
	VP_IN_UNSAFE_INTERRUPTS,
	VP_IN_KCONFIG_BOOT,     /* boot/config-$KVER */
	VP_IN_KCONFIG_USR,      /* usr/lib/modules/$KVER/config (Fedora Atomic, Arch) */
	VP_IN_MODULES_LIB,      /* lib/modules/$KVER/modules.* (libkmod's indexes) */
	VP_IN_MODULES_USR,
	VP_IN_MODPROBE_ETC,
	VP_IN_MODPROBE_LIB,
	VP_IN_VIRSH,
	VP_IN_LIBVIRTD,
	VP_IN_VIRTQEMUD,
	/* read by vp_platform_detect() (distro.c) for the fixes that check prints */
	VP_IN_TOOL_RPM_OSTREE,
	VP_IN_TOOL_KERNELSTUB,
	VP_IN_TOOL_GRUBBY,
	VP_IN_TOOL_MKINITCPIO,
	VP_IN_TOOL_DRACUT,
	VP_IN_TOOL_UPDATE_INITRAMFS,
	VP_IN_KERNELSTUB_CONFIG,
	VP_IN_BLS_ENTRIES,
	VP_IN_LOADER_CONF_BOOT_EFI,
	VP_IN_LOADER_CONF_EFI,
	VP_IN_LOADER_CONF_BOOT,
	VP_IN_DEFAULT_GRUB,
	/* boot configuration read by bootcfg.c, grubdefault.c and distro.c's boot loader evidence */
	VP_IN_DEFAULT_GRUB_D,       /* etc/default/grub.d/NAME.cfg */
	VP_IN_BLS_ENTRIES_BOOT_EFI, /* boot/efi/loader/entries/NAME.conf */
	VP_IN_BLS_ENTRIES_EFI,      /* efi/loader/entries/NAME.conf */
	VP_IN_GRUBENV2,
	VP_IN_GRUBENV,
	VP_IN_KERNEL_CMDLINE,       /* etc/kernel/cmdline */
	VP_IN_KERNEL_CMDLINE_USR,   /* usr/lib/kernel/cmdline */
	VP_IN_GRUB_CFG,             /* boot/grub/grub.cfg (exists: GRUB is installed) */
	VP_IN_GRUB2_CFG,
	VP_IN_EFI_LOADER_INFO,      /* systemd-boot's LoaderInfo EFI variable */
	VP_IN_SDBOOT_EFI_BOOT_EFI,  /* boot/efi/EFI/systemd/systemd-boot*.efi */
	VP_IN_SDBOOT_EFI_EFI,
	VP_IN_SDBOOT_EFI_BOOT,
	VP_IN_TOOL_SDBOOTUTIL,
	VP_IN_VENDOR_RESET_MODULE, /* sys/module/vendor_reset */
	/* read by hostneeds.c: what the host itself needs ("$BLOCK": each entry of sys/class/block,
	 * "$NETDEV": each entry of sys/class/net) */
	VP_IN_MOUNTINFO,        /* proc/self/mountinfo */
	VP_IN_MOUNTS,           /* proc/mounts, when mountinfo is missing */
	VP_IN_SWAPS,
	VP_IN_ROUTE,            /* proc/net/route: IPv4 default routes */
	VP_IN_IPV6_ROUTE,
	VP_IN_DEV_BLOCK,        /* sys/dev/block: MAJ:MIN links to the block devices */
	VP_IN_CLASS_BLOCK,      /* sys/class/block: name links to the block devices' real paths */
	VP_IN_BLOCK_SLAVES,     /* sys/class/block/$BLOCK/slaves (dm, md) */
	VP_IN_BLOCK_MULTIPATH,  /* sys/class/block/$BLOCK/multipath (NVMe multipath heads) */
	VP_IN_BLOCK_DM_NAME,    /* sys/class/block/$BLOCK/dm/name */
	VP_IN_BLOCK_LOOP,       /* sys/class/block/$BLOCK/loop/backing_file */
	VP_IN_NVME_SUBSYS,      /* sys/class/nvme-subsystem/ *: the controllers of multipath heads */
	VP_IN_CLASS_NET,        /* sys/class/net: interface links to their real paths */
	VP_IN_NET_LOWER,        /* sys/class/net/$NETDEV/lower_*: the devices below a bond, VLAN or bridge */
	VP_IN_NET_BRIF,         /* sys/class/net/$NETDEV/brif: a bridge's ports */
	_VP_IN_MAX,
};
extern const struct vp_input vp_host_inputs[_VP_IN_MAX];

/* Entries of each PCI device directory (sys/bus/pci/devices/ADDR/...). */
enum vp_pci_attr_id {
	VP_PA_UEVENT,           /* DRIVER, PCI_CLASS, PCI_ID, PCI_SUBSYS_ID in one read */
	VP_PA_VENDOR,           /* the single attributes: used when uevent is missing or garbled */
	VP_PA_DEVICE,
	VP_PA_SUBSYSTEM_VENDOR,
	VP_PA_SUBSYSTEM_DEVICE,
	VP_PA_CLASS,
	VP_PA_REVISION,
	VP_PA_DRIVER_OVERRIDE,
	VP_PA_BOOT_VGA,
	VP_PA_RESET_METHOD,
	VP_PA_SRIOV_TOTALVFS,
	VP_PA_SRIOV_NUMVFS,
	VP_PA_DRIVER,
	VP_PA_IOMMU_GROUP,
	VP_PA_PHYSFN,
	VP_PA_MDEV_TYPES,
	VP_PA_D3COLD_ALLOWED,
	VP_PA_POWER_STATE,
	VP_PA_CONFIG,           /* binary; read for display cards' functions only (reset.c) */
	_VP_PA_MAX,
};
extern const struct vp_input vp_pci_dev_attrs[_VP_PA_MAX];

/* Directories that "$BIN" stands for, NULL-terminated. */
extern const char *const vp_bin_dirs[];

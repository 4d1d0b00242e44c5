/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which distribution family, boot loader tool and initramfs generator a host
 * uses, detected from os-release and the tools present in the root (see
 * kernel-facts.md §5 for the order). Plans and check fixes both use it.
 *
 * The boot loader is decided from evidence of what actually boots, not from
 * configuration files a removed loader may have left behind: the LoaderInfo
 * EFI variable systemd-boot sets on every boot; systemd-boot's EFI binary or
 * loader.conf with entries on the ESP; an installed grub.cfg. Only when
 * there is no such evidence does /etc/default/grub (or loader.conf alone)
 * decide, as before.
 */
#pragma once

#include "host.h"

enum vp_distro {
	VP_DISTRO_UNKNOWN,
	VP_DISTRO_FEDORA,
	VP_DISTRO_FEDORA_ATOMIC,
	VP_DISTRO_RHEL,     /* RHEL, CentOS Stream, Rocky, Alma */
	VP_DISTRO_DEBIAN,
	VP_DISTRO_UBUNTU,
	VP_DISTRO_POPOS,
	VP_DISTRO_ARCH,
	VP_DISTRO_OPENSUSE,
	VP_DISTRO_NIXOS,    /* refused: the boot configuration is generated from configuration.nix */
	_VP_DISTRO_MAX,
};

enum vp_bootloader {
	VP_BOOT_UNKNOWN,
	VP_BOOT_RPM_OSTREE,
	VP_BOOT_KERNELSTUB,
	VP_BOOT_GRUBBY,
	VP_BOOT_SYSTEMD_BOOT,
	VP_BOOT_GRUB,
	_VP_BOOT_MAX,
};

enum vp_initramfs {
	VP_INITRAMFS_UNKNOWN,
	VP_INITRAMFS_DRACUT,
	VP_INITRAMFS_MKINITCPIO,
	VP_INITRAMFS_TOOLS,  /* initramfs-tools */
	VP_INITRAMFS_RPM_OSTREE,
	_VP_INITRAMFS_MAX,
};

struct vp_platform {
	enum vp_distro distro;
	enum vp_bootloader bootloader;
	enum vp_initramfs initramfs;
};

void vp_platform_detect(struct vp_root *root, const struct vp_host *h, struct vp_platform *ret);

const char *vp_distro_to_string(enum vp_distro d);       /* "fedora", "debian", ... */
const char *vp_bootloader_to_string(enum vp_bootloader b); /* "grubby", "grub", "systemd-boot", ... */
enum vp_bootloader vp_bootloader_from_string(const char *s); /* _VP_BOOT_MAX when unknown */
const char *vp_initramfs_to_string(enum vp_initramfs i);  /* "dracut", "mkinitcpio", "initramfs-tools", ... */
enum vp_initramfs vp_initramfs_from_string(const char *s);

/* The one-line command (or instruction) that adds or removes a kernel argument on this
 * platform, e.g. `sudo grubby --update-kernel=ALL --args="intel_iommu=on"`. Newly allocated. */
char *vp_platform_karg_fix(const struct vp_platform *p, bool add, const char *arg);
/* The command that installs libvirt and QEMU/KVM on this distribution. Static string. */
const char *vp_platform_libvirt_install(const struct vp_platform *p);

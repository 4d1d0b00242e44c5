/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Distribution, boot loader and initramfs detection (see distro.h). */
#include "distro.h"

#include <string.h>
#include <strings.h>

#include "bootcfg.h"
#include "util.h"

static bool word_in(const char *list, const char *w)
{
	if (!list)
		return false;
	_cleanup_strv_free_ char **v = NULL;
	if (vp_strv_split(list, " ", &v) < 0)
		return false;
	return vp_strv_contains(v, w);
}

static enum vp_distro detect_distro(const struct vp_host *h)
{
	const char *id = h->os.id;
	if (!id)
		return VP_DISTRO_UNKNOWN;
	if (streq(id, "fedora"))
		return h->ostree_booted || (h->os.variant_id && (streq(h->os.variant_id, "silverblue") ||
				streq(h->os.variant_id, "kinoite") || strstr(h->os.variant_id, "atomic")))
			       ? VP_DISTRO_FEDORA_ATOMIC : VP_DISTRO_FEDORA;
	if (streq(id, "rhel") || streq(id, "centos") || streq(id, "rocky") || streq(id, "almalinux"))
		return VP_DISTRO_RHEL;
	if (streq(id, "pop"))
		return VP_DISTRO_POPOS;
	if (streq(id, "ubuntu"))
		return VP_DISTRO_UBUNTU;
	if (streq(id, "debian"))
		return VP_DISTRO_DEBIAN;
	if (streq(id, "arch") || streq(id, "endeavouros") || streq(id, "manjaro") || word_in(h->os.id_like, "arch"))
		return VP_DISTRO_ARCH;
	if (streq(id, "nixos"))
		return VP_DISTRO_NIXOS;
	if (vp_startswith(id, "opensuse") || word_in(h->os.id_like, "suse"))
		return VP_DISTRO_OPENSUSE;
	if (word_in(h->os.id_like, "fedora"))
		return VP_DISTRO_FEDORA;
	if (word_in(h->os.id_like, "rhel"))
		return VP_DISTRO_RHEL;
	if (word_in(h->os.id_like, "ubuntu"))
		return VP_DISTRO_UBUNTU;
	if (word_in(h->os.id_like, "debian"))
		return VP_DISTRO_DEBIAN;
	return VP_DISTRO_UNKNOWN;
}

/* Every path read here is a row of host.c's input table, so `snapshot` captures it. */
#define IN(id) (vp_host_inputs[id].path)

static bool has(struct vp_root *root, const char *rel)
{
	return vp_root_exists(root, rel) > 0;
}

/* The tool of a "$BIN/name" input of host.c's table, looked up in each of vp_bin_dirs. */
static bool has_tool(struct vp_root *root, enum vp_host_input_id id)
{
	const char *name = strchr(vp_host_inputs[id].path, '/') + 1;
	for (size_t i = 0; vp_bin_dirs[i]; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "%s/%s", vp_bin_dirs[i], name);
		if (has(root, rel))
			return true;
	}
	return false;
}

/* BLS entries (*.conf) in one of bootcfg.c's directories; dir NULL: any. */
static bool has_bls_entries(struct vp_root *root, const char *dir)
{
	for (size_t d = 0; vp_bls_dirs[d]; d++) {
		_cleanup_strv_free_ char **v = NULL;
		if ((dir && !streq(dir, vp_bls_dirs[d])) || vp_root_list(root, vp_bls_dirs[d], &v) < 0)
			continue;
		for (size_t i = 0; v[i]; i++) {
			size_t n = strlen(v[i]);
			if (n > 5 && streq(v[i] + n - 5, ".conf"))
				return true;
		}
	}
	return false;
}

/* The ESP (or XBOOTLDR) directories systemd-boot may live in. */
static const char *const esp_dirs[] = { "boot/efi", "efi", "boot", NULL };

/* A file name under DIR matching a prefix and suffix (case-insensitive, as FAT is). */
static bool dir_has(struct vp_root *root, const char *dir, const char *prefix, const char *suffix)
{
	_cleanup_strv_free_ char **v = NULL;
	if (vp_root_list(root, dir, &v) < 0)
		return false;
	for (size_t i = 0; v[i]; i++) {
		size_t n = strlen(v[i]), pl = strlen(prefix), sl = strlen(suffix);
		if (n >= pl + sl && strncasecmp(v[i], prefix, pl) == 0 && strcasecmp(v[i] + n - sl, suffix) == 0)
			return true;
	}
	return false;
}

enum evidence { EV_NONE, EV_SDBOOT, EV_GRUB };

/* What actually boots this host, from the firmware's and the ESP's evidence (distro.h). */
static enum evidence boot_evidence(struct vp_root *root)
{
	/* systemd-boot sets LoaderInfo ("systemd-boot 255.4") on every boot; GRUB sets none */
	_cleanup_free_ char *raw = NULL;
	size_t len = 0;
	if (vp_root_read_file(root, IN(VP_IN_EFI_LOADER_INFO), 4096, &raw, &len) >= 0) {
		/* 4 attribute bytes, then UTF-16LE: keep the low bytes */
		char ascii[128];
		size_t k = 0;
		for (size_t j = 4; j < len && k + 1 < sizeof(ascii); j += 2)
			ascii[k++] = raw[j] ? raw[j] : ' ';
		ascii[k] = 0;
		if (strstr(ascii, "systemd-boot"))
			return EV_SDBOOT;
		if (strstr(ascii, "GRUB"))
			return EV_GRUB;
	}
	bool sd_bin = false, sd_conf = false, grub_cfg = false;
	for (size_t i = 0; esp_dirs[i]; i++) {
		_cleanup_free_ char *efi = vp_strdup_printf("%s/EFI/systemd", esp_dirs[i]);
		_cleanup_free_ char *lc = vp_strdup_printf("%s/loader/loader.conf", esp_dirs[i]);
		_cleanup_free_ char *ent = vp_strdup_printf("%s/loader/entries", esp_dirs[i]);
		if (efi && dir_has(root, efi, "systemd-boot", ".efi"))
			sd_bin = true;
		if (lc && has(root, lc) && ent && has_bls_entries(root, ent))
			sd_conf = true;
	}
	for (size_t i = 0; vp_grub_cfg_paths[i]; i++)
		if (has(root, vp_grub_cfg_paths[i]))
			grub_cfg = true;
	if (sd_bin && !grub_cfg)
		return EV_SDBOOT;
	if (grub_cfg && !sd_bin && !sd_conf)
		return EV_GRUB;
	if (sd_conf && !grub_cfg)
		return EV_SDBOOT;
	if (sd_bin && grub_cfg) /* both installed: the systemd-boot binary with its entries is what the ESP boots */
		return sd_conf ? EV_SDBOOT : EV_NONE;
	return EV_NONE;
}

void vp_platform_detect(struct vp_root *root, const struct vp_host *h, struct vp_platform *ret)
{
	*ret = (struct vp_platform){ .distro = detect_distro(h) };

	enum evidence ev = EV_NONE;
	if (h->ostree_booted && has_tool(root, VP_IN_TOOL_RPM_OSTREE))
		ret->bootloader = VP_BOOT_RPM_OSTREE;
	else if (has_tool(root, VP_IN_TOOL_KERNELSTUB) && has(root, IN(VP_IN_KERNELSTUB_CONFIG)))
		ret->bootloader = VP_BOOT_KERNELSTUB;
	else if ((ev = boot_evidence(root)) == EV_SDBOOT)
		ret->bootloader = VP_BOOT_SYSTEMD_BOOT;
	else if (ev == EV_GRUB)
		ret->bootloader = has_tool(root, VP_IN_TOOL_GRUBBY) && has_bls_entries(root, NULL) ? VP_BOOT_GRUBBY : VP_BOOT_GRUB;
	/* no evidence of what boots: the configuration files decide, as they always did */
	else if (has_tool(root, VP_IN_TOOL_GRUBBY) && has_bls_entries(root, vp_bls_dirs[0]))
		ret->bootloader = VP_BOOT_GRUBBY;
	else if ((has(root, IN(VP_IN_LOADER_CONF_BOOT_EFI)) || has(root, IN(VP_IN_LOADER_CONF_EFI)) ||
		  has(root, IN(VP_IN_LOADER_CONF_BOOT))) && !has(root, IN(VP_IN_DEFAULT_GRUB)))
		ret->bootloader = VP_BOOT_SYSTEMD_BOOT;
	else if (has(root, IN(VP_IN_DEFAULT_GRUB)))
		ret->bootloader = VP_BOOT_GRUB;

	if (ret->bootloader == VP_BOOT_RPM_OSTREE)
		ret->initramfs = VP_INITRAMFS_RPM_OSTREE;
	else if (has_tool(root, VP_IN_TOOL_MKINITCPIO))
		ret->initramfs = VP_INITRAMFS_MKINITCPIO;
	else if (has_tool(root, VP_IN_TOOL_DRACUT))
		ret->initramfs = VP_INITRAMFS_DRACUT;
	else if (has_tool(root, VP_IN_TOOL_UPDATE_INITRAMFS))
		ret->initramfs = VP_INITRAMFS_TOOLS;
}

static const char *const distro_names[_VP_DISTRO_MAX] = {
	[VP_DISTRO_UNKNOWN] = "unknown", [VP_DISTRO_FEDORA] = "fedora", [VP_DISTRO_FEDORA_ATOMIC] = "fedora-atomic",
	[VP_DISTRO_RHEL] = "rhel", [VP_DISTRO_DEBIAN] = "debian", [VP_DISTRO_UBUNTU] = "ubuntu",
	[VP_DISTRO_POPOS] = "pop", [VP_DISTRO_ARCH] = "arch", [VP_DISTRO_OPENSUSE] = "opensuse",
	[VP_DISTRO_NIXOS] = "nixos",
};
static const char *const boot_names[_VP_BOOT_MAX] = {
	[VP_BOOT_UNKNOWN] = "unknown", [VP_BOOT_RPM_OSTREE] = "rpm-ostree", [VP_BOOT_KERNELSTUB] = "kernelstub",
	[VP_BOOT_GRUBBY] = "grubby", [VP_BOOT_SYSTEMD_BOOT] = "systemd-boot", [VP_BOOT_GRUB] = "grub",
};
static const char *const initramfs_names[_VP_INITRAMFS_MAX] = {
	[VP_INITRAMFS_UNKNOWN] = "unknown", [VP_INITRAMFS_DRACUT] = "dracut", [VP_INITRAMFS_MKINITCPIO] = "mkinitcpio",
	[VP_INITRAMFS_TOOLS] = "initramfs-tools", [VP_INITRAMFS_RPM_OSTREE] = "rpm-ostree",
};

const char *vp_distro_to_string(enum vp_distro d)
{
	return d < _VP_DISTRO_MAX ? distro_names[d] : "unknown";
}

const char *vp_bootloader_to_string(enum vp_bootloader b)
{
	return b < _VP_BOOT_MAX ? boot_names[b] : "unknown";
}

enum vp_bootloader vp_bootloader_from_string(const char *s)
{
	for (int i = 1; i < _VP_BOOT_MAX; i++)
		if (streq(s, boot_names[i]))
			return (enum vp_bootloader)i;
	return _VP_BOOT_MAX;
}

const char *vp_initramfs_to_string(enum vp_initramfs i)
{
	return i < _VP_INITRAMFS_MAX ? initramfs_names[i] : "unknown";
}

enum vp_initramfs vp_initramfs_from_string(const char *s)
{
	for (int i = 1; i < _VP_INITRAMFS_MAX; i++)
		if (streq(s, initramfs_names[i]))
			return (enum vp_initramfs)i;
	return _VP_INITRAMFS_MAX;
}

char *vp_platform_karg_fix(const struct vp_platform *p, bool add, const char *arg)
{
	switch (p->bootloader) {
	case VP_BOOT_GRUBBY:
		return vp_strdup_printf("sudo grubby --update-kernel=ALL --%s=\"%s\"", add ? "args" : "remove-args", arg);
	case VP_BOOT_RPM_OSTREE:
		return vp_strdup_printf("sudo rpm-ostree kargs --%s=%s", add ? "append-if-missing" : "delete-if-present", arg);
	case VP_BOOT_KERNELSTUB:
		return vp_strdup_printf("sudo kernelstub %s \"%s\"", add ? "-a" : "-d", arg);
	case VP_BOOT_SYSTEMD_BOOT:
		return vp_strdup_printf("%s %s %s /etc/kernel/cmdline and the options line of each entry in loader/entries/, then reboot",
					add ? "add" : "remove", arg, add ? "to" : "from");
	case VP_BOOT_GRUB: {
		const char *regen = p->distro == VP_DISTRO_DEBIAN || p->distro == VP_DISTRO_UBUNTU ? "sudo update-grub"
				    : p->distro == VP_DISTRO_OPENSUSE ? "sudo grub2-mkconfig -o /boot/grub2/grub.cfg"
				    : "sudo grub-mkconfig -o /boot/grub/grub.cfg";
		return vp_strdup_printf("%s %s %s GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then run: %s", add ? "add" : "remove",
					arg, add ? "to" : "from", regen);
	}
	default:
		return vp_strdup_printf("%s %s %s the kernel command line in your boot loader's configuration", add ? "add" : "remove",
					arg, add ? "to" : "from");
	}
}

const char *vp_platform_libvirt_install(const struct vp_platform *p)
{
	switch (p->distro) {
	case VP_DISTRO_FEDORA:
		return "sudo dnf install @virtualization && sudo systemctl enable --now libvirtd";
	case VP_DISTRO_FEDORA_ATOMIC:
		return "sudo rpm-ostree install libvirt-daemon-kvm qemu-kvm virt-manager, then reboot";
	case VP_DISTRO_RHEL:
		return "sudo dnf install qemu-kvm libvirt virt-install && sudo systemctl enable --now libvirtd";
	case VP_DISTRO_DEBIAN:
	case VP_DISTRO_UBUNTU:
	case VP_DISTRO_POPOS:
		return "sudo apt install qemu-system-x86 libvirt-daemon-system libvirt-clients virt-manager";
	case VP_DISTRO_ARCH:
		return "sudo pacman -S qemu-full libvirt virt-manager && sudo systemctl enable --now libvirtd";
	case VP_DISTRO_OPENSUSE:
		return "sudo zypper install -t pattern kvm_server kvm_tools";
	default:
		return "install QEMU/KVM and libvirt (libvirt-daemon and virsh) with your package manager";
	}
}

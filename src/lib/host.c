/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Builds the host model (host.h) from the root: PCI devices, IOMMU groups and
 * units, cards, /proc facts, os-release and module state. Uses root.c for all
 * I/O, names.c for pci.ids and modules.c for libkmod; never prints.
 */
#include "host.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hostneeds.h"
#include "modules.h"
#include "names.h"
#include "parallel.h"
#include "util.h"

const struct vp_input vp_host_inputs[_VP_IN_MAX] = {
	[VP_IN_OSRELEASE] = { "proc/sys/kernel/osrelease", VP_INPUT_FILE },
	[VP_IN_CMDLINE] = { "proc/cmdline", VP_INPUT_FILE },
	[VP_IN_CPUINFO] = { "proc/cpuinfo", VP_INPUT_FILE },
	[VP_IN_INTERRUPTS] = { "proc/interrupts", VP_INPUT_FILE },
	[VP_IN_OS_RELEASE] = { "etc/os-release", VP_INPUT_FILE },
	[VP_IN_OS_RELEASE_USR] = { "usr/lib/os-release", VP_INPUT_FILE },
	[VP_IN_KVM] = { "dev/kvm", VP_INPUT_EXISTS },
	[VP_IN_OSTREE_BOOTED] = { "run/ostree-booted", VP_INPUT_EXISTS },
	[VP_IN_ACPI_TABLES] = { "sys/firmware/acpi/tables", VP_INPUT_EXISTS },
	[VP_IN_ACPI_DMAR] = { "sys/firmware/acpi/tables/DMAR", VP_INPUT_EXISTS },
	[VP_IN_ACPI_IVRS] = { "sys/firmware/acpi/tables/IVRS", VP_INPUT_EXISTS },
	[VP_IN_IOMMU_UNITS] = { "sys/class/iommu", VP_INPUT_LIST },
	[VP_IN_GROUPS] = { "sys/kernel/iommu_groups", VP_INPUT_LIST },
	[VP_IN_GROUP_TYPE] = { "sys/kernel/iommu_groups/$GROUP/type", VP_INPUT_FILE },
	[VP_IN_PCI_DEVICES] = { "sys/bus/pci/devices", VP_INPUT_LIST },
	[VP_IN_VFIO_PCI_MODULE] = { "sys/module/vfio_pci", VP_INPUT_EXISTS },
	[VP_IN_VFIO_PCI_INITSTATE] = { "sys/module/vfio_pci/initstate", VP_INPUT_FILE },
	[VP_IN_UNSAFE_INTERRUPTS] = { "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", VP_INPUT_FILE },
	[VP_IN_KCONFIG_BOOT] = { "boot/config-$KVER", VP_INPUT_FILE },
	[VP_IN_KCONFIG_USR] = { "usr/lib/modules/$KVER/config", VP_INPUT_FILE },
	[VP_IN_MODULES_LIB] = { "lib/modules/$KVER/modules.*", VP_INPUT_FILE },
	[VP_IN_MODULES_USR] = { "usr/lib/modules/$KVER/modules.*", VP_INPUT_FILE },
	[VP_IN_MODPROBE_ETC] = { "etc/modprobe.d/*.conf", VP_INPUT_FILE },
	[VP_IN_MODPROBE_LIB] = { "lib/modprobe.d/*.conf", VP_INPUT_FILE },
	[VP_IN_VIRSH] = { "usr/bin/virsh", VP_INPUT_EXISTS },
	[VP_IN_LIBVIRTD] = { "usr/sbin/libvirtd", VP_INPUT_EXISTS },
	[VP_IN_VIRTQEMUD] = { "usr/sbin/virtqemud", VP_INPUT_EXISTS },
	[VP_IN_TOOL_RPM_OSTREE] = { "$BIN/rpm-ostree", VP_INPUT_EXISTS },
	[VP_IN_TOOL_KERNELSTUB] = { "$BIN/kernelstub", VP_INPUT_EXISTS },
	[VP_IN_TOOL_GRUBBY] = { "$BIN/grubby", VP_INPUT_EXISTS },
	[VP_IN_TOOL_MKINITCPIO] = { "$BIN/mkinitcpio", VP_INPUT_EXISTS },
	[VP_IN_TOOL_DRACUT] = { "$BIN/dracut", VP_INPUT_EXISTS },
	[VP_IN_TOOL_UPDATE_INITRAMFS] = { "$BIN/update-initramfs", VP_INPUT_EXISTS },
	[VP_IN_KERNELSTUB_CONFIG] = { "etc/kernelstub/configuration", VP_INPUT_FILE },
	[VP_IN_BLS_ENTRIES] = { "boot/loader/entries/*.conf", VP_INPUT_FILE },
	[VP_IN_LOADER_CONF_BOOT_EFI] = { "boot/efi/loader/loader.conf", VP_INPUT_FILE },
	[VP_IN_LOADER_CONF_EFI] = { "efi/loader/loader.conf", VP_INPUT_FILE },
	[VP_IN_LOADER_CONF_BOOT] = { "boot/loader/loader.conf", VP_INPUT_FILE },
	[VP_IN_DEFAULT_GRUB] = { "etc/default/grub", VP_INPUT_FILE },
	[VP_IN_DEFAULT_GRUB_D] = { "etc/default/grub.d/*.cfg", VP_INPUT_FILE },
	[VP_IN_BLS_ENTRIES_BOOT_EFI] = { "boot/efi/loader/entries/*.conf", VP_INPUT_FILE },
	[VP_IN_BLS_ENTRIES_EFI] = { "efi/loader/entries/*.conf", VP_INPUT_FILE },
	[VP_IN_GRUBENV2] = { "boot/grub2/grubenv", VP_INPUT_FILE },
	[VP_IN_GRUBENV] = { "boot/grub/grubenv", VP_INPUT_FILE },
	[VP_IN_KERNEL_CMDLINE] = { "etc/kernel/cmdline", VP_INPUT_FILE },
	[VP_IN_KERNEL_CMDLINE_USR] = { "usr/lib/kernel/cmdline", VP_INPUT_FILE },
	[VP_IN_GRUB_CFG] = { "boot/grub/grub.cfg", VP_INPUT_EXISTS },
	[VP_IN_GRUB2_CFG] = { "boot/grub2/grub.cfg", VP_INPUT_EXISTS },
	[VP_IN_EFI_LOADER_INFO] = { "sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", VP_INPUT_FILE },
	[VP_IN_SDBOOT_EFI_BOOT_EFI] = { "boot/efi/EFI/systemd/systemd-boot*.efi", VP_INPUT_EXISTS },
	[VP_IN_SDBOOT_EFI_EFI] = { "efi/EFI/systemd/systemd-boot*.efi", VP_INPUT_EXISTS },
	[VP_IN_SDBOOT_EFI_BOOT] = { "boot/EFI/systemd/systemd-boot*.efi", VP_INPUT_EXISTS },
	[VP_IN_TOOL_SDBOOTUTIL] = { "$BIN/sdbootutil", VP_INPUT_EXISTS },
	[VP_IN_VENDOR_RESET_MODULE] = { "sys/module/vendor_reset", VP_INPUT_EXISTS },
	[VP_IN_MOUNTINFO] = { "proc/self/mountinfo", VP_INPUT_FILE },
	[VP_IN_MOUNTS] = { "proc/mounts", VP_INPUT_FILE },
	[VP_IN_SWAPS] = { "proc/swaps", VP_INPUT_FILE },
	[VP_IN_ROUTE] = { "proc/net/route", VP_INPUT_FILE },
	[VP_IN_IPV6_ROUTE] = { "proc/net/ipv6_route", VP_INPUT_FILE },
	[VP_IN_DEV_BLOCK] = { "sys/dev/block", VP_INPUT_LIST },
	[VP_IN_CLASS_BLOCK] = { "sys/class/block", VP_INPUT_LIST },
	[VP_IN_BLOCK_SLAVES] = { "sys/class/block/$BLOCK/slaves", VP_INPUT_LIST },
	[VP_IN_BLOCK_MULTIPATH] = { "sys/class/block/$BLOCK/multipath", VP_INPUT_LIST },
	[VP_IN_BLOCK_DM_NAME] = { "sys/class/block/$BLOCK/dm/name", VP_INPUT_FILE },
	[VP_IN_BLOCK_LOOP] = { "sys/class/block/$BLOCK/loop/backing_file", VP_INPUT_FILE },
	[VP_IN_NVME_SUBSYS] = { "sys/class/nvme-subsystem/*", VP_INPUT_LIST },
	[VP_IN_CLASS_NET] = { "sys/class/net", VP_INPUT_LIST },
	[VP_IN_NET_LOWER] = { "sys/class/net/$NETDEV/lower_*", VP_INPUT_LINK },
	[VP_IN_NET_BRIF] = { "sys/class/net/$NETDEV/brif", VP_INPUT_LIST },
};

const struct vp_input vp_pci_dev_attrs[_VP_PA_MAX] = {
	[VP_PA_UEVENT] = { "uevent", VP_INPUT_FILE },
	[VP_PA_VENDOR] = { "vendor", VP_INPUT_FILE },
	[VP_PA_DEVICE] = { "device", VP_INPUT_FILE },
	[VP_PA_SUBSYSTEM_VENDOR] = { "subsystem_vendor", VP_INPUT_FILE },
	[VP_PA_SUBSYSTEM_DEVICE] = { "subsystem_device", VP_INPUT_FILE },
	[VP_PA_CLASS] = { "class", VP_INPUT_FILE },
	[VP_PA_REVISION] = { "revision", VP_INPUT_FILE },
	[VP_PA_DRIVER_OVERRIDE] = { "driver_override", VP_INPUT_FILE },
	[VP_PA_BOOT_VGA] = { "boot_vga", VP_INPUT_FILE },
	[VP_PA_RESET_METHOD] = { "reset_method", VP_INPUT_FILE },
	[VP_PA_SRIOV_TOTALVFS] = { "sriov_totalvfs", VP_INPUT_FILE },
	[VP_PA_SRIOV_NUMVFS] = { "sriov_numvfs", VP_INPUT_FILE },
	[VP_PA_DRIVER] = { "driver", VP_INPUT_LINK },
	[VP_PA_IOMMU_GROUP] = { "iommu_group", VP_INPUT_LINK },
	[VP_PA_PHYSFN] = { "physfn", VP_INPUT_LINK },
	[VP_PA_MDEV_TYPES] = { "mdev_supported_types", VP_INPUT_TREE },
	[VP_PA_D3COLD_ALLOWED] = { "d3cold_allowed", VP_INPUT_FILE },
	[VP_PA_POWER_STATE] = { "power_state", VP_INPUT_FILE },
	[VP_PA_CONFIG] = { "config", VP_INPUT_FILE },
};

const char *const vp_bin_dirs[] = { "usr/sbin", "usr/bin", "sbin", "bin", NULL };

#define IN(id) (vp_host_inputs[id].path)
#define PA(id) (vp_pci_dev_attrs[id].path)

/* An input path with "$KVER" replaced; NULL when the kernel release is unknown or unsafe. */
static char *input_kver(const struct vp_host *h, enum vp_host_input_id id)
{
	const char *p = IN(id), *k = strstr(p, "$KVER");
	if (!k)
		return strdup(p);
	if (!h->kernel_release || strchr(h->kernel_release, '/') || streq(h->kernel_release, "..") ||
	    streq(h->kernel_release, "."))
		return NULL;
	return vp_strdup_printf("%.*s%s%s", (int)(k - p), p, h->kernel_release, k + 5);
}

/* Notes go to a list: the host's, or one device's or group's while threads load them (merged in order later). */
static int note_to(char ***notes, const char *rel, const char *why)
{
	return vp_strv_push_take(notes, vp_strdup_printf("/%s: %s", rel, why));
}

static int note(struct vp_host *h, const char *rel, const char *why)
{
	return note_to(&h->notes, rel, why);
}

static const char *errno_word(int e)
{
	switch (e) {
	case -EFBIG: return "file too large, treated as unknown";
	case -ELOOP: return "symlink loop or symlink where a file was expected, treated as unknown";
	case -EINVAL: return "invalid content, treated as unknown";
	case -ERANGE: return "value out of range, treated as unknown";
	case -EISDIR: return "a directory where a file was expected, treated as unknown";
	case -ENODATA: return "empty, treated as unknown";
	case -EBADFD: return "not a regular file, treated as unknown";
	case -EACCES: case -EPERM: return "permission denied, treated as unknown";
	case -ENOTDIR: return "not a directory, treated as unknown";
	case -ENAMETOOLONG: return "name too long, treated as unknown";
	default: return "unreadable, treated as unknown";
	}
}

/* Text we pass on (to JSON, to the terminal) must be UTF-8 without control characters. */
static bool text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n')
				return false;
			if (*p == 0x7f)
				return false;
			p++;
			continue;
		}
		int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (*p == 0xc0 || *p == 0xc1))
			return false;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static char *read_str_opt_to(char ***notes, struct vp_root *root, const char *rel)
{
	char *s = NULL;
	int e = vp_root_read_str(root, rel, &s);
	if (e == 0 && !text_ok(s)) {
		free(s);
		e = -EINVAL;
	}
	if (e < 0 && e != -ENOENT && e != -ENOTDIR)
		note_to(notes, rel, errno_word(e));
	return e < 0 ? NULL : s;
}

static char *read_str_opt(struct vp_host *h, struct vp_root *root, const char *rel)
{
	return read_str_opt_to(&h->notes, root, rel);
}

static int parse_group_id(const char *s)
{
	uint64_t v;
	if (vp_parse_uint(s, 0x7fffffff, &v) < 0)
		return -1;
	return (int)v;
}

/*
 * Descriptors of a batch of devices, closed together by fdbatch_close(): each run of consecutive
 * numbers in one close_range() (each thread has its own descriptor table, vp_parallel_for, so a
 * batch's descriptors are mostly one run). Closing per batch instead of per device spares four or
 * five close() calls per device. A device adds at most 14 (its parent's, its own, 12 attributes),
 * so a batch never fills the array (fdbatch_add() closes the batch if it ever did).
 */
#define DEVS_PER_BATCH 16

struct fdbatch {
	int fds[DEVS_PER_BATCH * (_VP_PA_MAX + 1) + DEVS_PER_BATCH];
	size_t n;
	/* The real path of the last parent directory opened and its descriptor (one of fds): the
	 * devices of a batch are neighbours, mostly functions behind one bridge. */
	char parent[PATH_MAX];
	int parent_fd;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

static void fdbatch_close(struct fdbatch *b)
{
	qsort(b->fds, b->n, sizeof(*b->fds), cmp_int);
	for (size_t i = 0, j; i < b->n; i = j) {
		for (j = i + 1; j < b->n && b->fds[j] == b->fds[j - 1] + 1; j++)
			;
		vp_fds_close(b->fds + i, j - i); /* a run of ours only: one close_range() */
	}
	b->n = 0;
	b->parent_fd = -1;
}

static void fdbatch_add(struct fdbatch *b, int fd)
{
	if (fd < 0)
		return;
	if (b->n == ARRAY_SIZE(b->fds)) /* not reached: DEVS_PER_BATCH * 14 < the array's size */
		fdbatch_close(b);
	b->fds[b->n++] = fd;
}

/* Context for reading the attributes of one device directory. */
struct devdir {
	char ***notes;    /* this device's notes */
	int fd;
	const char *rel;  /* "sys/bus/pci/devices/ADDR", for notes */
	struct fdbatch *batch; /* the directory's and its attributes' descriptors, closed with the batch */
};

/* Reads attribute id into buf; 0 when absent (silently), <0 after noting garbage, else the length.
 * Each attribute is read at most once per device: the loader asks for each id once. */
static int dev_attr(struct devdir *dd, enum vp_pci_attr_id id, char *buf, size_t size)
{
	int fd = -1;
	int n = vp_dir_read_attr_keep(dd->fd, PA(id), buf, size, &fd);
	fdbatch_add(dd->batch, fd);
	if (n == -ENOENT)
		return 0;
	if (n > 0 && !text_ok(buf))
		n = -EINVAL;
	if (n < 0) {
		char rel[400];
		snprintf(rel, sizeof(rel), "%s/%s", dd->rel, PA(id));
		note_to(dd->notes, rel, errno_word(n));
	}
	return n;
}

static int dev_hex(struct devdir *dd, enum vp_pci_attr_id id, uint64_t max)
{
	char buf[64];
	uint64_t v;
	int n = dev_attr(dd, id, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	if (vp_parse_hex(buf, max, &v) < 0) {
		char rel[400];
		snprintf(rel, sizeof(rel), "%s/%s", dd->rel, PA(id));
		note_to(dd->notes, rel, errno_word(-EINVAL));
		return -1;
	}
	return (int)v;
}

static int dev_uint(struct devdir *dd, enum vp_pci_attr_id id, uint64_t max)
{
	char buf[64];
	uint64_t v;
	int n = dev_attr(dd, id, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	if (vp_parse_uint(buf, max, &v) < 0) {
		char rel[400];
		snprintf(rel, sizeof(rel), "%s/%s", dd->rel, PA(id));
		note_to(dd->notes, rel, errno_word(-EINVAL));
		return -1;
	}
	return (int)v;
}

/* Basename of a link attribute: 0 absent, 1 found, <0 garbage (noted). */
static int dev_link_base(struct devdir *dd, enum vp_pci_attr_id id, char *out, size_t size)
{
	char t[PATH_MAX];
	int n = vp_dir_read_link(dd->fd, PA(id), t, sizeof(t));
	if (n == -ENOENT)
		return 0;
	char rel[400];
	snprintf(rel, sizeof(rel), "%s/%s", dd->rel, PA(id));
	if (n == -ENOLINK) {
		note_to(dd->notes, rel, "not a symlink, treated as unknown");
		return -EINVAL;
	}
	if (n < 0) {
		note_to(dd->notes, rel, errno_word(n));
		return n;
	}
	while (n > 1 && t[n - 1] == '/')
		t[--n] = 0;
	const char *b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if (!*b || streq(b, ".") || streq(b, "..") || strlen(b) >= size || !text_ok(b)) {
		note_to(dd->notes, rel, "invalid link target, treated as unknown");
		return -EINVAL;
	}
	snprintf(out, size, "%s", b);
	return 1;
}

/*
 * uevent holds what vendor, device, subsystem_*, class hold, written by the
 * kernel from the same struct pci_dev (pci_uevent() in drivers/pci/pci-driver.c):
 * PCI_CLASS=%04X (24 bits), PCI_ID=%04X:%04X, PCI_SUBSYS_ID=%04X:%04X, and the
 * bound driver's name as DRIVER= (dev_uevent() in drivers/base/core.c, from
 * the same dev->driver the driver link shows; no line: no driver). One read
 * instead of six. Returns true when all of them parsed; *ret_driver then points
 * into s, or is NULL.
 */
static bool parse_uevent(char *s, struct vp_pci_dev *d, const char **ret_driver)
{
	int got = 0;
	*ret_driver = NULL;
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint16_t a, b;
		if (vp_startswith(line, "DRIVER=")) {
			const char *v = line + 7;
			if (!*v || strchr(v, '/') || streq(v, ".") || streq(v, ".."))
				return false; /* a name no driver has: read the link instead */
			*ret_driver = v;
		} else if (vp_startswith(line, "PCI_CLASS=")) {
			uint64_t c;
			if (vp_parse_hex(line + 10, 0xffffff, &c) == 0) {
				d->class_code = (int)c;
				got |= 1;
			}
		} else if (vp_startswith(line, "PCI_ID=") && vp_pci_id_parse(line + 7, &a, &b) == 0) {
			d->vendor = a;
			d->device = b;
			got |= 2;
		} else if (vp_startswith(line, "PCI_SUBSYS_ID=") && vp_pci_id_parse(line + 14, &a, &b) == 0) {
			d->subsys_vendor = a;
			d->subsys_device = b;
			got |= 4;
		}
	}
	return got == 7;
}

static void load_mdev_types(char ***notes, struct vp_root *root, const char *dir, struct vp_pci_dev *d)
{
	char rel[512];
	_cleanup_strv_free_ char **types = NULL;
	snprintf(rel, sizeof(rel), "%s/%s", dir, PA(VP_PA_MDEV_TYPES));
	int e = vp_root_list(root, rel, &types);
	if (e < 0) {
		if (e != -ENOENT)
			note_to(notes, rel, errno_word(e));
		return;
	}
	if (!types[0])
		return;
	size_t n = vp_strv_len(types);
	d->mdev_types = calloc(n, sizeof(*d->mdev_types));
	if (!d->mdev_types)
		return;
	for (size_t i = 0; i < n; i++) {
		struct vp_mdev_type *t = &d->mdev_types[d->n_mdev_types++];
		char tdir[600], f[700];
		snprintf(tdir, sizeof(tdir), "%s/%s", rel, types[i]);
		t->id = strdup(types[i]);
		snprintf(f, sizeof(f), "%s/name", tdir);
		t->name = read_str_opt_to(notes, root, f);
		snprintf(f, sizeof(f), "%s/description", tdir);
		t->description = read_str_opt_to(notes, root, f);
		snprintf(f, sizeof(f), "%s/device_api", tdir);
		t->device_api = read_str_opt_to(notes, root, f);
		snprintf(f, sizeof(f), "%s/available_instances", tdir);
		_cleanup_free_ char *avail = read_str_opt_to(notes, root, f);
		uint64_t v;
		t->available_instances = avail && vp_parse_uint(avail, 0x7fffffff, &v) == 0 ? (int)v : -1;
	}
}

/* Parent bridge: the path component before the device in the devices/ link target. */
static char *parent_of(const char *target)
{
	const char *last = strrchr(target, '/');
	if (!last)
		return NULL;
	const char *prev = last;
	while (prev > target && prev[-1] != '/')
		prev--;
	char comp[64];
	if ((size_t)(last - prev) >= sizeof(comp))
		return NULL;
	memcpy(comp, prev, (size_t)(last - prev));
	comp[last - prev] = 0;
	char addr[VP_PCI_ADDR_LEN];
	if (vp_pci_addr_parse(comp, addr) < 0 || !streq(addr, comp))
		return NULL;
	return strdup(addr);
}

/*
 * The real path of a device directory from its bus link's target, when the
 * target has the kernel's shape ("../../../devices/pci0000:00/.../ADDR": only
 * leading ".." components) and the bus directory's own path has no links, so
 * that dropping components for the ".." is what the kernel would do. Opening
 * that path with no links allowed walks 3 + depth components instead of
 * twice as many through the link; anything else takes the general path.
 */
static bool link_real_path(const char *target, char *out, size_t size)
{
	const char *bus = IN(VP_IN_PCI_DEVICES);
	size_t keep = strlen(bus);
	const char *t = target;
	while (vp_startswith(t, "../")) {
		const char *slash = memrchr(bus, '/', keep);
		if (!slash)
			return false; /* more ".." than the bus path has components */
		keep = (size_t)(slash - bus);
		t += 3;
	}
	if (t == target || !*t)
		return false;
	for (const char *c = t; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (*c == '/' || !*c || vp_startswith(c, "./") || vp_startswith(c, "../") || streq(c, ".") || streq(c, ".."))
			return false;
	return (size_t)snprintf(out, size, "%.*s/%s", (int)keep, bus, t) < size;
}

/* The device directory at real path real (no links on it) as an O_PATH descriptor, added to b:
 * opened in its parent's directory when that is the batch's last parent, else from the root. */
static int open_real_dir(struct vp_root *root, struct fdbatch *b, const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t plen = slash ? (size_t)(slash - real) : 0;
	if (slash && plen < sizeof(b->parent)) {
		if (b->parent_fd < 0 || strlen(b->parent) != plen || memcmp(b->parent, real, plen) != 0) {
			memcpy(b->parent, real, plen);
			b->parent[plen] = 0;
			b->parent_fd = vp_root_open_dir_path_nolinks(root, b->parent);
			fdbatch_add(b, b->parent_fd);
		}
		if (b->parent_fd >= 0) {
			int fd = vp_dir_open_path(b->parent_fd, slash + 1);
			if (fd >= 0) {
				fdbatch_add(b, fd);
				return fd;
			}
		}
	}
	int fd = vp_root_open_dir_path_nolinks(root, real);
	fdbatch_add(b, fd);
	return fd;
}

/*
 * Reads one device. Every attribute is opened by name in the device's
 * directory, and an absent one costs one failed lookup: cheaper than listing
 * the ~35 entries of every device directory to learn which exist.
 */
static void load_dev(struct vp_root *root, int busfd, bool bus_plain, const char *name, struct vp_pci_dev *d,
		     char ***notes, struct fdbatch *batch)
{
	char rel[300];
	snprintf(rel, sizeof(rel), "%s/%s", IN(VP_IN_PCI_DEVICES), name);
	memcpy(d->addr, name, sizeof(d->addr));
	unsigned f[4];
	vp_pci_addr_fields(name, f);
	d->domain = (int)f[0];
	d->bus = (int)f[1];
	d->dev = (int)f[2];
	d->func = (int)f[3];
	memcpy(d->slot, name, 10);
	d->slot[10] = 0;
	d->card = -1;
	d->vendor = d->device = d->subsys_vendor = d->subsys_device = d->class_code = d->revision = -1;
	d->sriov_totalvfs = d->sriov_numvfs = d->numa_node = d->boot_vga = d->iommu_group = -1;
	d->d3cold_allowed = -1;

	char target[PATH_MAX];
	bool linked = vp_dir_read_link(busfd, name, target, sizeof(target)) >= 0;
	if (linked)
		d->parent = parent_of(target);

	struct devdir dd = { .notes = notes, .rel = rel, .batch = batch };
	dd.fd = -ENOENT;
	char real[PATH_MAX];
	if (linked && bus_plain && link_real_path(target, real, sizeof(real)))
		dd.fd = open_real_dir(root, batch, real);
	if (dd.fd < 0) { /* through the link, with every rule of the root handle (and its errors) */
		dd.fd = vp_root_open_dir(root, rel);
		fdbatch_add(batch, dd.fd);
	}
	if (dd.fd < 0) {
		note_to(notes, rel, dd.fd == -ENOENT ? "link does not resolve, device treated as unknown" : errno_word(dd.fd));
		return;
	}

	char buf[VP_ATTR_MAX + 1];
	bool ids = false;
	const char *uevent_driver = NULL;
	if (dev_attr(&dd, VP_PA_UEVENT, buf, sizeof(buf)) > 0)
		ids = parse_uevent(buf, d, &uevent_driver);
	if (ids) {
		d->driver_known = true;
		if (uevent_driver)
			d->driver = strdup(uevent_driver);
	} else {
		d->vendor = dev_hex(&dd, VP_PA_VENDOR, 0xffff);
		d->device = dev_hex(&dd, VP_PA_DEVICE, 0xffff);
		d->subsys_vendor = dev_hex(&dd, VP_PA_SUBSYSTEM_VENDOR, 0xffff);
		d->subsys_device = dev_hex(&dd, VP_PA_SUBSYSTEM_DEVICE, 0xffff);
		d->class_code = dev_hex(&dd, VP_PA_CLASS, 0xffffff);
	}
	d->revision = dev_hex(&dd, VP_PA_REVISION, 0xff);
	/* A virtual function never has the SR-IOV capability (the kernel shows sriov_* on physical
	 * functions only, pci_iov_attrs_are_visible()): its physfn link spares the failed lookups. */
	char base[256];
	char pfaddr[VP_PCI_ADDR_LEN];
	if (dev_link_base(&dd, VP_PA_PHYSFN, base, sizeof(base)) > 0 && vp_pci_addr_parse(base, pfaddr) == 0)
		d->physfn = strdup(pfaddr);
	if (!d->physfn) {
		d->sriov_totalvfs = dev_uint(&dd, VP_PA_SRIOV_TOTALVFS, 0xffff);
		if (d->sriov_totalvfs >= 0)
			d->sriov_numvfs = dev_uint(&dd, VP_PA_SRIOV_NUMVFS, 0xffff);
	}
	/* The kernel shows boot_vga on display devices only (pci_dev_attrs_are_visible()). */
	if (d->class_code < 0 || vp_class_is_display(d->class_code))
		d->boot_vga = dev_uint(&dd, VP_PA_BOOT_VGA, 1);

	if (dev_attr(&dd, VP_PA_DRIVER_OVERRIDE, buf, sizeof(buf)) > 0 && !streq(buf, "(null)"))
		d->driver_override = strdup(buf);
	if (dev_attr(&dd, VP_PA_RESET_METHOD, buf, sizeof(buf)) > 0)
		vp_strv_split(buf, " \t", &d->reset_methods);
	else if (faccessat(dd.fd, PA(VP_PA_RESET_METHOD), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		d->reset_methods = calloc(1, sizeof(char *)); /* present but empty: no reset method at all */

	int r;
	if (!ids) { /* no usable uevent: the driver link says the same */
		r = dev_link_base(&dd, VP_PA_DRIVER, base, sizeof(base));
		if (r >= 0)
			d->driver_known = true;
		if (r > 0)
			d->driver = strdup(base);
	}

	r = dev_link_base(&dd, VP_PA_IOMMU_GROUP, base, sizeof(base));
	if (r > 0) {
		d->iommu_group = parse_group_id(base);
		if (d->iommu_group < 0) {
			char lrel[400];
			snprintf(lrel, sizeof(lrel), "%s/%s", rel, PA(VP_PA_IOMMU_GROUP));
			note_to(notes, lrel, "link does not name a group number, treated as unknown");
		}
	}

	/* mdev parents are GPUs (i915 GVT-g, vendor vGPU) and accelerators that a bound driver registered
	 * (mdev_register_parent() at probe): only those, or a device of unknown class, are looked at. */
	bool mdev = false;
	int base_class = d->class_code < 0 ? -1 : d->class_code >> 16;
	if ((base_class < 0 || base_class == 0x03 || base_class == 0x12) && !(d->driver_known && !d->driver)) {
		struct stat st;
		mdev = fstatat(dd.fd, PA(VP_PA_MDEV_TYPES), &st, AT_SYMLINK_NOFOLLOW) == 0;
	}

	if (mdev)
		load_mdev_types(notes, root, rel, d);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct vp_pci_dev *)a)->addr, ((const struct vp_pci_dev *)b)->addr);
}

/* Moves each item's notes to the host's, in item order, so threads do not change the output. */
static void merge_notes(struct vp_host *h, char ***item_notes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; item_notes[i] && item_notes[i][j]; j++)
			vp_strv_push_take(&h->notes, item_notes[i][j]);
		free(item_notes[i]);
	}
	free(item_notes);
}

struct dev_job {
	struct vp_root *root;
	int busfd;
	bool bus_plain;            /* the bus directory's path has no symlinks */
	char **names;
	struct vp_pci_dev **slot;  /* per name: its device, or NULL for a name that is not an address */
	char ***notes;             /* per name */
};

/* Batch k: names k * DEVS_PER_BATCH on. */
static void dev_job_run(void *ctx, size_t k)
{
	struct dev_job *j = ctx;
	struct fdbatch batch;
	batch.n = 0;
	batch.parent_fd = -1;
	for (size_t i = k * DEVS_PER_BATCH; i < (k + 1) * DEVS_PER_BATCH && j->names[i]; i++) {
		if (j->slot[i])
			load_dev(j->root, j->busfd, j->bus_plain, j->names[i], j->slot[i], &j->notes[i], &batch);
		else
			note_to(&j->notes[i], j->names[i], "not a PCI address, ignored");
	}
	fdbatch_close(&batch);
}

static int load_devices(struct vp_host *h, struct vp_root *root)
{
	_cleanup_strv_free_ char **names = NULL;
	int e = vp_root_list(root, IN(VP_IN_PCI_DEVICES), &names);
	if (e == -ENOENT)
		return 0;
	if (e < 0)
		return e;
	/* Opened without links when its path has none: then device paths can be taken from its links' targets. */
	_cleanup_close_ int busfd = vp_root_open_dir_nolinks(root, IN(VP_IN_PCI_DEVICES));
	bool bus_plain = busfd >= 0;
	if (!bus_plain)
		busfd = vp_root_open_dir(root, IN(VP_IN_PCI_DEVICES));
	if (busfd < 0)
		return busfd;
	size_t n = vp_strv_len(names);
	h->devs = calloc(n ? n : 1, sizeof(*h->devs));
	_cleanup_free_ struct vp_pci_dev **slot = calloc(n ? n : 1, sizeof(*slot));
	char ***notes = calloc(n ? n : 1, sizeof(*notes));
	if (!h->devs || !slot || !notes) {
		free(notes);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char addr[VP_PCI_ADDR_LEN];
		if (vp_pci_addr_parse(names[i], addr) == 0 && streq(addr, names[i]))
			slot[i] = &h->devs[h->n_devs++];
		else {
			/* Noted under its full path. */
			char *full = vp_strdup_printf("%s/%s", IN(VP_IN_PCI_DEVICES), names[i]);
			if (!full) {
				merge_notes(h, notes, n);
				return -ENOMEM;
			}
			free(names[i]);
			names[i] = full;
		}
	}
	struct dev_job job = { .root = root, .busfd = busfd, .bus_plain = bus_plain, .names = names, .slot = slot, .notes = notes };
	vp_parallel_for((n + DEVS_PER_BATCH - 1) / DEVS_PER_BATCH, 128 / DEVS_PER_BATCH, dev_job_run, &job);
	merge_notes(h, notes, n);
	/* vp_root_list() sorted the names, and canonical addresses sort like the names. */
	return 0;
}

static struct vp_pci_dev *find_dev(const struct vp_host *h, const char *addr)
{
	struct vp_pci_dev key;
	snprintf(key.addr, sizeof(key.addr), "%s", addr);
	if (!h->n_devs) /* bsearch(NULL, 0) is undefined (UBSan: "null pointer passed as argument 2") */
		return NULL;
	return bsearch(&key, h->devs, h->n_devs, sizeof(*h->devs), cmp_dev);
}

/* The directory of device name in busfd (sys/bus/pci/devices opened without links) by the real path
 * its bus link names (link_real_path()); <0 when it has no such path: then the caller goes through
 * the link with vp_root_open_dir(). */
static int open_dev_dir_real(struct vp_root *root, int busfd, const char *name)
{
	char target[PATH_MAX], real[PATH_MAX];
	if (vp_dir_read_link(busfd, name, target, sizeof(target)) < 0 || !link_real_path(target, real, sizeof(real)))
		return -ENOENT;
	return vp_root_open_dir_path_nolinks(root, real);
}

/* read_str_opt() of attribute name of a device: in its directory dfd when open (an absent file is
 * absent there too), through the root (which notes what is wrong) when that read is not plain. */
static char *dev_read_str_opt(char ***notes, struct vp_root *root, int dfd, const char *rel, const char *name)
{
	if (dfd >= 0) {
		char *s = NULL;
		int e = vp_dir_read_str(dfd, name, &s);
		if (e == 0 && text_ok(s))
			return s;
		if (e == 0)
			free(s);
		else if (e == -ENOENT)
			return NULL;
	}
	return read_str_opt_to(notes, root, rel);
}

struct card_job {
	struct vp_root *root;
	int busfd;                 /* sys/bus/pci/devices without links, or <0 */
	struct vp_pci_dev **devs;
	char ***notes;             /* per device */
};

static void card_dev_run(void *ctx, size_t i)
{
	struct card_job *j = ctx;
	struct vp_pci_dev *d = j->devs[i];
	char ***notes = &j->notes[i];
	_cleanup_close_ int dfd = j->busfd >= 0 ? open_dev_dir_real(j->root, j->busfd, d->addr) : -1;
	char rel[300];
	uint64_t v;
	snprintf(rel, sizeof(rel), "%s/%s/%s", IN(VP_IN_PCI_DEVICES), d->addr, PA(VP_PA_D3COLD_ALLOWED));
	_cleanup_free_ char *d3 = dev_read_str_opt(notes, j->root, dfd, rel, PA(VP_PA_D3COLD_ALLOWED));
	if (d3 && vp_parse_uint(d3, 1, &v) == 0)
		d->d3cold_allowed = (int)v;
	else if (d3)
		note_to(notes, rel, errno_word(-EINVAL));
	snprintf(rel, sizeof(rel), "%s/%s/%s", IN(VP_IN_PCI_DEVICES), d->addr, PA(VP_PA_POWER_STATE));
	d->power_state = dev_read_str_opt(notes, j->root, dfd, rel, PA(VP_PA_POWER_STATE));
	if (d->power_state && vp_startswith(d->power_state, "D3")) {
		d->config_skipped = true;
		return;
	}
	snprintf(rel, sizeof(rel), "%s/%s/%s", IN(VP_IN_PCI_DEVICES), d->addr, PA(VP_PA_CONFIG));
	char *buf = NULL;
	size_t len = 0;
	int e = dfd >= 0 ? vp_dir_read_file(dfd, PA(VP_PA_CONFIG), 4096, &buf, &len) : -EAGAIN;
	if (e < 0 && e != -ENOENT) /* not a plain read in the directory: through the root */
		e = vp_root_read_file(j->root, rel, 4096, &buf, &len);
	if (e == 0 && len > 0) {
		d->config = (uint8_t *)buf;
		d->config_len = len;
	} else {
		free(buf);
		if (e < 0 && e != -ENOENT)
			note_to(notes, rel, errno_word(e));
	}
}

/*
 * Reset facts of the display cards' functions (reset.h): d3cold_allowed, power_state and config
 * space. Only these: a config read wakes a runtime-suspended device, so a sleeping one
 * (power_state D3hot or D3cold) is not read and says so. Without root the kernel returns the
 * first 64 bytes of config space only. Each device's directory is opened once, as the loader
 * does (load_dev()), instead of resolving three paths through its bus link; the devices are
 * read by the loader's threads, their notes kept in card order.
 */
static void load_card_config(struct vp_host *h, struct vp_root *root)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n_cards; i++)
		n += h->cards[i].display ? h->cards[i].n_devs : 0;
	if (!n)
		return;
	struct card_job job = { .root = root, .devs = calloc(n, sizeof(*job.devs)), .notes = calloc(n, sizeof(*job.notes)) };
	if (!job.devs || !job.notes) {
		free(job.devs);
		free(job.notes);
		return;
	}
	n = 0;
	for (size_t i = 0; i < h->n_cards; i++)
		for (size_t k = 0; h->cards[i].display && k < h->cards[i].n_devs; k++)
			job.devs[n++] = h->cards[i].devs[k];
	job.busfd = vp_root_open_dir_path_nolinks(root, IN(VP_IN_PCI_DEVICES));
	vp_parallel_for(n, 64, card_dev_run, &job);
	merge_notes(h, job.notes, n);
	free(job.devs);
	if (job.busfd >= 0)
		close(job.busfd);
}

static int cmp_group(const void *a, const void *b)
{
	int x = ((const struct vp_group *)a)->id, y = ((const struct vp_group *)b)->id;
	return x < y ? -1 : x > y;
}

/*
 * Groups: the ids from sys/kernel/iommu_groups, their members from each
 * device's iommu_group link (the kernel creates both links together in
 * iommu_group_add_device(), and non-PCI members do not matter here).
 */
static int load_groups(struct vp_host *h, struct vp_root *root)
{
	_cleanup_strv_free_ char **ids = NULL;
	int e = vp_root_list(root, IN(VP_IN_GROUPS), &ids);
	if (e == -ENOENT || e == -ENOTDIR)
		return 0;
	if (e < 0) {
		note(h, IN(VP_IN_GROUPS), errno_word(e));
		return 0;
	}
	h->groups_dir = true;
	_cleanup_close_ int gfd = vp_root_open_dir(root, IN(VP_IN_GROUPS));
	size_t n = vp_strv_len(ids);
	h->groups = calloc(n ? n : 1, sizeof(*h->groups));
	if (!h->groups)
		return -ENOMEM;
	size_t first = SIZE_MAX;  /* entry of ids with the lowest group number */
	int lowest = -1;
	for (size_t i = 0; i < n; i++) {
		int id = parse_group_id(ids[i]);
		if (id < 0) {
			char rel[300];
			snprintf(rel, sizeof(rel), "%s/%s", IN(VP_IN_GROUPS), ids[i]);
			note(h, rel, "not a group number, ignored");
			continue;
		}
		if (first == SIZE_MAX || id < lowest) {
			first = i;
			lowest = id;
		}
		struct vp_group *g = &h->groups[h->n_groups++];
		g->id = id;
		g->card = -1;
	}
	/*
	 * The default domain type is set for all groups at boot (iommu.passthrough=,
	 * iommu=pt, the IOMMU driver's default); reading it from every group would
	 * cost thousands of reads for one fact, so the lowest group speaks for the host.
	 */
	if (first != SIZE_MAX && gfd >= 0) {
		const char *type_name = strrchr(IN(VP_IN_GROUP_TYPE), '/') + 1;
		char buf[256];
		int r = vp_dir_read_attr2(gfd, ids[first], type_name, buf, sizeof(buf));
		if (r > 0 && text_ok(buf))
			h->default_domain = strdup(buf);
		else if (r < 0 && r != -ENOENT) {
			char rel[300];
			snprintf(rel, sizeof(rel), "%s/%s/%s", IN(VP_IN_GROUPS), ids[first], type_name);
			note(h, rel, errno_word(r));
		}
	}
	qsort(h->groups, h->n_groups, sizeof(*h->groups), cmp_group);

	/* Members, in address order since devices are sorted. */
	size_t *count = calloc(h->n_groups + 1, sizeof(size_t));
	if (!count)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		if (d->iommu_group < 0)
			continue;
		struct vp_group key = { .id = d->iommu_group };
		struct vp_group *g = h->n_groups ? bsearch(&key, h->groups, h->n_groups, sizeof(*h->groups), cmp_group) : NULL;
		if (!g) {
			char rel[400];
			snprintf(rel, sizeof(rel), "%s/%s/%s", IN(VP_IN_PCI_DEVICES), d->addr, PA(VP_PA_IOMMU_GROUP));
			note(h, rel, "points to a group that does not exist, treated as unknown");
			d->iommu_group = -1;
			continue;
		}
		count[g - h->groups]++;
	}
	for (size_t i = 0; i < h->n_groups; i++) {
		h->groups[i].devs = calloc(count[i] + 1, sizeof(struct vp_pci_dev *));
		if (!h->groups[i].devs) {
			free(count);
			return -ENOMEM;
		}
	}
	free(count);
	for (size_t i = 0; i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		if (d->iommu_group < 0)
			continue;
		struct vp_group *g = (struct vp_group *)vp_host_group(h, d->iommu_group);
		g->devs[g->n_devs++] = d;
	}
	return 0;
}

static void card_add(struct vp_card *c, struct vp_pci_dev *d, int index)
{
	d->card = index;
	c->devs[c->n_devs++] = d;
	if (vp_class_is_display(d->class_code))
		c->display = true;
	if (d->boot_vga == 1)
		c->boot_vga = true;
}

/*
 * Devices are sorted by address, so the functions of one slot are adjacent. The physical functions
 * of a slot form one card (the slot's key); each SR-IOV virtual function is a card of its own, keyed
 * by its address, which sorts after the slot's key ("0000:4c:02" < "0000:4c:02.1" < "0000:4c:03").
 */
static int build_cards(struct vp_host *h)
{
	h->cards = calloc(h->n_devs ? h->n_devs : 1, sizeof(*h->cards));
	if (!h->cards)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_devs;) {
		size_t j = i;
		while (j < h->n_devs && streq(h->devs[j].slot, h->devs[i].slot))
			j++;
		/* Function 0's vendor defines the card; without function 0, the lowest function's (VFs aside). */
		int vendor = -1;
		bool have = false;
		for (size_t k = i; k < j && !have; k++)
			if (!h->devs[k].physfn) {
				vendor = h->devs[k].vendor;
				have = true;
			}
		struct vp_card *c = &h->cards[h->n_cards];
		memcpy(c->slot, h->devs[i].slot, sizeof(c->slot));
		c->vendor = vendor;
		c->devs = calloc(j - i, sizeof(*c->devs));
		if (!c->devs)
			return -ENOMEM;
		for (size_t k = i; k < j; k++) {
			struct vp_pci_dev *d = &h->devs[k];
			if (d->physfn || d->vendor != vendor || vendor < 0 || vp_class_is_bridge(d->class_code))
				continue;
			card_add(c, d, (int)h->n_cards);
		}
		if (c->n_devs)
			h->n_cards++;
		else
			free(c->devs);
		for (size_t k = i; k < j; k++) {
			struct vp_pci_dev *d = &h->devs[k];
			if (!d->physfn || d->vendor < 0 || vp_class_is_bridge(d->class_code))
				continue;
			memcpy(d->slot, d->addr, sizeof(d->slot));
			struct vp_card *vc = &h->cards[h->n_cards];
			memcpy(vc->slot, d->addr, sizeof(vc->slot));
			vc->vendor = d->vendor;
			if (!(vc->devs = calloc(1, sizeof(*vc->devs))))
				return -ENOMEM;
			card_add(vc, d, (int)h->n_cards);
			h->n_cards++;
		}
		i = j;
	}
	return 0;
}

static void judge_groups(struct vp_host *h)
{
	for (size_t i = 0; i < h->n_groups; i++) {
		struct vp_group *g = &h->groups[i];
		g->viable = true;
		int card = -1;
		bool one_card = true, any = false;
		for (size_t j = 0; j < g->n_devs; j++) {
			const struct vp_pci_dev *d = g->devs[j];
			if (!d->driver_known || (d->driver && !vp_driver_is_dma_safe(d->driver)))
				g->viable = false;
			if (vp_class_is_bridge(d->class_code))
				continue;
			any = true;
			if (d->card < 0 || (card >= 0 && d->card != card))
				one_card = false;
			card = d->card;
		}
		/* A lone function outside any card (another vendor's function in a card's slot,
		 * e.g. an APU's USB controller) is isolated too: nothing else shares its group. */
		size_t endpoints = 0;
		for (size_t j = 0; j < g->n_devs; j++)
			endpoints += !vp_class_is_bridge(g->devs[j]->class_code);
		g->isolated = any && (one_card || (endpoints == 1 && card < 0));
		g->card = g->isolated ? card : -1;
	}
}

static void parse_cpuinfo(struct vp_host *h, const char *s)
{
	for (const char *line = s; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *colon = memchr(line, ':', len);
		if (colon) {
			size_t klen = (size_t)(colon - line);
			while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
				klen--;
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - line);
			if (klen == 9 && !strncmp(line, "vendor_id", 9) && h->cpu_vendor == VP_CPU_UNKNOWN) {
				if (vlen == 12 && !strncmp(v, "GenuineIntel", 12))
					h->cpu_vendor = VP_CPU_INTEL;
				else if (vlen == 12 && !strncmp(v, "AuthenticAMD", 12))
					h->cpu_vendor = VP_CPU_AMD;
				else
					h->cpu_vendor = VP_CPU_OTHER;
			} else if (klen == 10 && !strncmp(line, "model name", 10) && !h->cpu_model) {
				h->cpu_model = strndup(v, vlen);
			} else if (klen == 5 && !strncmp(line, "flags", 5) && h->cpu_vmx == VP_TRI_UNKNOWN) {
				_cleanup_free_ char *flags = strndup(v, vlen);
				_cleanup_strv_free_ char **fv = NULL;
				if (flags && vp_strv_split(flags, " \t", &fv) == 0) {
					h->cpu_vmx = vp_strv_contains(fv, "vmx") ? VP_TRI_YES : VP_TRI_NO;
					h->cpu_svm = vp_strv_contains(fv, "svm") ? VP_TRI_YES : VP_TRI_NO;
					h->cpu_hypervisor = vp_strv_contains(fv, "hypervisor") ? VP_TRI_YES : VP_TRI_NO;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

static char *unquote(const char *v, size_t n)
{
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	return strndup(v, n);
}

static void parse_os_release(struct vp_host *h, const char *s)
{
	struct { const char *key; char **dst; } keys[] = {
		{ "ID", &h->os.id }, { "ID_LIKE", &h->os.id_like }, { "VERSION_ID", &h->os.version_id },
		{ "NAME", &h->os.name }, { "PRETTY_NAME", &h->os.pretty_name }, { "VARIANT_ID", &h->os.variant_id },
	};
	for (const char *line = s; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *eq = memchr(line, '=', len);
		for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i].key);
			if ((size_t)(eq - line) == kl && !strncmp(line, keys[i].key, kl) && !*keys[i].dst)
				*keys[i].dst = unquote(eq + 1, len - kl - 1);
		}
		line = nl ? nl + 1 : NULL;
	}
}

static char *read_file_opt(struct vp_host *h, struct vp_root *root, const char *rel, size_t max)
{
	char *buf = NULL;
	size_t len = 0;
	int e = vp_root_read_file(root, rel, max, &buf, &len);
	if (e == 0 && (memchr(buf, 0, len) || !text_ok(buf))) {
		free(buf);
		e = -EINVAL; /* binary junk where text belongs */
	}
	if (e < 0 && e != -ENOENT && e != -ENOTDIR)
		note(h, rel, errno_word(e));
	return e < 0 ? NULL : buf;
}

static void load_proc(struct vp_host *h, struct vp_root *root)
{
	h->kernel_release = read_str_opt(h, root, IN(VP_IN_OSRELEASE));
	if (h->kernel_release && (!*h->kernel_release || strpbrk(h->kernel_release, "/ \t\n"))) {
		note(h, IN(VP_IN_OSRELEASE), errno_word(-EINVAL));
		h->kernel_release = (free(h->kernel_release), NULL);
	}
	h->cmdline = read_str_opt(h, root, IN(VP_IN_CMDLINE));
	if (h->cmdline)
		vp_strv_split(h->cmdline, " \t\n", &h->cmdline_words);

	char *buf = read_file_opt(h, root, IN(VP_IN_CPUINFO), 64u << 20);
	if (buf)
		parse_cpuinfo(h, buf);
	free(buf);

	buf = read_file_opt(h, root, IN(VP_IN_INTERRUPTS), 64u << 20);
	if (buf)
		h->irq_remapping = strstr(buf, " IR-") || strstr(buf, "\tIR-") ? VP_TRI_YES : VP_TRI_NO;
	free(buf);

	buf = read_file_opt(h, root, IN(VP_IN_OS_RELEASE), 1u << 20);
	if (!buf && vp_root_exists(root, IN(VP_IN_OS_RELEASE)) <= 0)
		buf = read_file_opt(h, root, IN(VP_IN_OS_RELEASE_USR), 1u << 20);
	if (buf)
		parse_os_release(h, buf);
	free(buf);
}

static void load_iommu_units(struct vp_host *h, struct vp_root *root)
{
	int e = vp_root_list(root, IN(VP_IN_IOMMU_UNITS), &h->iommu_units);
	if (e < 0 && e != -ENOENT)
		note(h, IN(VP_IN_IOMMU_UNITS), errno_word(e));
	for (size_t i = 0; h->iommu_units && h->iommu_units[i]; i++) {
		const char *u = h->iommu_units[i];
		enum vp_iommu_vendor v = vp_startswith(u, "dmar") ? VP_IOMMU_INTEL
				       : vp_startswith(u, "ivhd") ? VP_IOMMU_AMD : VP_IOMMU_OTHER;
		if (h->iommu_vendor == VP_IOMMU_NONE || h->iommu_vendor == VP_IOMMU_OTHER)
			h->iommu_vendor = v;
	}
	h->acpi_dmar = h->acpi_ivrs = VP_TRI_UNKNOWN;
	if (vp_root_exists(root, IN(VP_IN_ACPI_TABLES)) > 0) {
		h->acpi_dmar = vp_root_exists(root, IN(VP_IN_ACPI_DMAR)) > 0 ? VP_TRI_YES : VP_TRI_NO;
		h->acpi_ivrs = vp_root_exists(root, IN(VP_IN_ACPI_IVRS)) > 0 ? VP_TRI_YES : VP_TRI_NO;
	}
}

/*
 * kernel-facts §2.3: upstream and Ubuntu set INTEL_IOMMU_DEFAULT_ON, Debian
 * patches in INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF, Fedora and Arch leave it unset.
 * Read from the kernel's config; unknown without one (checks then fall back
 * to the distribution's known default).
 */
static void load_kernel_config(struct vp_host *h, struct vp_root *root)
{
	h->intel_iommu_default_on = VP_TRI_UNKNOWN;
	static const enum vp_host_input_id ids[] = { VP_IN_KCONFIG_BOOT, VP_IN_KCONFIG_USR };
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		_cleanup_free_ char *rel = input_kver(h, ids[i]);
		_cleanup_free_ char *buf = NULL;
		if (!rel || vp_root_read_file(root, rel, 16u << 20, &buf, NULL) < 0)
			continue;
		if (strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y") || strstr(buf, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y"))
			h->intel_iommu_default_on = VP_TRI_YES;
		else if (strstr(buf, "CONFIG_INTEL_IOMMU=y"))
			h->intel_iommu_default_on = VP_TRI_NO;
		return;
	}
}

static void load_misc(struct vp_host *h, struct vp_root *root, unsigned flags)
{
	load_kernel_config(h, root);
	h->kvm_dev = vp_root_exists(root, IN(VP_IN_KVM)) > 0;
	h->ostree_booted = vp_root_exists(root, IN(VP_IN_OSTREE_BOOTED)) > 0;
	static const enum vp_host_input_id progs[] = { VP_IN_VIRSH, VP_IN_LIBVIRTD, VP_IN_VIRTQEMUD };
	bool client = false, daemon = false;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (vp_root_exists(root, IN(progs[i])) > 0) {
			vp_strv_push(&h->libvirt_programs, strrchr(IN(progs[i]), '/') + 1);
			if (progs[i] == VP_IN_VIRSH)
				client = true;
			else
				daemon = true;
		}
	}
	h->libvirt_installed = client && daemon;

	/* kernel-facts §3: /sys/module/vfio_pci without initstate is a built-in driver. */
	h->vfio_pci_loaded = vp_root_exists(root, IN(VP_IN_VFIO_PCI_MODULE)) > 0;
	bool live_module = vp_root_exists(root, IN(VP_IN_VFIO_PCI_INITSTATE)) > 0;
	_cleanup_free_ char *unsafe = read_str_opt(h, root, IN(VP_IN_UNSAFE_INTERRUPTS));
	h->unsafe_interrupts_param = unsafe && (streq(unsafe, "Y") || streq(unsafe, "1"));

	h->vfio_pci = VP_MOD_UNKNOWN;
	if ((flags & VP_HOST_MODULES) && h->kernel_release)
		h->vfio_pci = vp_module_state_notes(root, h->kernel_release, "vfio-pci", &h->notes);
	h->vendor_reset_loaded = vp_root_exists(root, IN(VP_IN_VENDOR_RESET_MODULE)) > 0;
	h->vendor_reset = VP_MOD_UNKNOWN;
	if ((flags & VP_HOST_MODULES) && h->kernel_release)
		h->vendor_reset = vp_module_state(root, h->kernel_release, "vendor-reset");
	if (h->vfio_pci_loaded && (h->vfio_pci == VP_MOD_UNKNOWN || h->vfio_pci == VP_MOD_MISSING))
		h->vfio_pci = live_module ? VP_MOD_MODULE : VP_MOD_BUILTIN; /* present now, so it exists */
}

int vp_host_load(struct vp_root *root, unsigned flags, struct vp_host **ret)
{
	_cleanup_(vp_host_freep) struct vp_host *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cpu_vmx = h->cpu_svm = h->cpu_hypervisor = VP_TRI_UNKNOWN;
	h->irq_remapping = VP_TRI_UNKNOWN;

	struct stat st;
	int e = vp_root_stat(root, ".", &st);
	if (e < 0)
		return e;

	struct vp_names *names = (flags & VP_HOST_NAMES) ? vp_names_start() : NULL;
	load_proc(h, root);
	load_iommu_units(h, root);
	e = load_devices(h, root);
	if (e >= 0)
		e = load_groups(h, root);
	if (e >= 0)
		e = build_cards(h);
	if (e < 0) {
		if (names)
			vp_names_finish(names, NULL);
		return e;
	}
	judge_groups(h);
	load_card_config(h, root);
	load_misc(h, root, flags);
	h->needs = vp_hostneeds_load(root, h);
	if (flags & VP_HOST_NAMES)
		vp_names_finish(names, h);
	*ret = TAKE_PTR(h);
	return 0;
}

struct vp_host *vp_host_free(struct vp_host *h)
{
	if (!h)
		return NULL;
	for (size_t i = 0; i < h->n_devs; i++) {
		struct vp_pci_dev *d = &h->devs[i];
		free(d->driver);
		free(d->driver_override);
		vp_strv_free(d->reset_methods);
		free(d->power_state);
		free(d->config);
		free(d->physfn);
		free(d->parent);
		free(d->vendor_name);
		free(d->device_name);
		for (size_t j = 0; j < d->n_mdev_types; j++) {
			free(d->mdev_types[j].id);
			free(d->mdev_types[j].name);
			free(d->mdev_types[j].description);
			free(d->mdev_types[j].device_api);
		}
		free(d->mdev_types);
	}
	free(h->devs);
	for (size_t i = 0; i < h->n_groups; i++)
		free(h->groups[i].devs);
	free(h->groups);
	for (size_t i = 0; i < h->n_cards; i++)
		free(h->cards[i].devs);
	free(h->cards);
	free(h->default_domain);
	free(h->kernel_release);
	free(h->cmdline);
	vp_strv_free(h->cmdline_words);
	free(h->cpu_model);
	free(h->os.id);
	free(h->os.id_like);
	free(h->os.version_id);
	free(h->os.name);
	free(h->os.pretty_name);
	free(h->os.variant_id);
	vp_strv_free(h->iommu_units);
	vp_strv_free(h->libvirt_programs);
	vp_strv_free(h->notes);
	vp_hostneeds_free(h->needs);
	free(h);
	return NULL;
}

const struct vp_pci_dev *vp_host_dev(const struct vp_host *h, const char *addr)
{
	char canon[VP_PCI_ADDR_LEN];
	if (vp_pci_addr_parse(addr, canon) < 0)
		return NULL;
	return find_dev(h, canon);
}

const struct vp_group *vp_host_group(const struct vp_host *h, int id)
{
	struct vp_group key = { .id = id };
	return h->n_groups ? bsearch(&key, h->groups, h->n_groups, sizeof(*h->groups), cmp_group) : NULL;
}

const struct vp_card *vp_host_card_of(const struct vp_host *h, const struct vp_pci_dev *d)
{
	return d && d->card >= 0 ? &h->cards[d->card] : NULL;
}

bool vp_host_iommu_active(const struct vp_host *h)
{
	return h->n_groups > 0;
}

const char *vp_host_cmdline_get(const struct vp_host *h, const char *key)
{
	const char *found = NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; h->cmdline_words && h->cmdline_words[i]; i++) {
		const char *w = h->cmdline_words[i];
		if (streq(w, "--"))
			break; /* the rest belongs to init */
		if (!strncmp(w, key, kl) && (w[kl] == '=' || !w[kl]))
			found = w[kl] ? w + kl + 1 : "";
	}
	return found;
}

bool vp_class_is_bridge(int class_code)
{
	return class_code >= 0 && (class_code >> 16) == 0x06;
}

bool vp_class_is_display(int class_code)
{
	return class_code >= 0 && (class_code >> 16) == 0x03;
}

const char *vp_class_short(int c)
{
	if (c < 0)
		return "unknown";
	switch (c >> 8) {
	case 0x0300: return "VGA";
	case 0x0302: return "3D";
	case 0x0380: return "Display";
	case 0x0403: return "Audio";
	case 0x0c03: return "USB";
	case 0x0c80: return "Serial bus";
	case 0x0108: return "NVMe";
	case 0x0106: return "SATA";
	case 0x0200: return "Ethernet";
	case 0x0280: return "Network";
	case 0x0600: return "Host bridge";
	case 0x0601: return "ISA bridge";
	case 0x0604: return "PCI bridge";
	case 0x0c05: return "SMBus";
	case 0x0b40: return "Coprocessor";
	case 0x1080: return "Encryption";
	case 0x1200: return "Accelerator";
	}
	switch (c >> 16) {
	case 0x01: return "Storage";
	case 0x02: return "Network";
	case 0x03: return "Display";
	case 0x04: return "Multimedia";
	case 0x06: return "Bridge";
	case 0x08: return "System";
	case 0x0c: return "Serial bus";
	case 0x13: return "Instrumentation";
	case 0xff: return "Unassigned"; /* pci.ids "Unassigned class": e.g. virtio vsock and RNG */
	}
	return "Other";
}

bool vp_driver_is_dma_safe(const char *driver)
{
	return !driver || streq(driver, "vfio-pci") || streq(driver, "pci-stub") || streq(driver, "pcieport") ||
	       strstr(driver, "vfio") != NULL;
}

const char *vp_iommu_vendor_to_string(enum vp_iommu_vendor v)
{
	switch (v) {
	case VP_IOMMU_INTEL: return "intel";
	case VP_IOMMU_AMD: return "amd";
	case VP_IOMMU_OTHER: return "other";
	default: return NULL;
	}
}

const char *vp_cpu_vendor_to_string(enum vp_cpu_vendor v)
{
	switch (v) {
	case VP_CPU_INTEL: return "intel";
	case VP_CPU_AMD: return "amd";
	case VP_CPU_OTHER: return "other";
	default: return NULL;
	}
}

const char *vp_mod_state_to_string(enum vp_mod_state s)
{
	switch (s) {
	case VP_MOD_MISSING: return "missing";
	case VP_MOD_MODULE: return "module";
	case VP_MOD_BUILTIN: return "builtin";
	default: return "unknown";
	}
}

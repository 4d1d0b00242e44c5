/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host itself needs (see hostneeds.h): mounts, swap and default
 * routes traced through sysfs to PCI functions, and the verdict on a set of
 * functions to hand over. All reads go through the root handle.
 */
#include "hostneeds.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define IN(id) (vp_host_inputs[id].path)
/* How many sysfs nodes one load may visit: a hostile tree cannot make the walk endless. */
#define NODE_BUDGET 20000
#define MAX_DEPTH 32

struct need {
	char addr[VP_PCI_ADDR_LEN];
	char *what;
};

struct mnt {
	char *point;              /* unescaped mount point */
	char *source;             /* unescaped source ("/dev/nvme0n1p2", "tmpfs") */
	char *fstype;
	unsigned maj, min;
	bool has_dev;             /* from mountinfo: MAJ:MIN known */
};

struct vp_hostneeds {
	struct need *v;
	size_t n, cap;
	char *storage_untraced;   /* the first mount/swap whose device could not be traced */
	char *network_untraced;   /* the first default route whose interface could not be traced */
	bool have_mounts, have_routes;
};

struct ctx {
	struct vp_root *root;
	struct vp_hostneeds *n;
	struct mnt *mnts;
	size_t n_mnts;
	size_t nodes;
};

/* ------------------------------------------------------------ paths */

/* The path a symlink rel points to, resolved lexically from its directory (as the kernel writes them). */
static int link_path(struct vp_root *root, const char *rel, char out[PATH_MAX])
{
	_cleanup_free_ char *t = NULL;
	int e = vp_root_read_link(root, rel, &t);
	if (e < 0)
		return e;
	const char *slash = strrchr(rel, '/');
	int k = t[0] == '/' ? snprintf(out, PATH_MAX, "%s", t + 1)
			    : snprintf(out, PATH_MAX, "%.*s/%s", slash ? (int)(slash - rel) : 0, rel, t);
	if (k < 0 || k >= PATH_MAX)
		return -ENAMETOOLONG;
	vp_path_normalize(out);
	return 0;
}

/* Adds every PCI function named by a component of path to *addrs; returns how many. */
static size_t pci_components(const char *path, char ***addrs)
{
	size_t found = 0;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *save = NULL, *t = strtok_r(tmp, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		char canon[VP_PCI_ADDR_LEN];
		if (strlen(t) != 12 || vp_pci_addr_parse(t, canon) < 0 || !streq(canon, t))
			continue;
		found++;
		if (!vp_strv_contains(*addrs, canon))
			vp_strv_push(addrs, canon);
	}
	return found;
}

/* A single path component we may put into a path. */
static bool name_ok(const char *s)
{
	return s && *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") && strlen(s) < 200;
}

static char *subst(enum vp_host_input_id id, const char *var, const char *name)
{
	const char *p = IN(id), *k = strstr(p, var);
	if (!k)
		return strdup(p);
	return vp_strdup_printf("%.*s%s%s", (int)(k - p), p, name, k + strlen(var));
}

/* ------------------------------------------------------------ the block walk */

static const struct mnt *mount_of_path(const struct ctx *c, const char *path);
static bool trace_mount(struct ctx *c, const struct mnt *m, int depth, char ***visited, char ***addrs, bool *untraced);

/*
 * Adds the PCI functions that block device name lives on to *addrs. Returns true when the
 * device was accounted for: some PCI function, a device below it that was, or a device that
 * needs no controller (zram, a platform SD host). A device that is none of these (a dm or md
 * device whose slaves lead nowhere, a loop in slaves/, a missing sysfs entry) sets *untraced.
 */
static bool walk_block(struct ctx *c, const char *name, int depth, char ***visited, char ***addrs, bool *untraced)
{
	if (!name_ok(name) || depth > MAX_DEPTH || ++c->nodes > NODE_BUDGET) {
		*untraced = true;
		return false;
	}
	if (vp_strv_contains(*visited, name))
		return false; /* a loop in slaves/, or a device reached twice: nothing new from here */
	vp_strv_push(visited, name);
	char rel[PATH_MAX], real[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/%s", IN(VP_IN_CLASS_BLOCK), name);
	if (link_path(c->root, rel, real) < 0) {
		*untraced = true; /* no sysfs entry for a mounted device: cannot say what holds it */
		return false;
	}
	bool resolved = pci_components(real, addrs) > 0;

	/* device-mapper (LVM, LUKS), md RAID, bcache: the devices below */
	_cleanup_free_ char *slaves_rel = subst(VP_IN_BLOCK_SLAVES, "$BLOCK", name);
	_cleanup_strv_free_ char **slaves = NULL;
	if (vp_root_list(c->root, slaves_rel, &slaves) == 0)
		for (size_t i = 0; slaves[i]; i++)
			resolved |= walk_block(c, slaves[i], depth + 1, visited, addrs, untraced);

	/* an NVMe multipath head (devices/virtual/nvme-subsystem/nvme-subsysN/nvmeXnY): its paths */
	const char *sub = strstr(real, "/nvme-subsystem/");
	if (sub) {
		_cleanup_free_ char *mp_rel = subst(VP_IN_BLOCK_MULTIPATH, "$BLOCK", name);
		_cleanup_strv_free_ char **paths = NULL;
		size_t got = 0;
		if (vp_root_list(c->root, mp_rel, &paths) == 0)
			for (size_t i = 0; paths[i]; i++) {
				char l[2 * PATH_MAX], p[PATH_MAX];
				snprintf(l, sizeof(l), "%s/multipath/%s", real, paths[i]);
				if (link_path(c->root, l, p) == 0)
					got += pci_components(p, addrs) > 0;
			}
		if (!got) { /* kernels before the multipath/ links: the subsystem's controllers */
			const char *end = strchr(sub + strlen("/nvme-subsystem/"), '/');
			char dir[PATH_MAX];
			size_t dl = end ? (size_t)(end - real) : strlen(real);
			memcpy(dir, real, dl);
			dir[dl] = 0;
			_cleanup_strv_free_ char **ents = NULL;
			if (vp_root_list(c->root, dir, &ents) == 0)
				for (size_t i = 0; ents[i]; i++) {
					unsigned x;
					char tail;
					char l[2 * PATH_MAX], p[PATH_MAX];
					if (sscanf(ents[i], "nvme%u%c", &x, &tail) != 1)
						continue;
					snprintf(l, sizeof(l), "%s/%s", dir, ents[i]);
					if (link_path(c->root, l, p) == 0)
						got += pci_components(p, addrs) > 0;
				}
		}
		resolved |= got > 0;
	}

	/* a loop device: the file system that holds its backing file */
	if (vp_startswith(name, "loop")) {
		_cleanup_free_ char *bf_rel = subst(VP_IN_BLOCK_LOOP, "$BLOCK", name);
		_cleanup_free_ char *bf = NULL;
		if (vp_root_read_str(c->root, bf_rel, &bf) == 0 && bf[0] == '/') {
			const struct mnt *m = mount_of_path(c, bf);
			resolved |= m && trace_mount(c, m, depth + 1, visited, addrs, untraced);
		}
	}

	if (resolved)
		return true;
	if (!vp_startswith(real, "sys/devices/virtual/"))
		return true; /* a platform device (an SoC's SD/eMMC host): no PCI function serves it */
	static const char *const standalone[] = { "zram", "ram", "nbd", "rbd", "drbd", NULL };
	for (size_t i = 0; standalone[i]; i++)
		if (vp_startswith(name, standalone[i]))
			return true; /* in memory, or over the network: no local controller */
	*untraced = true; /* dm/md/loop that leads to no device */
	return false;
}

/* The block device name of a mount source ("/dev/sda2", "/dev/mapper/vg-root", "/dev/vg/root"), or NULL. */
static char *source_block(struct ctx *c, const char *src)
{
	if (!vp_startswith(src, "/dev/"))
		return NULL;
	const char *rest = src + 5;
	char rel[PATH_MAX];
	if (name_ok(rest)) {
		snprintf(rel, sizeof(rel), "%s/%s", IN(VP_IN_CLASS_BLOCK), rest);
		struct stat st;
		if (vp_root_lstat(c->root, rel, &st) == 0)
			return strdup(rest);
	}
	/* device-mapper names: /dev/mapper/NAME, or LVM's /dev/VG/LV (dm name VG-LV, '-' doubled) */
	_cleanup_free_ char *want = NULL;
	if (vp_startswith(rest, "mapper/") && name_ok(rest + 7)) {
		want = strdup(rest + 7);
	} else {
		const char *slash = strchr(rest, '/');
		if (!slash || strchr(slash + 1, '/') || slash == rest || !slash[1])
			return NULL;
		struct vp_buf b = { 0 };
		for (const char *p = rest; *p; p++)
			vp_buf_puts(&b, p == slash ? "-" : *p == '-' ? "--" : (char[]){ *p, 0 });
		want = vp_buf_steal(&b);
	}
	_cleanup_strv_free_ char **names = NULL;
	if (!want || vp_root_list(c->root, IN(VP_IN_CLASS_BLOCK), &names) < 0)
		return NULL;
	for (size_t i = 0; names[i]; i++) {
		if (!vp_startswith(names[i], "dm-") || ++c->nodes > NODE_BUDGET)
			continue;
		_cleanup_free_ char *nrel = subst(VP_IN_BLOCK_DM_NAME, "$BLOCK", names[i]);
		_cleanup_free_ char *dm = NULL;
		if (vp_root_read_str(c->root, nrel, &dm) == 0 && streq(dm, want))
			return strdup(names[i]);
	}
	return NULL;
}

static bool fs_is_pool(const char *fstype)
{
	return fstype && (streq(fstype, "zfs") || streq(fstype, "bcachefs"));
}

/* Does this mount live on local block storage that we must trace? */
static bool mount_relevant(const struct mnt *m)
{
	return (m->has_dev && m->maj != 0) || vp_startswith(m->source, "/dev/") || fs_is_pool(m->fstype);
}

static bool trace_mount(struct ctx *c, const struct mnt *m, int depth, char ***visited, char ***addrs, bool *untraced)
{
	if (m->has_dev && m->maj != 0) {
		char rel[PATH_MAX];
		_cleanup_free_ char *target = NULL;
		snprintf(rel, sizeof(rel), "%s/%u:%u", IN(VP_IN_DEV_BLOCK), m->maj, m->min);
		if (vp_root_read_link(c->root, rel, &target) < 0) {
			*untraced = true;
			return false;
		}
		const char *b = strrchr(target, '/');
		return walk_block(c, b ? b + 1 : target, depth, visited, addrs, untraced);
	}
	if (fs_is_pool(m->fstype)) {
		*untraced = true; /* a pool's devices are not in sysfs: any storage controller may hold them */
		return false;
	}
	if (!mount_relevant(m))
		return true; /* tmpfs, overlay, a network file system: no local block device */
	_cleanup_free_ char *name = source_block(c, m->source);
	if (!name) {
		*untraced = true; /* "/dev/root", a by-uuid link: cannot tell which device */
		return false;
	}
	return walk_block(c, name, depth, visited, addrs, untraced);
}

/* The mount that holds path: the longest mount point that is a prefix of it (the last one mounted wins). */
static const struct mnt *mount_of_path(const struct ctx *c, const char *path)
{
	const struct mnt *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < c->n_mnts; i++) {
		const char *p = c->mnts[i].point;
		size_t l = strlen(p);
		bool under = streq(p, "/") || (!strncmp(path, p, l) && (path[l] == '/' || !path[l]));
		if (!under)
			continue;
		if (streq(p, "/"))
			l = 0;
		if (!best || l >= best_len) {
			best = &c->mnts[i];
			best_len = l;
		}
	}
	return best;
}

/* ------------------------------------------------------------ recording */

static void add_need(struct vp_hostneeds *n, const char *addr, const char *what)
{
	for (size_t i = 0; i < n->n; i++)
		if (streq(n->v[i].addr, addr) && streq(n->v[i].what, what))
			return;
	if (vp_grow((void **)&n->v, &n->cap, n->n + 1, sizeof(*n->v)) < 0)
		return;
	struct need *x = &n->v[n->n];
	snprintf(x->addr, sizeof(x->addr), "%s", addr);
	if (!(x->what = strdup(what)))
		return;
	n->n++;
}

static void record(struct vp_hostneeds *n, char *const *addrs, bool untraced, const char *what, char **untraced_slot)
{
	for (size_t i = 0; addrs && addrs[i]; i++)
		add_need(n, addrs[i], what);
	if (untraced && !*untraced_slot)
		*untraced_slot = strdup(what);
}

/* ------------------------------------------------------------ parsers */

/* Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

static void mnt_free(struct mnt *m)
{
	free(m->point);
	free(m->source);
	free(m->fstype);
}

static bool push_mnt(struct ctx *c, size_t *cap, struct mnt *m)
{
	if (!m->point || !m->source || !m->fstype || vp_grow((void **)&c->mnts, cap, c->n_mnts + 1, sizeof(*c->mnts)) < 0) {
		mnt_free(m);
		return false;
	}
	c->mnts[c->n_mnts++] = *m;
	return true;
}

/*
 * proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
 * (Documentation/filesystems/proc.rst). Returns the number of malformed lines.
 */
static size_t parse_mountinfo(struct ctx *c, char *buf, size_t *cap)
{
	size_t bad = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **f = NULL;
		if (vp_strv_split(line, " \t", &f) < 0)
			return bad + 1;
		size_t nf = vp_strv_len(f), dash = 0;
		for (size_t i = 6; i < nf; i++)
			if (streq(f[i], "-")) {
				dash = i;
				break;
			}
		unsigned maj, min;
		char tail;
		if (nf < 10 || !dash || dash + 2 >= nf || sscanf(f[2], "%u:%u%c", &maj, &min, &tail) != 2 || f[4][0] != '/') {
			bad++;
			continue;
		}
		struct mnt m = { .point = unescape(f[4]), .source = unescape(f[dash + 2]), .fstype = unescape(f[dash + 1]),
				 .maj = maj, .min = min, .has_dev = true };
		push_mnt(c, cap, &m);
	}
	return bad;
}

/* proc/mounts: "SOURCE POINT FSTYPE OPTS 0 0". */
static size_t parse_mounts(struct ctx *c, char *buf, size_t *cap)
{
	size_t bad = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **f = NULL;
		if (vp_strv_split(line, " \t", &f) < 0)
			return bad + 1;
		if (vp_strv_len(f) < 4 || f[1][0] != '/') {
			bad++;
			continue;
		}
		struct mnt m = { .point = unescape(f[1]), .source = unescape(f[0]), .fstype = unescape(f[2]) };
		push_mnt(c, cap, &m);
	}
	return bad;
}

static void load_mounts(struct ctx *c)
{
	struct vp_hostneeds *n = c->n;
	size_t cap = 0, bad = 0;
	_cleanup_free_ char *buf = NULL;
	const char *which = IN(VP_IN_MOUNTINFO);
	int e = vp_root_read_file(c->root, which, 64u << 20, &buf, NULL);
	if (e == 0) {
		bad = parse_mountinfo(c, buf, &cap);
	} else {
		which = IN(VP_IN_MOUNTS);
		int e2 = vp_root_read_file(c->root, which, 64u << 20, &buf, NULL);
		if (e2 == 0)
			bad = parse_mounts(c, buf, &cap);
		else if (e != -ENOENT || e2 != -ENOENT)
			bad = 1; /* present but unreadable */
		else
			return; /* no mount table at all: no facts */
	}
	n->have_mounts = true;
	if (bad && !n->storage_untraced)
		n->storage_untraced = vp_strdup_printf("the mounts in /%s (%zu line%s unreadable)", which, bad, bad == 1 ? "" : "s");

	/* "/" first, so that it leads every reason */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n_mnts; i++) {
			const struct mnt *m = &c->mnts[i];
			if ((pass == 0) != streq(m->point, "/") || !mount_relevant(m))
				continue;
			_cleanup_strv_free_ char **addrs = NULL, **visited = NULL;
			bool untraced = false;
			trace_mount(c, m, 0, &visited, &addrs, &untraced);
			_cleanup_free_ char *what = vp_strdup_printf("%s (%s on %s)", m->point, m->fstype, m->source);
			if (what)
				record(n, addrs, untraced, what, &n->storage_untraced);
		}
}

/* proc/swaps: "Filename Type Size Used Priority", a header line first. */
static void load_swaps(struct ctx *c)
{
	struct vp_hostneeds *n = c->n;
	_cleanup_free_ char *buf = NULL;
	int e = vp_root_read_file(c->root, IN(VP_IN_SWAPS), 16u << 20, &buf, NULL);
	if (e == -ENOENT)
		return;
	n->have_mounts = true;
	if (e < 0) {
		if (!n->storage_untraced)
			n->storage_untraced = vp_strdup_printf("swap (/%s unreadable)", IN(VP_IN_SWAPS));
		return;
	}
	bool first = true;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (first && vp_startswith(line, "Filename")) {
			first = false;
			continue;
		}
		first = false;
		_cleanup_strv_free_ char **f = NULL;
		if (vp_strv_split(line, " \t", &f) < 0)
			return;
		_cleanup_free_ char *file = vp_strv_len(f) >= 2 ? unescape(f[0]) : NULL;
		if (!file || file[0] != '/') {
			if (!n->storage_untraced)
				n->storage_untraced = vp_strdup_printf("swap (a malformed line in /%s)", IN(VP_IN_SWAPS));
			continue;
		}
		_cleanup_strv_free_ char **addrs = NULL, **visited = NULL;
		bool untraced = false;
		_cleanup_free_ char *what = NULL;
		if (streq(f[1], "file")) {
			what = vp_strdup_printf("swap file %s", file);
			const struct mnt *m = mount_of_path(c, file);
			if (m && mount_relevant(m))
				trace_mount(c, m, 0, &visited, &addrs, &untraced);
			else if (!m)
				untraced = true;
		} else {
			what = vp_strdup_printf("swap on %s", file);
			_cleanup_free_ char *name = source_block(c, file);
			if (name)
				walk_block(c, name, 0, &visited, &addrs, &untraced);
			else
				untraced = true;
		}
		if (what)
			record(n, addrs, untraced, what, &n->storage_untraced);
	}
}

/* ------------------------------------------------------------ network */

static void walk_net(struct ctx *c, const char *name, int depth, char ***visited, char ***addrs, bool *untraced)
{
	if (!name_ok(name) || depth > MAX_DEPTH || ++c->nodes > NODE_BUDGET) {
		*untraced = true;
		return;
	}
	if (vp_strv_contains(*visited, name))
		return;
	vp_strv_push(visited, name);
	char rel[PATH_MAX], real[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/%s", IN(VP_IN_CLASS_NET), name);
	if (link_path(c->root, rel, real) < 0) {
		*untraced = true;
		return;
	}
	size_t found = pci_components(real, addrs);
	/* bonds, VLANs, macvlans and bridges name their lower devices with lower_* links; bridges also in brif/ */
	_cleanup_free_ char *lower_rel = subst(VP_IN_NET_LOWER, "$NETDEV", name);
	char *glob = lower_rel ? strrchr(lower_rel, '/') : NULL;
	_cleanup_strv_free_ char **ents = NULL;
	if (glob)
		*glob = 0; /* list the interface's directory for its lower_* links */
	if (glob && vp_root_list(c->root, lower_rel, &ents) == 0)
		for (size_t i = 0; ents[i]; i++)
			if (vp_startswith(ents[i], "lower_") && ents[i][6]) {
				found++;
				walk_net(c, ents[i] + 6, depth + 1, visited, addrs, untraced);
			}
	_cleanup_free_ char *brif_rel = subst(VP_IN_NET_BRIF, "$NETDEV", name);
	_cleanup_strv_free_ char **ports = NULL;
	if (vp_root_list(c->root, brif_rel, &ports) == 0)
		for (size_t i = 0; ports[i]; i++) {
			found++;
			walk_net(c, ports[i], depth + 1, visited, addrs, untraced);
		}
	(void)found; /* a virtual interface with nothing below (a tunnel, WireGuard) uses no local NIC of its own */
}

/* The interfaces of default routes, each with the families routed through it ("IPv4", "IPv6", "IPv4 and IPv6"). */
struct route_ifs {
	char **names;
	char **families;
};

static void route_add(struct route_ifs *r, const char *iface, const char *family)
{
	for (size_t i = 0; r->names && r->names[i]; i++)
		if (streq(r->names[i], iface)) {
			if (!strstr(r->families[i], family)) {
				char *f = vp_strdup_printf("%s and %s", r->families[i], family);
				if (f) {
					free(r->families[i]);
					r->families[i] = f;
				}
			}
			return;
		}
	if (vp_strv_push(&r->names, iface) < 0)
		return;
	if (vp_strv_push(&r->families, family) < 0)
		r->names[vp_strv_len(r->names) - 1] = (free(r->names[vp_strv_len(r->names) - 1]), NULL);
}

static void trace_routes(struct ctx *c, struct route_ifs *r)
{
	struct vp_hostneeds *n = c->n;
	for (size_t i = 0; r->names && r->names[i]; i++) {
		_cleanup_strv_free_ char **addrs = NULL, **visited = NULL;
		bool untraced = false;
		walk_net(c, r->names[i], 0, &visited, &addrs, &untraced);
		_cleanup_free_ char *what = vp_strdup_printf("the default route (%s via %s)", r->families[i], r->names[i]);
		if (what)
			record(n, addrs, untraced, what, &n->network_untraced);
	}
}

static bool hex_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	if (strlen(s) > 8 || vp_parse_hex(s, 0xffffffffu, &v) < 0)
		return false;
	*ret = (uint32_t)v;
	return true;
}

#define RTF_UP_ 0x0001u
#define RTF_REJECT_ 0x0200u

/* proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT" (hex, a header first). */
static void load_route4(struct ctx *c, struct route_ifs *r)
{
	struct vp_hostneeds *n = c->n;
	_cleanup_free_ char *buf = NULL;
	int e = vp_root_read_file(c->root, IN(VP_IN_ROUTE), 16u << 20, &buf, NULL);
	if (e == -ENOENT)
		return;
	n->have_routes = true;
	if (e < 0) {
		if (!n->network_untraced)
			n->network_untraced = vp_strdup_printf("the default route (/%s unreadable)", IN(VP_IN_ROUTE));
		return;
	}
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (vp_startswith(line, "Iface"))
			continue;
		_cleanup_strv_free_ char **f = NULL;
		uint32_t dest, flags, mask;
		if (vp_strv_split(line, " \t", &f) < 0)
			return;
		if (vp_strv_len(f) < 8 || !hex_u32(f[1], &dest) || !hex_u32(f[3], &flags) || !hex_u32(f[7], &mask) || !name_ok(f[0])) {
			if (!n->network_untraced)
				n->network_untraced = vp_strdup_printf("the default route (a malformed line in /%s)", IN(VP_IN_ROUTE));
			continue;
		}
		if (dest || mask || !(flags & RTF_UP_) || (flags & RTF_REJECT_))
			continue;
		route_add(r, f[0], "IPv4");
	}
}

/* proc/net/ipv6_route: "DEST PLEN SRC SPLEN NEXTHOP METRIC REFCNT USE FLAGS IFACE" (hex, no header). */
static void load_route6(struct ctx *c, struct route_ifs *r)
{
	struct vp_hostneeds *n = c->n;
	_cleanup_free_ char *buf = NULL;
	int e = vp_root_read_file(c->root, IN(VP_IN_IPV6_ROUTE), 64u << 20, &buf, NULL);
	if (e == -ENOENT)
		return;
	n->have_routes = true;
	if (e < 0) {
		if (!n->network_untraced)
			n->network_untraced = vp_strdup_printf("the default route (/%s unreadable)", IN(VP_IN_IPV6_ROUTE));
		return;
	}
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_strv_free_ char **f = NULL;
		uint32_t flags;
		if (vp_strv_split(line, " \t", &f) < 0)
			return;
		if (vp_strv_len(f) < 10 || strlen(f[0]) != 32 || strlen(f[1]) != 2 || !hex_u32(f[8], &flags) || !name_ok(f[9])) {
			if (!n->network_untraced)
				n->network_untraced = vp_strdup_printf("the default route (a malformed line in /%s)", IN(VP_IN_IPV6_ROUTE));
			continue;
		}
		if (strspn(f[0], "0") != 32 || !streq(f[1], "00") || !(flags & RTF_UP_) || (flags & RTF_REJECT_) ||
		    streq(f[9], "lo"))
			continue;
		route_add(r, f[9], "IPv6");
	}
}

/* ------------------------------------------------------------ API */

struct vp_hostneeds *vp_hostneeds_load(struct vp_root *root, struct vp_host *h)
{
	struct vp_hostneeds *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	struct ctx c = { .root = root, .n = n };
	load_mounts(&c);
	load_swaps(&c);
	struct route_ifs r = { 0 };
	load_route4(&c, &r);
	load_route6(&c, &r);
	trace_routes(&c, &r);
	vp_strv_free(r.names);
	vp_strv_free(r.families);
	for (size_t i = 0; i < c.n_mnts; i++)
		mnt_free(&c.mnts[i]);
	free(c.mnts);
	(void)h;
	return n;
}

void vp_hostneeds_free(struct vp_hostneeds *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].what);
	free(n->v);
	free(n->storage_untraced);
	free(n->network_untraced);
	free(n);
}

bool vp_hostneeds_have_mounts(const struct vp_host *h)
{
	return h->needs && h->needs->have_mounts;
}

bool vp_hostneeds_have_routes(const struct vp_host *h)
{
	return h->needs && h->needs->have_routes;
}

char *vp_hostneeds_of(const struct vp_host *h, const struct vp_pci_dev *d)
{
	const struct vp_hostneeds *n = h->needs;
	if (!n || !d || vp_class_is_bridge(d->class_code))
		return NULL; /* bridges serve everything below them but are never handed over */
	_cleanup_strv_free_ char **whats = NULL;
	for (size_t i = 0; i < n->n; i++)
		if (streq(n->v[i].addr, d->addr))
			vp_strv_push(&whats, n->v[i].what);
	if (n->storage_untraced && (d->class_code >> 16) == 0x01)
		vp_strv_pushf(&whats, "perhaps %s: that device could not be traced, so every storage controller counts", n->storage_untraced);
	if (n->network_untraced && (d->class_code >> 16) == 0x02)
		vp_strv_pushf(&whats, "perhaps %s: that interface could not be traced, so every network controller counts", n->network_untraced);
	size_t k = vp_strv_len(whats);
	if (!k)
		return NULL;
	struct vp_buf b = { 0 };
	size_t shown = k > 4 ? 3 : k;
	for (size_t i = 0; i < shown; i++)
		vp_buf_printf(&b, "%s%s", i == 0 ? "" : (i + 1 == shown && shown == k) ? " and " : ", ", whats[i]);
	if (shown < k)
		vp_buf_printf(&b, " and %zu more", k - shown);
	return vp_buf_steal(&b);
}

size_t vp_hostneeds_judge(const struct vp_host *h, char *const *addrs, const struct vp_needs_opts *o, char ***refusals,
			  char ***warnings)
{
	size_t refused = 0;
	for (size_t i = 0; addrs && addrs[i]; i++) {
		const struct vp_pci_dev *d = vp_host_dev(h, addrs[i]);
		_cleanup_free_ char *what = vp_hostneeds_of(h, d);
		if (!what)
			continue;
		if (o->allow_host_device) {
			vp_strv_pushf(warnings, "--allow-host-device: %s (%s) is needed by the host for %s; the host loses it when "
				      "vfio-pci takes the device", d->addr, vp_class_short(d->class_code), what);
		} else {
			vp_strv_pushf(refusals, "%s (%s) is needed by the host for %s; hand over another device, or add "
				      "--allow-host-device to do it anyway", d->addr, vp_class_short(d->class_code), what);
			refused++;
		}
	}
	if (!o->boot_vga && !o->last_display)
		return refused;
	size_t displays = 0, taken = 0;
	for (size_t ci = 0; ci < h->n_cards; ci++) {
		const struct vp_card *c = &h->cards[ci];
		bool sel = false;
		for (size_t f = 0; f < c->n_devs && !sel; f++)
			sel = vp_strv_contains(addrs, c->devs[f]->addr);
		if (!c->display)
			continue;
		displays++;
		taken += sel;
		if (!sel || !c->boot_vga || !o->boot_vga)
			continue;
		if (o->allow_host_gpu) {
			vp_strv_pushf(warnings, "--allow-host-gpu: %s is the boot display (boot_vga=1); the host has no console on it "
				      "once vfio-pci takes it", c->slot);
		} else {
			vp_strv_pushf(refusals, "%s is the boot display (boot_vga=1): the host's console depends on it; hand over a "
				      "secondary GPU, or add --allow-host-gpu for a single-GPU setup (manage the host over SSH)", c->slot);
			refused++;
		}
	}
	if (o->last_display && displays && taken == displays) {
		if (o->allow_host_gpu) {
			vp_strv_pushf(warnings, "--allow-host-gpu: no display device is left for the host");
		} else {
			vp_strv_pushf(refusals, "handing over %s leaves the host without any display device; keep one GPU for the "
				      "host, or add --allow-host-gpu for a single-GPU setup", taken > 1 ? "these cards" : "this card");
			refused++;
		}
	}
	return refused;
}

int vp_hostneeds_trace_block(struct vp_root *root, const char *name, char ***ret_addrs, bool *ret_untraced)
{
	struct ctx c = { .root = root };
	char **visited = NULL, **addrs = NULL;
	bool untraced = false;
	walk_block(&c, name, 0, &visited, &addrs, &untraced);
	vp_strv_free(visited);
	if (addrs)
		vp_strv_sort(addrs);
	else
		addrs = calloc(1, sizeof(char *));
	*ret_addrs = addrs;
	*ret_untraced = untraced;
	return addrs ? 0 : -ENOMEM;
}

int vp_hostneeds_trace_netdev(struct vp_root *root, const char *name, char ***ret_addrs, bool *ret_untraced)
{
	struct ctx c = { .root = root };
	char **visited = NULL, **addrs = NULL;
	bool untraced = false;
	walk_net(&c, name, 0, &visited, &addrs, &untraced);
	vp_strv_free(visited);
	if (addrs)
		vp_strv_sort(addrs);
	else
		addrs = calloc(1, sizeof(char *));
	*ret_addrs = addrs;
	*ret_untraced = untraced;
	return addrs ? 0 : -ENOMEM;
}

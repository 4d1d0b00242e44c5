/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host snapshot (see snapshot.h). Walks the loader's input tables through
 * the root handle, resolving symlinks inside the root by hand so that every
 * link on the way is stored as a link, and writes a tar.gz with libarchive.
 */
#include "snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kmsg.h"
#include "util.h"

struct ctx {
	struct vp_root *root;
	const struct vp_host *h;
	struct archive *a;
	struct vp_snapshot_stats *st;
	char **seen;            /* open-addressing hash set of stored paths */
	size_t seen_cap, seen_n;
	time_t now;
	int error;
};

static size_t hash(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Adds rel to the set; returns false when it was there already. */
static bool seen_add(struct ctx *c, const char *rel)
{
	if ((c->seen_n + 1) * 2 > c->seen_cap) {
		size_t cap = c->seen_cap ? c->seen_cap * 2 : 1024;
		char **n = calloc(cap, sizeof(char *));
		if (!n) {
			c->error = -ENOMEM;
			return false;
		}
		for (size_t i = 0; i < c->seen_cap; i++)
			if (c->seen[i]) {
				size_t j = hash(c->seen[i]) & (cap - 1);
				while (n[j])
					j = (j + 1) & (cap - 1);
				n[j] = c->seen[i];
			}
		free(c->seen);
		c->seen = n;
		c->seen_cap = cap;
	}
	size_t j = hash(rel) & (c->seen_cap - 1);
	while (c->seen[j]) {
		if (streq(c->seen[j], rel))
			return false;
		j = (j + 1) & (c->seen_cap - 1);
	}
	if (!(c->seen[j] = strdup(rel))) {
		c->error = -ENOMEM;
		return false;
	}
	c->seen_n++;
	return true;
}

static void put(struct ctx *c, const char *rel, unsigned type, mode_t perm, const void *data, size_t len, const char *link)
{
	if (c->error)
		return;
	struct archive_entry *e = archive_entry_new();
	if (!e) {
		c->error = -ENOMEM;
		return;
	}
	archive_entry_set_pathname(e, rel);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? (perm | 0700) : type == AE_IFLNK ? 0777 : (perm | 0400));
	archive_entry_set_mtime(e, c->now, 0);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	int r = archive_write_header(c->a, e);
	if (r == ARCHIVE_WARN) {
		/* a name (or link target) that is not UTF-8: pax stores its bytes as they are (hdrcharset=BINARY) */
		vp_strv_push_take(&c->st->notes, vp_strdup_printf("/%s: name is not UTF-8, stored with its bytes as they are", rel));
		r = ARCHIVE_OK;
	} else if (r == ARCHIVE_FAILED) { /* this entry only; the archive goes on */
		const char *why = archive_error_string(c->a);
		vp_strv_push_take(&c->st->notes, vp_strdup_printf("/%s: skipped (%s)", rel, why ? why : "the archive refused it"));
		c->st->skipped++;
		archive_entry_free(e);
		return;
	}
	if (r != ARCHIVE_OK || (type == AE_IFREG && len && archive_write_data(c->a, data, len) != (la_ssize_t)len)) {
		const char *why = archive_error_string(c->a);
		if (!c->st->error)
			c->st->error = vp_strdup_printf("/%s: %s", rel, why ? why : "write failed");
		c->error = -EIO;
	}
	archive_entry_free(e);
}

/* Stores every missing parent directory of rel. */
static void put_parents(struct ctx *c, const char *rel)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *p = buf; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (seen_add(c, buf)) {
			struct stat st;
			mode_t m = vp_root_lstat(c->root, buf, &st) == 0 ? st.st_mode & 0777 : 0755;
			put(c, buf, AE_IFDIR, m, NULL, 0, NULL);
			c->st->dirs++;
		}
		*p = '/';
	}
}

static void put_dir(struct ctx *c, const char *rel, mode_t m)
{
	put_parents(c, rel);
	if (seen_add(c, rel)) {
		put(c, rel, AE_IFDIR, m, NULL, 0, NULL);
		c->st->dirs++;
	}
}

static void put_link(struct ctx *c, const char *rel, const char *target)
{
	put_parents(c, rel);
	if (seen_add(c, rel)) {
		put(c, rel, AE_IFLNK, 0777, NULL, 0, target);
		c->st->links++;
	}
}

static void put_file(struct ctx *c, const char *rel, mode_t m, const void *data, size_t len)
{
	put_parents(c, rel);
	if (seen_add(c, rel)) {
		put(c, rel, AE_IFREG, m, data, len, NULL);
		c->st->files++;
	}
}

/*
 * Resolves rel inside the root without following the last component, storing
 * every symlink met on the way. ret gets the canonical path (no links in its
 * directories). Returns 0, or <0 when some component is missing.
 */
static int canon(struct ctx *c, const char *rel, char ret[PATH_MAX])
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", rel);
	vp_path_normalize(path);
	for (int depth = 0; depth < 40; depth++) {
		char done[PATH_MAX] = "";
		const char *p = path;
		bool restarted = false;
		while (*p) {
			const char *slash = strchr(p, '/');
			if (!slash)
				break; /* the last component is not resolved */
			char pre[PATH_MAX];
			if (snprintf(pre, sizeof(pre), "%s%s%.*s", done, *done ? "/" : "", (int)(slash - p), p) >= (int)sizeof(pre))
				return -ENAMETOOLONG;
			struct stat st;
			int e = vp_root_lstat(c->root, pre, &st);
			if (e < 0)
				return e;
			if (S_ISLNK(st.st_mode)) {
				_cleanup_free_ char *t = NULL;
				if (vp_root_read_link(c->root, pre, &t) < 0)
					return -EINVAL;
				put_link(c, pre, t);
				char next[PATH_MAX];
				int n = t[0] == '/' ? snprintf(next, sizeof(next), "%s/%s", t + 1, slash + 1)
						    : snprintf(next, sizeof(next), "%s/%s/%s", done, t, slash + 1);
				if (n >= (int)sizeof(next))
					return -ENAMETOOLONG;
				vp_path_normalize(next);
				snprintf(path, sizeof(path), "%s", next);
				restarted = true;
				break;
			}
			snprintf(done, sizeof(done), "%s", pre);
			p = slash + 1;
		}
		if (!restarted) {
			snprintf(ret, PATH_MAX, "%s", path);
			return 0;
		}
	}
	return -ELOOP;
}

static bool secret_or_noise(const char *name)
{
	/* kernel addresses (KASLR) in module sections and notes; binary config space wakes devices */
	return streq(name, "sections") || streq(name, "notes") || streq(name, "config") || streq(name, "rom") ||
	       vp_startswith(name, "resource");
}

static void capture(struct ctx *c, const char *rel, enum vp_input_kind kind, int depth);

static void capture_file(struct ctx *c, const char *can, const struct stat *st)
{
	char *buf = NULL;
	size_t len = 0;
	/* /proc/interrupts and /proc/cpuinfo grow with the CPU count (a few MiB on big servers)
	 * and are read whole by the loader; everything else is a small attribute or config. */
	size_t max = vp_startswith(can, "proc/") ? VP_SNAPSHOT_MAX_PROC : VP_SNAPSHOT_MAX_FILE;
	int e = vp_root_read_file(c->root, can, max, &buf, &len);
	if (e < 0) {
		c->st->skipped++; /* too large, unreadable, or not a regular file */
		return;
	}
	put_file(c, can, st->st_mode & 0777, buf, len);
	free(buf);
}

static void capture_tree(struct ctx *c, const char *can, int depth)
{
	_cleanup_strv_free_ char **names = NULL;
	struct stat st;
	if (depth > 8 || vp_root_lstat(c->root, can, &st) < 0)
		return;
	put_dir(c, can, st.st_mode & 0777);
	if (vp_root_list(c->root, can, &names) < 0)
		return;
	for (size_t i = 0; names[i] && !c->error; i++) {
		if (secret_or_noise(names[i]))
			continue;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", can, names[i]) >= (int)sizeof(sub))
			continue;
		capture(c, sub, VP_INPUT_TREE, depth + 1);
	}
}

static void capture(struct ctx *c, const char *rel, enum vp_input_kind kind, int depth)
{
	char can[PATH_MAX];
	if (c->error || canon(c, rel, can) < 0)
		return;
	struct stat st;
	if (vp_root_lstat(c->root, can, &st) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *t = NULL;
		if (vp_root_read_link(c->root, can, &t) < 0)
			return;
		put_link(c, can, t);
		if (kind == VP_INPUT_LINK || kind == VP_INPUT_LIST || (kind == VP_INPUT_TREE && depth > 0))
			return; /* read with readlink(), or listed by name: the link is what is read */
		if (depth > 40)
			return;
		/* follow: the target is what the loader reads */
		char next[PATH_MAX];
		const char *slash = strrchr(can, '/');
		if (t[0] == '/')
			snprintf(next, sizeof(next), "%s", t + 1);
		else
			snprintf(next, sizeof(next), "%.*s%s%s", slash ? (int)(slash - can) : 0, can, slash ? "/" : "", t);
		vp_path_normalize(next);
		return capture(c, next, kind, depth + 1);
	}
	switch (kind) {
	case VP_INPUT_FILE:
		if (S_ISREG(st.st_mode))
			capture_file(c, can, &st);
		break;
	case VP_INPUT_EXISTS:
		if (S_ISDIR(st.st_mode))
			put_dir(c, can, st.st_mode & 0777);
		else
			put_file(c, can, (st.st_mode & 0777) ? st.st_mode & 0777 : 0644, "", 0);
		break;
	case VP_INPUT_LINK:
		break; /* not a link: nothing the loader would read */
	case VP_INPUT_LIST: {
		if (!S_ISDIR(st.st_mode))
			break;
		put_dir(c, can, st.st_mode & 0777);
		_cleanup_strv_free_ char **names = NULL;
		if (vp_root_list(c->root, can, &names) < 0)
			break;
		for (size_t i = 0; names[i]; i++) {
			char sub[PATH_MAX];
			struct stat s2;
			if (snprintf(sub, sizeof(sub), "%s/%s", can, names[i]) >= (int)sizeof(sub) ||
			    vp_root_lstat(c->root, sub, &s2) < 0)
				continue;
			if (S_ISLNK(s2.st_mode))
				capture(c, sub, VP_INPUT_LINK, depth + 1);
			else if (S_ISDIR(s2.st_mode))
				put_dir(c, sub, s2.st_mode & 0777);
			else
				put_file(c, sub, s2.st_mode & 0777, "", 0);
		}
		break;
	}
	case VP_INPUT_TREE:
		if (S_ISDIR(st.st_mode))
			capture_tree(c, can, depth);
		else if (S_ISREG(st.st_mode))
			capture_file(c, can, &st);
		break;
	}
}

/* Expands "$KVER", "$BIN", a glob in the last component; "$GROUP" is handled by the caller. */
static void capture_input(struct ctx *c, const char *path, enum vp_input_kind kind)
{
	const char *k = strstr(path, "$KVER");
	if (k) {
		const char *kv = c->h->kernel_release;
		if (!kv || strchr(kv, '/'))
			return;
		char buf[PATH_MAX];
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(k - path), path, kv, k + 5);
		return capture_input(c, buf, kind);
	}
	if (vp_startswith(path, "$BIN/")) {
		for (size_t i = 0; vp_bin_dirs[i]; i++) {
			char buf[PATH_MAX];
			snprintf(buf, sizeof(buf), "%s/%s", vp_bin_dirs[i], path + 5);
			capture_input(c, buf, kind);
		}
		return;
	}
	const char *slash = strrchr(path, '/');
	if (slash && strchr(slash, '*')) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		_cleanup_strv_free_ char **names = NULL;
		if (vp_root_list(c->root, dir, &names) < 0)
			return;
		for (size_t i = 0; names[i]; i++)
			if (fnmatch(slash + 1, names[i], FNM_PERIOD) == 0) {
				char buf[PATH_MAX];
				if (snprintf(buf, sizeof(buf), "%s/%s", dir, names[i]) < (int)sizeof(buf))
					capture(c, buf, kind, 0);
			}
		return;
	}
	capture(c, path, kind, 0);
}

/* Inputs with "$BLOCK" or "$NETDEV": once per entry of sys/class/block or sys/class/net. */
static bool capture_per_entry(struct ctx *c, const struct vp_input *in)
{
	static const struct { const char *var; enum vp_host_input_id dir; } vars[] = {
		{ "$BLOCK", VP_IN_CLASS_BLOCK }, { "$NETDEV", VP_IN_CLASS_NET },
	};
	for (size_t v = 0; v < ARRAY_SIZE(vars); v++) {
		const char *k = strstr(in->path, vars[v].var);
		if (!k)
			continue;
		_cleanup_strv_free_ char **names = NULL;
		if (vp_root_list(c->root, vp_host_inputs[vars[v].dir].path, &names) < 0)
			return true;
		for (size_t j = 0; names[j] && !c->error; j++) {
			char buf[PATH_MAX];
			if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(k - in->path), in->path, names[j], k + strlen(vars[v].var)) <
			    (int)sizeof(buf))
				capture_input(c, buf, in->kind);
		}
		return true;
	}
	return false;
}

static int kmsg_line(void *ud, const char *rec, size_t len)
{
	struct vp_buf *out = ud;
	if (vp_buf_append(out, rec, len) < 0 || vp_buf_append(out, "\n", 1) < 0)
		return -ENOMEM;
	return 0;
}

/* The kernel log of this boot: /dev/kmsg records on the live host, else a stored log of the root. */
static void capture_kmsg(struct ctx *c)
{
	if (!vp_root_is_live(c->root)) {
		struct stat st;
		if (vp_root_stat(c->root, VP_SNAPSHOT_KMSG, &st) == 0)
			capture(c, VP_SNAPSHOT_KMSG, VP_INPUT_FILE, 0);
		else if (vp_root_stat(c->root, "dev/kmsg", &st) == 0 && S_ISREG(st.st_mode)) {
			char *buf = NULL;
			size_t len;
			if (vp_root_read_file(c->root, "dev/kmsg", VP_SNAPSHOT_MAX_FILE * 16, &buf, &len) == 0)
				put_file(c, VP_SNAPSHOT_KMSG, 0644, buf, len);
			free(buf);
		}
		return;
	}
	struct vp_buf out = { 0 };
	long n = vp_kmsg_read(c->root, kmsg_line, &out);
	if (n < 0)
		c->st->kmsg_error = (int)n;
	else
		c->st->kmsg_lines = (size_t)n;
	_cleanup_free_ char *s = vp_buf_steal(&out);
	if (s && c->st->kmsg_lines)
		put_file(c, VP_SNAPSHOT_KMSG, 0644, s, strlen(s));
}

int vp_snapshot_write(struct vp_root *root, const struct vp_host *h, int fd, struct vp_snapshot_stats *ret_stats)
{
	struct vp_snapshot_stats st = { 0 };
	struct ctx c = { .root = root, .h = h, .st = &st, .now = time(NULL) };
	c.a = archive_write_new();
	if (!c.a)
		return -ENOMEM;
	if (archive_write_set_format_pax_restricted(c.a) != ARCHIVE_OK || archive_write_add_filter_gzip(c.a) != ARCHIVE_OK ||
	    archive_write_open_fd(c.a, fd) != ARCHIVE_OK) {
		archive_write_free(c.a);
		return -EIO;
	}
	for (size_t i = 0; i < _VP_IN_MAX && !c.error; i++) {
		const struct vp_input *in = &vp_host_inputs[i];
		if (capture_per_entry(&c, in)) /* "$BLOCK", "$NETDEV" (hostneeds.c) */
			continue;
		const char *g = strstr(in->path, "$GROUP");
		if (g) {
			for (size_t j = 0; j < h->n_groups; j++) {
				char buf[PATH_MAX];
				snprintf(buf, sizeof(buf), "%.*s%d%s", (int)(g - in->path), in->path, h->groups[j].id, g + 6);
				capture_input(&c, buf, in->kind);
			}
			continue;
		}
		capture_input(&c, in->path, in->kind);
		if (i == VP_IN_PCI_DEVICES) {
			_cleanup_strv_free_ char **names = NULL;
			if (vp_root_list(root, in->path, &names) < 0)
				continue;
			for (size_t j = 0; names[j] && !c.error; j++) {
				for (size_t k = 0; k < _VP_PA_MAX; k++) {
					char attr[PATH_MAX];
					snprintf(attr, sizeof(attr), "%s/%s/%s", in->path, names[j], vp_pci_dev_attrs[k].path);
					capture(&c, attr, vp_pci_dev_attrs[k].kind, 0);
				}
			}
		}
	}
	if (!c.error)
		capture_kmsg(&c);
	int e = c.error;
	if (archive_write_close(c.a) != ARCHIVE_OK && !e)
		e = -EIO;
	archive_write_free(c.a);
	for (size_t i = 0; i < c.seen_cap; i++)
		free(c.seen[i]);
	free(c.seen);
	if (ret_stats)
		*ret_stats = st;
	else
		vp_snapshot_stats_done(&st);
	return e;
}

void vp_snapshot_stats_done(struct vp_snapshot_stats *s)
{
	vp_strv_free(s->notes);
	s->notes = NULL;
	free(s->error);
	s->error = NULL;
}

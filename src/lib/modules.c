/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Module state through libkmod (see modules.h). Uses root.c for paths. */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char *vp_modules_dir(struct vp_root *root, const char *kver)
{
	if (strchr(kver, '/') || streq(kver, "..") || streq(kver, "."))
		return NULL;
	static const char *const bases[] = { "lib/modules", "usr/lib/modules" };
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		char *rel = vp_strdup_printf("%s/%s", bases[i], kver);
		if (rel && vp_root_exists(root, rel) > 0)
			return rel;
		free(rel);
	}
	return NULL;
}

/* modules.builtin names files with hyphens or underscores as built; compare normalized. */
static void normalize(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static enum vp_mod_state builtin_text(struct vp_root *root, const char *dir, const char *modname)
{
	_cleanup_free_ char *rel = vp_strdup_printf("%s/modules.builtin", dir);
	_cleanup_free_ char *buf = NULL;
	if (!rel || vp_root_read_file(root, rel, 16u << 20, &buf, NULL) < 0)
		return VP_MOD_UNKNOWN;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		char *dot = strstr(base, ".ko");
		if (dot)
			*dot = 0;
		normalize(base);
		if (streq(base, modname))
			return VP_MOD_BUILTIN;
	}
	return VP_MOD_MISSING;
}

/*
 * libkmod takes paths, and would follow a link in DIR/etc/modprobe.d to this machine's own files
 * and print what it cannot parse on stderr. So it gets a private copy: the index files of the
 * modules directory and the modprobe.d files, each read through the root handle (links resolve
 * inside the root), the configuration reduced to the lines modprobe.d(5) defines. What was left
 * out becomes one note per file.
 */
struct kmod_copy {
	char dir[64]; /* "/tmp/vp-kmod-XXXXXX"; holds modules/ and conf/ */
	char **files; /* created, for removal */
};

static int write_copy(struct kmod_copy *c, const char *sub, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *path = vp_strdup_printf("%s/%s/%s", c->dir, sub, name);
	if (!path)
		return -ENOMEM;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	vp_strv_push(&c->files, path);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}

static void remove_copy(struct kmod_copy *c)
{
	for (size_t i = 0; c->files && c->files[i]; i++)
		unlink(c->files[i]);
	vp_strv_free(c->files);
	c->files = NULL;
	static const char *const subs[] = { "modules", "conf" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *d = vp_strdup_printf("%s/%s", c->dir, subs[i]);
		if (d)
			rmdir(d);
	}
	rmdir(c->dir);
}

/* A modprobe.d line libkmod understands: a comment, or one of the commands of modprobe.d(5). */
static bool conf_line_ok(const char *l, size_t n)
{
	static const char *const cmds[] = { "alias", "options", "install", "remove", "blacklist", "softdep", "weakdep" };
	size_t i = 0;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n || l[i] == '#')
		return true;
	for (size_t k = 0; k < n; k++)
		if (l[k] == 0 || ((unsigned char)l[k] < 0x20 && l[k] != '\t'))
			return false;
	for (size_t k = 0; k < ARRAY_SIZE(cmds); k++) {
		size_t cl = strlen(cmds[k]);
		if (n - i > cl && !memcmp(l + i, cmds[k], cl) && (l[i + cl] == ' ' || l[i + cl] == '\t'))
			return true;
	}
	return false;
}

/* Copies the *.conf files of one modprobe.d directory into conf/ (later directories replace
 * files of the same name, as modprobe does: /etc over /lib). */
static void copy_conf_dir(struct vp_root *root, struct kmod_copy *c, const char *rel, char ***notes)
{
	_cleanup_strv_free_ char **names = NULL;
	if (vp_root_list(root, rel, &names) < 0)
		return;
	for (size_t i = 0; names[i]; i++) {
		const char *nm = names[i];
		size_t nl = strlen(nm);
		if (nl < 6 || strcmp(nm + nl - 5, ".conf") || nm[0] == '.' || strchr(nm, '/'))
			continue;
		_cleanup_free_ char *frel = vp_strdup_printf("%s/%s", rel, nm);
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		int e = frel ? vp_root_read_file(root, frel, 1u << 20, &buf, &len) : -ENOMEM;
		if (e < 0) {
			if (notes)
				vp_strv_push_take(notes, vp_strdup_printf("/%s: cannot be read (%s), left out of the module lookup",
									  frel ? frel : rel, strerror(-e)));
			continue;
		}
		struct vp_buf out = { 0 };
		size_t bad = 0, first_bad = 0;
		bool cont = false;
		for (size_t off = 0, lineno = 1; off < len; lineno++) {
			const char *l = buf + off;
			const char *nlp = memchr(l, '\n', len - off);
			size_t n = nlp ? (size_t)(nlp - l) : len - off;
			off += n + (nlp ? 1 : 0);
			bool ok = cont ? !memchr(l, 0, n) : conf_line_ok(l, n);
			if (ok) {
				vp_buf_append(&out, l, n);
				vp_buf_append(&out, "\n", 1);
				cont = n && l[n - 1] == '\\';
			} else {
				if (!bad++)
					first_bad = lineno;
				cont = false;
			}
		}
		_cleanup_free_ char *data = vp_buf_steal(&out);
		_cleanup_free_ char *dst = vp_strdup_printf("%s/conf/%s", c->dir, nm);
		if (dst)
			unlink(dst); /* a file of the same name from an earlier directory */
		write_copy(c, "conf", nm, data ? data : "", data ? strlen(data) : 0);
		if (bad && notes)
			vp_strv_push_take(notes, vp_strdup_printf("/%s: %zu line%s that modprobe.d(5) does not define (first: line %zu), "
								  "ignored", frel, bad, bad == 1 ? "" : "s", first_bad));
	}
}

static int make_copy(struct vp_root *root, const char *moddir, struct kmod_copy *c, char ***notes)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(c->dir, sizeof(c->dir), "%s/vp-kmod-XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(c->dir))
		return -errno;
	_cleanup_free_ char *m = vp_strdup_printf("%s/modules", c->dir);
	_cleanup_free_ char *cf = vp_strdup_printf("%s/conf", c->dir);
	if (!m || !cf || mkdir(m, 0700) < 0 || mkdir(cf, 0700) < 0) {
		remove_copy(c);
		return -EIO;
	}
	/* what a lookup by name reads (libkmod's index files) */
	static const char *const idx[] = { "modules.dep.bin", "modules.alias.bin", "modules.symbols.bin",
					   "modules.builtin.bin", "modules.builtin.alias.bin" };
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		_cleanup_free_ char *rel = vp_strdup_printf("%s/%s", moddir, idx[i]);
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		if (rel && vp_root_read_file(root, rel, 64u << 20, &buf, &len) >= 0)
			write_copy(c, "modules", idx[i], buf, len);
	}
	static const char *const confs[] = { "usr/lib/modprobe.d", "lib/modprobe.d", "etc/modprobe.d" };
	for (size_t i = 0; i < ARRAY_SIZE(confs); i++)
		copy_conf_dir(root, c, confs[i], notes);
	return 0;
}

/* libkmod's own messages are never printed; they are only counted. */
static void kmod_quiet(void *data, int priority, const char *file, int line, const char *fn, const char *format,
		       va_list args)
{
	(void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
	(*(size_t *)data)++;
}

enum vp_mod_state vp_module_state_notes(struct vp_root *root, const char *kver, const char *name, char ***notes)
{
	_cleanup_free_ char *dir = vp_modules_dir(root, kver);
	if (!dir)
		return VP_MOD_UNKNOWN;
	char modname[64];
	snprintf(modname, sizeof(modname), "%s", name);
	normalize(modname);

	enum vp_mod_state st = builtin_text(root, dir, modname);
	if (st == VP_MOD_BUILTIN)
		return st;

	struct kmod_copy copy = { 0 };
	if (make_copy(root, dir, &copy, notes) < 0)
		return st;
	_cleanup_free_ char *absdir = vp_strdup_printf("%s/modules", copy.dir);
	_cleanup_free_ char *conf = vp_strdup_printf("%s/conf", copy.dir);
	const char *cfgs[] = { conf, NULL };
	struct kmod_ctx *ctx = absdir && conf ? kmod_new(absdir, cfgs) : NULL;
	if (!ctx) {
		remove_copy(&copy);
		return st;
	}
	size_t n_msgs = 0;
	kmod_set_log_fn(ctx, kmod_quiet, &n_msgs);
	kmod_set_log_priority(ctx, 0);
	struct kmod_list *list = NULL;
	if (kmod_module_new_from_lookup(ctx, modname, &list) >= 0 && list) {
		struct kmod_list *it;
		kmod_list_foreach(it, list) {
			struct kmod_module *m = kmod_module_get_module(it);
			const char *path = kmod_module_get_path(m);
			if (path && *path)
				st = VP_MOD_MODULE;
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	remove_copy(&copy);
	return st;
}

enum vp_mod_state vp_module_state(struct vp_root *root, const char *kver, const char *name)
{
	return vp_module_state_notes(root, kver, name, NULL);
}

int vp_installed_kernels(struct vp_root *root, char ***ret)
{
	char **out = NULL;
	static const char *const bases[] = { "lib/modules", "usr/lib/modules" };
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		_cleanup_strv_free_ char **names = NULL;
		if (vp_root_list(root, bases[b], &names) < 0)
			continue;
		for (size_t i = 0; names[i]; i++) {
			char rel1[512], rel2[512];
			snprintf(rel1, sizeof(rel1), "%s/%s/modules.dep", bases[b], names[i]);
			snprintf(rel2, sizeof(rel2), "%s/%s/modules.builtin", bases[b], names[i]);
			if ((vp_root_exists(root, rel1) > 0 || vp_root_exists(root, rel2) > 0) &&
			    !vp_strv_contains(out, names[i]) && vp_strv_push(&out, names[i]) < 0) {
				vp_strv_free(out);
				return -ENOMEM;
			}
		}
	}
	if (!out && !(out = calloc(1, sizeof(char *))))
		return -ENOMEM;
	vp_strv_sort(out);
	*ret = out;
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Module state through libkmod (see modules.h). Uses root.c for paths. */
#include "modules.h"

#include <libkmod.h>
#include <stdio.h>
#include <string.h>

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

enum vp_mod_state vp_module_state(struct vp_root *root, const char *kver, const char *name)
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

	_cleanup_free_ char *absdir = vp_root_host_path(root, dir);
	_cleanup_free_ char *cfg1 = vp_root_host_path(root, "etc/modprobe.d");
	_cleanup_free_ char *cfg2 = vp_root_host_path(root, "lib/modprobe.d");
	const char *cfgs[] = { cfg1, cfg2, NULL };
	struct kmod_ctx *ctx = kmod_new(absdir, cfgs);
	if (!ctx)
		return st;
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
	return st;
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

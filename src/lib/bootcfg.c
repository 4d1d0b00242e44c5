/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Boot configuration files (see bootcfg.h). */
#include "bootcfg.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "fallback.h"
#include "kargs.h"
#include "util.h"

const char *const vp_bls_dirs[] = { "boot/loader/entries", "boot/efi/loader/entries", "efi/loader/entries", NULL };
const char *const vp_grubenv_paths[] = { "boot/grub2/grubenv", "boot/grub/grubenv", NULL };
const char *const vp_grub_cfg_paths[] = { "boot/grub/grub.cfg", "boot/grub2/grub.cfg", NULL };

/* The next line of [p, end): its length without the newline; *next after it. */
static size_t line_at(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*next = nl ? nl + 1 : end;
	return nl ? (size_t)(nl - p) : (size_t)(end - p);
}

static bool key_line(const char *p, size_t len, const char *key)
{
	size_t kl = strlen(key);
	return len > kl && strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t');
}

char *vp_bls_get(const char *text, size_t len, const char *key)
{
	const char *end = text + len, *next;
	for (const char *p = text; p && p < end; p = next) {
		size_t l = line_at(p, end, &next);
		if (!key_line(p, l, key))
			continue;
		const char *v = p + strlen(key);
		while (v < p + l && (*v == ' ' || *v == '\t'))
			v++;
		char *r = strndup(v, (size_t)(p + l - v));
		return r ? vp_strstrip_tail(r) : NULL;
	}
	return NULL;
}

char *vp_bls_options(const char *text, size_t len)
{
	struct vp_buf b = { 0 };
	const char *end = text + len, *next;
	for (const char *p = text; p && p < end; p = next) {
		size_t l = line_at(p, end, &next);
		if (!key_line(p, l, "options"))
			continue;
		const char *v = p + 7;
		while (v < p + l && (*v == ' ' || *v == '\t'))
			v++;
		if (b.len)
			vp_buf_puts(&b, " ");
		vp_buf_append(&b, v, (size_t)(p + l - v));
	}
	char *r = vp_buf_steal(&b);
	return r ? vp_strstrip_tail(r) : NULL;
}

bool vp_bls_entry_is_fallback(const struct vp_bls_entry *e)
{
	if (streq(e->id, "vfio-pilot-fallback"))
		return true;
	_cleanup_free_ char *title = vp_bls_get(e->text, e->len, "title");
	size_t tl = title ? strlen(title) : 0, sl = strlen(VP_FALLBACK_TITLE_SUFFIX);
	return tl >= sl && streq(title + tl - sl, VP_FALLBACK_TITLE_SUFFIX);
}

void vp_bls_entries_free(struct vp_bls_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].rel);
		free(v[i].id);
		free(v[i].text);
	}
	free(v);
}

static int entry_cmp_desc(const void *a, const void *b)
{
	const struct vp_bls_entry *x = a, *y = b;
	return -strverscmp(x->id, y->id);
}

static int load_dir(struct vp_root *root, const char *dir, struct vp_bls_entry **v, size_t *n)
{
	_cleanup_strv_free_ char **names = NULL;
	int e = vp_root_list(root, dir, &names);
	if (e < 0)
		return e;
	size_t first = *n;
	struct vp_bls_entry *nv = realloc(*v, (*n + vp_strv_len(names) + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	for (size_t i = 0; names[i]; i++) {
		size_t l = strlen(names[i]);
		if (l <= 5 || !streq(names[i] + l - 5, ".conf"))
			continue;
		struct vp_bls_entry *x = &nv[*n];
		*x = (struct vp_bls_entry){ .dir = dir };
		x->rel = vp_strdup_printf("%s/%s", dir, names[i]);
		x->id = strndup(names[i], l - 5);
		if (!x->rel || !x->id || vp_root_read_file(root, x->rel, VP_BOOTCFG_MAX, &x->text, &x->len) < 0) {
			free(x->rel);
			free(x->id);
			free(x->text);
			continue;
		}
		x->has_nul = vp_bytes_have_nul(x->text, x->len);
		(*n)++;
	}
	qsort(nv + first, *n - first, sizeof(*nv), entry_cmp_desc);
	return 0;
}

int vp_bls_load(struct vp_root *root, const char *dir, struct vp_bls_entry **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	int e = load_dir(root, dir, ret, ret_n);
	if (e < 0) {
		vp_bls_entries_free(*ret, *ret_n);
		*ret = NULL;
		*ret_n = 0;
	}
	return e;
}

int vp_bls_load_all(struct vp_root *root, struct vp_bls_entry **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	for (size_t d = 0; vp_bls_dirs[d]; d++) {
		int e = load_dir(root, vp_bls_dirs[d], ret, ret_n);
		if (e == -ENOMEM) {
			vp_bls_entries_free(*ret, *ret_n);
			*ret = NULL;
			*ret_n = 0;
			return e;
		}
	}
	return 0;
}

int vp_bls_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len, char ***ret_words)
{
	struct vp_buf out = { 0 };
	bool found = false;
	const char *end = text + len, *next;
	for (const char *p = text; p && p < end; p = next) {
		size_t l = line_at(p, end, &next);
		if (!found && key_line(p, l, "options")) {
			found = true;
			const char *v = p + 7;
			while (v < p + l && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(p + l - v);
			if (ret_words && vp_kargs_split(v, vl, ret_words) < 0)
				goto oom;
			size_t nl = 0;
			_cleanup_free_ char *nv = vp_kargs_append(v, vl, args, &nl);
			if (!nv)
				goto oom;
			vp_buf_append(&out, p, (size_t)(v - p));
			vp_buf_append(&out, nv, nl);
		} else {
			vp_buf_append(&out, p, l);
		}
		if (next > p + l)
			vp_buf_puts(&out, "\n");
	}
	if (!found) {
		if (out.len && out.data[out.len - 1] != '\n')
			vp_buf_puts(&out, "\n");
		_cleanup_free_ char *nv = vp_kargs_append("", 0, args, NULL);
		if (!nv)
			goto oom;
		vp_buf_printf(&out, "options %s\n", nv);
		if (ret_words && !*ret_words && !(*ret_words = calloc(1, sizeof(char *))))
			goto oom;
	}
	*ret_len = out.len;
	if (!(*ret = vp_buf_steal(&out)))
		return -ENOMEM;
	return 0;
oom:
	vp_buf_free(&out);
	return -ENOMEM;
}

int vp_kernel_cmdline_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len,
			   char ***ret_words)
{
	/* kernel-install (90-loaderentry.install: tr -s "$IFS" ' ') and dracut read the whole file as one command
	 * line, newlines included: the arguments go after its last word, the lines before stay byte for byte */
	if (ret_words && vp_kargs_split(text, len, ret_words) < 0)
		return -ENOMEM;
	size_t end = len;
	while (end && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\n' || text[end - 1] == '\r'))
		end--;
	size_t nvl = 0;
	_cleanup_free_ char *nv = vp_kargs_append(text, end, args, &nvl);
	if (!nv)
		return -ENOMEM;
	struct vp_buf b = { 0 };
	if (nvl == end) /* nothing to add: unchanged */
		vp_buf_append(&b, text, len);
	else if (vp_buf_append(&b, nv, nvl) >= 0)
		vp_buf_puts(&b, "\n");
	*ret_len = b.len;
	return (*ret = vp_buf_steal(&b)) ? 0 : -ENOMEM;
}

char *vp_loader_conf_get(struct vp_root *root, const char *dir, const char *key)
{
	const char *s = strrchr(dir, '/');
	if (!s)
		return NULL;
	_cleanup_free_ char *lc = vp_strdup_printf("%.*s/loader.conf", (int)(s - dir), dir);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (!lc || vp_root_read_file(root, lc, 1u << 16, &text, &len) < 0)
		return NULL;
	return vp_bls_get(text, len, key);
}

char *vp_grubenv_get(struct vp_root *root, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; vp_grubenv_paths[i]; i++) {
		_cleanup_free_ char *env = NULL;
		size_t len = 0;
		if (vp_root_read_file(root, vp_grubenv_paths[i], 1u << 16, &env, &len) < 0)
			continue;
		const char *end = env + len, *next;
		for (const char *p = env; p < end; p = next) {
			size_t l = line_at(p, end, &next);
			if (l > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
				return strndup(p + kl + 1, l - kl - 1);
		}
		return NULL;
	}
	return NULL;
}

static json_object *kernelstub_parse(const char *text, size_t len)
{
	if (vp_bytes_have_nul(text, len))
		return NULL;
	json_object *j = json_tokener_parse(text);
	if (j && !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

static json_object *section_options(json_object *j, const char *section)
{
	json_object *s, *o;
	if (json_object_object_get_ex(j, section, &s) && json_object_object_get_ex(s, "kernel_options", &o) &&
	    json_object_is_type(o, json_type_array))
		return o;
	return NULL;
}

char **vp_kernelstub_options(struct vp_root *root)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (vp_root_read_file(root, VP_KERNELSTUB_CONFIG, VP_BOOTCFG_MAX, &text, &len) < 0)
		return NULL;
	json_object *j = kernelstub_parse(text, len);
	json_object *opts = j ? section_options(j, "user") : NULL;
	if (!opts && j)
		opts = section_options(j, "default");
	char **out = calloc(1, sizeof(char *));
	for (size_t i = 0; out && opts && i < json_object_array_length(opts); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(opts, i));
		if (s)
			vp_strv_push(&out, s);
	}
	json_object_put(j);
	return out;
}

int vp_kernelstub_edit(const char *text, size_t len, char *const *args, char **ret, size_t *ret_len)
{
	json_object *j = kernelstub_parse(text, len);
	if (!j)
		return -EINVAL;
	json_object *user;
	if (!json_object_object_get_ex(j, "user", &user) || !json_object_is_type(user, json_type_object)) {
		json_object_put(j);
		return -EINVAL;
	}
	json_object *opts = section_options(j, "user");
	if (!opts) {
		/* kernelstub copies "default" into "user" on its first run; do the same */
		json_object *d = section_options(j, "default");
		opts = json_object_new_array();
		for (size_t i = 0; d && i < json_object_array_length(d); i++)
			json_object_array_add(opts, json_object_get(json_object_array_get_idx(d, i)));
		json_object_object_add(user, "kernel_options", opts);
	}
	char **have = NULL;
	for (size_t i = 0; i < json_object_array_length(opts); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(opts, i));
		if (s)
			vp_strv_push(&have, s);
	}
	for (size_t i = 0; args && args[i]; i++) {
		if (vp_cmdline_has(have, args[i]))
			continue;
		json_object_array_add(opts, json_object_new_string(args[i]));
		vp_strv_push(&have, args[i]);
	}
	vp_strv_free(have);
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *r = s ? vp_strdup_printf("%s\n", s) : NULL;
	json_object_put(j);
	if (!r)
		return -ENOMEM;
	*ret = r;
	*ret_len = strlen(r);
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel-argument words (see kargs.h). */
#include "kargs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool vp_bytes_have_nul(const char *s, size_t len)
{
	return s && len && memchr(s, 0, len) != NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int vp_kargs_split(const char *s, size_t len, char ***ret)
{
	/* two passes: count, then fill, so that a million words cost a million steps */
	size_t n = 0;
	bool quote = false, in = false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quote = !quote;
		if (!quote && blank(s[i]) && s[i] != '"') {
			in = false;
			continue;
		}
		if (!in)
			n++;
		in = true;
	}
	char **out = calloc(n + 1, sizeof(char *));
	if (!out)
		return -ENOMEM;
	size_t k = 0, start = 0;
	quote = in = false;
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len;
		if (!end && s[i] == '"')
			quote = !quote;
		bool sep = end || (!quote && blank(s[i]) && s[i] != '"');
		if (sep) {
			if (in) {
				if (!(out[k] = strndup(s + start, i - start))) {
					vp_strv_free(out);
					return -ENOMEM;
				}
				k++;
			}
			in = false;
			continue;
		}
		if (!in)
			start = i;
		in = true;
	}
	*ret = out;
	return 0;
}

int vp_cmdline_split(const char *line, char ***ret)
{
	return vp_kargs_split(line ? line : "", line ? strlen(line) : 0, ret);
}

void vp_karg_key(const char *arg, char *key, size_t n)
{
	size_t i = 0;
	for (; arg[i] && arg[i] != '=' && i + 1 < n; i++)
		key[i] = arg[i] == '-' ? '_' : arg[i];
	key[i] = 0;
}

static const char *arg_value(const char *arg)
{
	const char *eq = strchr(arg, '=');
	return eq ? eq + 1 : NULL;
}

/* The key of arg, compared with word's key without copying the word (linear in the key). */
static bool same_key(const char *k, const char *word)
{
	size_t i = 0;
	for (; k[i]; i++) {
		char c = word[i] == '-' ? '_' : word[i];
		if (!word[i] || word[i] == '=' || c != k[i])
			return false;
	}
	return !word[i] || word[i] == '=';
}

static bool list_has(const char *list, const char *item)
{
	size_t il = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == il && strncmp(p, item, il) == 0)
			return true;
		p = c ? c + 1 : p + l;
	}
	return false;
}

static bool word_satisfies(const char *k, const char *v, const char *word)
{
	if (!same_key(k, word))
		return false;
	const char *wv = arg_value(word);
	if ((!v && !wv) || (v && wv && streq(v, wv)))
		return true;
	return v && wv && streq(k, "intel_iommu") && list_has(wv, v);
}

bool vp_cmdline_has(char *const *words, const char *arg)
{
	char k[128];
	vp_karg_key(arg, k, sizeof(k));
	const char *v = arg_value(arg);
	for (size_t i = 0; words && words[i]; i++)
		if (word_satisfies(k, v, words[i]))
			return true;
	return false;
}

const char *vp_kargs_conflict(char *const *words, const char *arg)
{
	char k[128];
	vp_karg_key(arg, k, sizeof(k));
	if (streq(k, "rd.driver.pre"))
		return NULL; /* repeatable */
	const char *v = arg_value(arg);
	for (size_t i = 0; words && words[i]; i++)
		if (same_key(k, words[i]) && !word_satisfies(k, v, words[i]))
			return words[i];
	return NULL;
}

char *vp_kargs_append(const char *value, size_t len, char *const *args, size_t *ret_len)
{
	_cleanup_strv_free_ char **words = NULL;
	if (vp_kargs_split(value, len, &words) < 0)
		return NULL;
	struct vp_buf b = { 0 };
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (vp_buf_append(&b, value, len) < 0)
		return NULL;
	_cleanup_strv_free_ char **added = NULL;
	for (size_t i = 0; args && args[i]; i++) {
		if (vp_cmdline_has(words, args[i]) || vp_cmdline_has(added, args[i]))
			continue;
		if ((b.len && vp_buf_puts(&b, " ") < 0) || vp_buf_puts(&b, args[i]) < 0 || vp_strv_push(&added, args[i]) < 0) {
			vp_buf_free(&b);
			return NULL;
		}
	}
	if (!b.data && vp_buf_append(&b, "", 0) < 0)
		return NULL;
	if (ret_len)
		*ret_len = b.len;
	return vp_buf_steal(&b);
}

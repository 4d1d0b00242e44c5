/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String helpers (see util.h). Pure functions; no I/O. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static int buf_reserve(struct vp_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int vp_buf_append(struct vp_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int vp_buf_puts(struct vp_buf *b, const char *s)
{
	return vp_buf_append(b, s, strlen(s));
}

int vp_buf_printf(struct vp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (buf_reserve(b, (size_t)n) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *vp_buf_steal(struct vp_buf *b)
{
	if (!b->data) {
		if (buf_reserve(b, 0) < 0)
			return NULL;
		b->data[0] = 0; /* an empty buffer gives "", not uninitialized memory */
	}
	char *d = b->data;
	*b = (struct vp_buf){ 0 };
	return d;
}

void vp_buf_free(struct vp_buf *b)
{
	free(b->data);
	*b = (struct vp_buf){ 0 };
}

char *vp_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

int vp_grow(void **array, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 8;
	while (c < n)
		c *= 2;
	if (c > SIZE_MAX / size)
		return -ENOMEM;
	void *a = realloc(*array, c * size);
	if (!a)
		return -ENOMEM;
	*array = a;
	*cap = c;
	return 0;
}

size_t vp_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int vp_strv_push_take(char ***v, char *s)
{
	if (!s)
		return -ENOMEM;
	size_t n = vp_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int vp_strv_push(char ***v, const char *s)
{
	return vp_strv_push_take(v, strdup(s));
}

int vp_strv_pushf(char ***v, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return vp_strv_push_take(v, n < 0 ? NULL : s);
}

bool vp_optlist_has(const char *v, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = v; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, tok, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

bool vp_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **vp_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	return NULL;
}

int vp_strv_split(const char *s, const char *seps, char ***ret)
{
	char **v = NULL;
	const char *p = s;
	while (*p) {
		p += strspn(p, seps);
		size_t n = strcspn(p, seps);
		if (n == 0)
			break;
		int r = vp_strv_push_take(&v, strndup(p, n));
		if (r < 0) {
			vp_strv_free(v);
			return r;
		}
		p += n;
	}
	if (!v) {
		v = calloc(1, sizeof(char *));
		if (!v)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}

char *vp_strv_join(char *const *v, const char *sep)
{
	struct vp_buf b = { 0 };
	for (size_t i = 0; v && v[i]; i++)
		if ((i && vp_buf_puts(&b, sep) < 0) || vp_buf_puts(&b, v[i]) < 0) {
			vp_buf_free(&b);
			return NULL;
		}
	return vp_buf_steal(&b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void vp_strv_sort(char **v)
{
	qsort(v, vp_strv_len(v), sizeof(char *), cmp_str);
}

char *vp_strstrip_tail(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

bool vp_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int parse_digits(const char *s, int base, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	for (; *p && *p != '\n'; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (p == s || (*p == '\n' && p[1]))
		return -EINVAL;
	*ret = v;
	return 0;
}

int vp_parse_hex(const char *s, uint64_t max, uint64_t *ret)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	return parse_digits(s, 16, max, ret);
}

int vp_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	return parse_digits(s, 10, max, ret);
}

static int hexfield(const char *s, size_t n, unsigned max, unsigned *ret)
{
	char tmp[9];
	uint64_t v;
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
		return -EINVAL;
	if (parse_digits(tmp, 16, max, &v) < 0)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

char *vp_hex(char *out, unsigned long v, int width)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = width - 1; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 0xf];
	out[width] = 0;
	return out;
}

char *vp_fmt_int(char out[24], long long v)
{
	char tmp[24];
	int n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	char *p = out;
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	*p = 0;
	return out;
}

void vp_pci_addr_fields(const char *canon, unsigned f[4])
{
	static const size_t at[4] = { 0, 5, 8, 11 }, len[4] = { 4, 2, 2, 1 };
	for (size_t i = 0; i < 4; i++)
		if (hexfield(canon + at[i], len[i], 0xffff, &f[i]) < 0)
			f[i] = 0;
}

int vp_pci_addr_parse(const char *s, char ret[VP_PCI_ADDR_LEN])
{
	unsigned dom = 0, bus, dev, fn;
	const char *c1 = strchr(s, ':');
	if (!c1)
		return -EINVAL;
	const char *c2 = strchr(c1 + 1, ':');
	const char *bus_s = s;
	if (c2) {
		if (hexfield(s, (size_t)(c1 - s), 0xffff, &dom) < 0 || c1 - s != 4)
			return -EINVAL;
		bus_s = c1 + 1;
		c1 = c2;
	}
	const char *dot = strchr(c1 + 1, '.');
	if (!dot || strchr(dot + 1, ':') || strchr(dot + 1, '.'))
		return -EINVAL;
	if (c1 - bus_s != 2 || hexfield(bus_s, 2, 0xff, &bus) < 0)
		return -EINVAL;
	if (dot - c1 - 1 != 2 || hexfield(c1 + 1, 2, 0x1f, &dev) < 0)
		return -EINVAL;
	if (strlen(dot + 1) != 1 || hexfield(dot + 1, 1, 7, &fn) < 0)
		return -EINVAL;
	/* "%04x:%02x:%02x.%x", without printf: this runs for every device of the host */
	vp_hex(ret, dom, 4);
	ret[4] = ':';
	vp_hex(ret + 5, bus, 2);
	ret[7] = ':';
	vp_hex(ret + 8, dev, 2);
	ret[10] = '.';
	vp_hex(ret + 11, fn, 1);
	return 0;
}

int vp_pci_id_parse(const char *s, uint16_t *ret_vendor, uint16_t *ret_device)
{
	const char *c = strchr(s, ':');
	unsigned v, d;
	if (!c || c - s != 4 || strlen(c + 1) != 4)
		return -EINVAL;
	if (hexfield(s, 4, 0xffff, &v) < 0 || hexfield(c + 1, 4, 0xffff, &d) < 0)
		return -EINVAL;
	*ret_vendor = (uint16_t)v;
	*ret_device = (uint16_t)d;
	return 0;
}

int vp_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void vp_path_normalize(char *path)
{
	char out[PATH_MAX];
	size_t len = 0;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *save = NULL, *t = strtok_r(tmp, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
			continue;
		}
		int k = snprintf(out + len, sizeof(out) - len, "%s%s", len ? "/" : "", t);
		if (k < 0 || (size_t)k >= sizeof(out) - len)
			break;
		len += (size_t)k;
	}
	out[len] = 0;
	memcpy(path, out, len + 1);
}
